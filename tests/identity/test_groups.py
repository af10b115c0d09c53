"""IdP groups grant project roles: at each SSO sign-in the person's SSO memberships follow the
rules; manual memberships stay manual."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from resources.models import GroupRule, Membership
from resources.projects import group_rule_set, membership_set
from sessions_audit.models import AuditEvent
from tests.factories import MembershipFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def _claims(email, *groups):
    return {"email": email, "email_verified": True, "groups": list(groups)}


def _role(email, project):
    m = Membership.objects.filter(user__email=email, project=project).first()
    return (m.role, m.source) if m else None


@pytest.fixture
def payments(admin_user, project):
    group_rule_set(actor=admin_user, project=project, group="aws-payments-dev", role="member")
    group_rule_set(actor=admin_user, project=project, group="aws-payments-admins", role="admin")
    return project


def test_a_first_sign_in_lands_in_the_projects_its_groups_map_to(client, provider, payments):
    response = provider.sign_in(client, "g1", **_claims("gina@corp.example", "aws-payments-dev"))
    assert _role("gina@corp.example", payments) == ("member", "sso")
    # One project: the sign-in goes straight to its Accounts tab.
    home = client.get(response["Location"])
    assert home["Location"] == reverse("resources:project", args=[payments.slug])
    event = AuditEvent.objects.get(action="membership.set", target="gina@corp.example")
    assert event.detail == {
        "role": "member",
        "source": "sso",
        "group": "aws-payments-dev",
        "old": {"role": None},
        "via": "sso",
    }


def test_the_most_capable_matching_rule_wins(client, provider, payments):
    provider.sign_in(
        client, "g2", **_claims("hank@corp.example", "aws-payments-dev", "aws-payments-admins")
    )
    assert _role("hank@corp.example", payments) == ("admin", "sso")


def test_roles_change_and_go_with_the_groups(client, provider, payments):
    provider.sign_in(client, "g3", **_claims("ivy@corp.example", "aws-payments-admins"))
    client.logout()
    provider.sign_in(client, "g3", **_claims("ivy@corp.example", "aws-payments-dev"))
    assert _role("ivy@corp.example", payments) == ("member", "sso")
    client.logout()
    provider.sign_in(client, "g3", **_claims("ivy@corp.example", "unrelated"))
    assert _role("ivy@corp.example", payments) is None
    removal = AuditEvent.objects.get(action="membership.remove", target="ivy@corp.example")
    assert (removal.detail["via"], removal.detail["old"]) == ("sso", {"role": "member"})


def test_manual_memberships_stay_manual(client, provider, payments, admin_user):
    provider.sign_in(client, "g4", **_claims("jack@corp.example", "aws-payments-dev"))
    membership_set(actor=admin_user, project=payments, email="jack@corp.example", role="auditor")
    client.logout()
    provider.sign_in(client, "g4", **_claims("jack@corp.example"))  # no groups at all now
    assert _role("jack@corp.example", payments) == ("auditor", "manual")


def test_the_groups_claim_name_is_configurable(client, provider, payments, settings):
    app = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]
    app["settings"]["groups_claim"] = "roles"
    provider.sign_in(
        client, "g5", email="kim@corp.example", email_verified=True, roles=["aws-payments-dev"]
    )
    assert _role("kim@corp.example", payments) == ("member", "sso")


def test_an_archived_project_is_left_alone(client, provider, payments, admin_user):
    from resources.projects import project_archive

    project_archive(actor=admin_user, project=payments)
    provider.sign_in(client, "g6", **_claims("lee@corp.example", "aws-payments-dev"))
    assert _role("lee@corp.example", payments) is None


def test_admins_edit_rules_on_the_members_page_and_each_change_is_audited(
    client, admin_user, project
):
    client.force_login(admin_user)
    url = reverse("resources:group_rule_add", args=[project.slug])
    response = client.post(url, {"rule-group": "aws-ops", "rule-role": "auditor"})
    assert response.status_code == 302
    client.post(url, {"rule-group": "aws-ops", "rule-role": "member"})
    rule = GroupRule.objects.get(project=project, group="aws-ops")
    assert rule.role == "member"
    events = AuditEvent.objects.filter(action="group_rule.set").order_by("id")
    assert [e.detail.get("old") for e in events] == [{"role": None}, {"role": "auditor"}]
    page = client.get(reverse("resources:members", args=[project.slug])).content.decode()
    assert "aws-ops" in page and "Roles from single sign-on groups" in page
    client.post(reverse("resources:group_rule_remove", args=[project.slug, rule.pk]))
    assert not GroupRule.objects.exists()
    assert AuditEvent.objects.filter(action="group_rule.remove", target="aws-ops").exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"rule-group": "", "rule-role": "member"}, "group"),
        ({"rule-group": "aws\u200bops", "rule-role": "member"}, "group"),
        ({"rule-group": "g" * 256, "rule-role": "member"}, "group"),
        ({"rule-group": "aws-ops", "rule-role": "owner"}, "role"),
    ],
)
def test_a_bad_rule_is_a_field_error_and_saves_nothing(client, admin_user, project, data, field):
    client.force_login(admin_user)
    response = client.post(reverse("resources:group_rule_add", args=[project.slug]), data)
    assert response.status_code == 200
    assert field in response.context["rule_form"].errors
    assert not GroupRule.objects.exists()


def test_rules_of_another_project_never_grant_here(client, provider, project):
    other = ProjectFactory()
    admin = MembershipFactory(project=other, role="admin").user
    group_rule_set(actor=admin, project=other, group="aws-other", role="admin")
    provider.sign_in(client, "g7", **_claims("mo@corp.example", "aws-other"))
    assert _role("mo@corp.example", project) is None
    assert _role("mo@corp.example", other) == ("admin", "sso")
    assert SocialAccount.objects.get(uid="g7").user.email == "mo@corp.example"
