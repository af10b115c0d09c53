import pytest
from django.urls import reverse

from resources.models import Membership, Resource
from sessions_audit.models import AuditEvent
from tests.factories import MembershipFactory, ProjectFactory, ResourceFactory, UserFactory

pytestmark = pytest.mark.django_db

ARN = "arn:aws:iam::123456789012:role/PamBridge"
HTMX = {"HX-Request": "true"}


def test_resource_list_requires_login(client, project):
    response = client.get(reverse("resources:list", args=[project.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_resource_list_is_404_for_non_members(client, project, resource):
    client.force_login(UserFactory())
    response = client.get(reverse("resources:list", args=[project.slug]))
    assert response.status_code == 404


def test_member_sees_the_projects_resources(client, member_user, resource):
    client.force_login(member_user)
    response = client.get(reverse("resources:list", args=[resource.project.slug]))
    assert response.status_code == 200
    assert resource.name in response.content.decode()


def test_resource_list_hides_other_projects_resources(client, member_user, resource):
    other = ResourceFactory(project=ProjectFactory(), name="someone-elses")
    client.force_login(member_user)
    response = client.get(reverse("resources:list", args=[resource.project.slug]))
    assert other.name not in response.content.decode()


def test_member_has_no_add_resource_button(client, member_user, project):
    client.force_login(member_user)
    response = client.get(reverse("resources:list", args=[project.slug]))
    assert reverse("resources:create", args=[project.slug]) not in response.content.decode()


def test_tabs_show_members_and_sessions_to_admins(client, admin_user, project):
    client.force_login(admin_user)
    body = client.get(reverse("resources:list", args=[project.slug])).content.decode()
    assert reverse("resources:members", args=[project.slug]) in body
    assert reverse("sessions_audit:list", args=[project.slug]) in body


def test_tabs_hide_members_and_sessions_from_members(client, member_user, project):
    client.force_login(member_user)
    body = client.get(reverse("resources:list", args=[project.slug])).content.decode()
    assert reverse("resources:members", args=[project.slug]) not in body
    assert reverse("sessions_audit:list", args=[project.slug]) not in body


def test_pending_status_fragment_keeps_polling(client, member_user, resource):
    client.force_login(member_user)
    url = reverse("resources:status", args=[resource.project.slug, resource.pk])
    response = client.get(url, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in body
    assert "<html" not in body


@pytest.mark.parametrize("status", ["valid", "invalid"])
def test_final_status_fragment_stops_polling(client, member_user, resource, status):
    Resource.objects.filter(pk=resource.pk).update(validation_status=status)
    client.force_login(member_user)
    url = reverse("resources:status", args=[resource.project.slug, resource.pk])
    body = client.get(url, headers=HTMX).content.decode()
    assert f'data-status="{status}"' in body
    assert "hx-trigger" not in body


def test_status_without_htmx_redirects_to_the_resource(client, member_user, resource):
    client.force_login(member_user)
    url = reverse("resources:status", args=[resource.project.slug, resource.pk])
    response = client.get(url)
    assert response["Location"] == reverse(
        "resources:edit", args=[resource.project.slug, resource.pk]
    )


def test_invalid_resource_page_shows_the_hint(client, member_user, resource):
    Resource.objects.filter(pk=resource.pk).update(
        validation_status="invalid",
        validation_code="AccessDenied",
        validation_hint="Add the External ID condition to the trust policy.",
    )
    client.force_login(member_user)
    url = reverse("resources:edit", args=[resource.project.slug, resource.pk])
    body = client.get(url).content.decode()
    assert "Add the External ID condition to the trust policy." in body


def test_admin_creates_a_resource(client, admin_user, project, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    response = client.post(
        reverse("resources:create", args=[project.slug]),
        {"name": "prod", "resource_role_arn": ARN, "description": ""},
    )
    resource = Resource.objects.get(project=project, name="prod")
    assert response.status_code == 302
    assert response["Location"] == reverse("resources:edit", args=[project.slug, resource.pk])


def test_htmx_create_redirects_the_whole_page(client, admin_user, project):
    client.force_login(admin_user)
    response = client.post(
        reverse("resources:create", args=[project.slug]),
        {"name": "prod", "resource_role_arn": ARN},
        headers=HTMX,
    )
    resource = Resource.objects.get(project=project, name="prod")
    assert response["HX-Redirect"] == reverse("resources:edit", args=[project.slug, resource.pk])


def test_create_with_a_bad_arn_shows_the_error_inline(client, admin_user, project):
    client.force_login(admin_user)
    response = client.post(
        reverse("resources:create", args=[project.slug]),
        {"name": "prod", "resource_role_arn": "arn:aws:iam::123456789012:user/alice"},
        headers=HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="resource-form"' in body
    assert "errorlist" in body
    assert "<html" not in body
    assert not Resource.objects.filter(project=project).exists()


def test_duplicate_resource_name_is_a_field_error(client, admin_user, resource):
    client.force_login(admin_user)
    response = client.post(
        reverse("resources:create", args=[resource.project.slug]),
        {"name": resource.name, "resource_role_arn": ARN},
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_member_cannot_create_a_resource(client, member_user, project):
    client.force_login(member_user)
    response = client.post(
        reverse("resources:create", args=[project.slug]),
        {"name": "prod", "resource_role_arn": ARN},
    )
    assert response.status_code == 403
    assert not Resource.objects.filter(project=project).exists()


def test_auditor_cannot_edit_a_resource(client, auditor_user, resource):
    client.force_login(auditor_user)
    response = client.post(
        reverse("resources:edit", args=[resource.project.slug, resource.pk]),
        {"name": "renamed", "resource_role_arn": ARN},
    )
    resource.refresh_from_db()
    assert response.status_code == 403
    assert resource.name != "renamed"


def test_admin_edits_a_resource(client, admin_user, resource):
    client.force_login(admin_user)
    client.post(
        reverse("resources:edit", args=[resource.project.slug, resource.pk]),
        {"name": "renamed", "resource_role_arn": ARN},
    )
    resource.refresh_from_db()
    assert resource.name == "renamed"


def test_resource_of_another_project_is_404(client, admin_user, project):
    other = ResourceFactory(project=ProjectFactory())
    client.force_login(admin_user)
    response = client.get(reverse("resources:edit", args=[project.slug, other.pk]))
    assert response.status_code == 404


def test_member_cannot_validate_again(client, member_user, resource):
    client.force_login(member_user)
    url = reverse("resources:validate", args=[resource.project.slug, resource.pk])
    assert client.post(url).status_code == 403


def test_validate_again_is_post_only(client, admin_user, resource):
    client.force_login(admin_user)
    url = reverse("resources:validate", args=[resource.project.slug, resource.pk])
    assert client.get(url).status_code == 405


def test_members_page_is_for_admins_only(client, member_user, project):
    client.force_login(member_user)
    assert client.get(reverse("resources:members", args=[project.slug])).status_code == 403


def test_admin_adds_a_member_by_email(client, admin_user, project):
    newcomer = UserFactory(email="new@example.com")
    client.force_login(admin_user)
    response = client.post(
        reverse("resources:members", args=[project.slug]),
        {"email": "NEW@example.com", "role": "auditor"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(project=project, user=newcomer).role == "auditor"


def test_adding_an_unknown_email_invites_them(client, admin_user, project):
    """No field error that would tell whether the email has an account: an invitation
    (tests/identity/test_invitations.py)."""
    from resources.models import Invitation

    client.force_login(admin_user)
    response = client.post(
        reverse("resources:members", args=[project.slug]),
        {"email": "nobody@example.com", "role": "member"},
    )
    assert response.status_code == 302
    assert Invitation.objects.get(project=project).email == "nobody@example.com"


def test_last_admin_cannot_be_demoted(client, admin_user, project):
    client.force_login(admin_user)
    response = client.post(
        reverse("resources:members", args=[project.slug]),
        {"email": admin_user.email, "role": "member"},
    )
    assert response.context["form"].errors
    assert Membership.objects.get(project=project, user=admin_user).role == "admin"


def test_admin_removes_a_member(client, admin_user, project):
    membership = MembershipFactory(project=project)
    client.force_login(admin_user)
    url = reverse("resources:member_remove", args=[project.slug, membership.pk])
    client.post(url, {"confirm": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(action="membership.remove").exists()


def test_remove_asks_first_and_removes_nothing_until_confirmed(client, admin_user, project):
    membership = MembershipFactory(project=project)
    client.force_login(admin_user)
    url = reverse("resources:member_remove", args=[project.slug, membership.pk])

    response = client.post(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert f"Remove {membership.user.email} from {project.name}?" in body
    assert 'name="confirm" value="yes"' in body and f'action="{url}"' in body
    assert Membership.objects.filter(pk=membership.pk).exists()
    assert not AuditEvent.objects.filter(action="membership.remove").exists()


def test_member_cannot_remove_anyone(client, member_user, admin_membership, project):
    client.force_login(member_user)
    url = reverse("resources:member_remove", args=[project.slug, admin_membership.pk])
    assert client.post(url).status_code == 403
    assert Membership.objects.filter(pk=admin_membership.pk).exists()


def test_resource_page_fills_in_all_three_policies(client, admin_user, resource):
    client.force_login(admin_user)
    body = client.get(
        reverse("resources:edit", args=[resource.project.slug, resource.pk])
    ).content.decode()
    assert "arn:aws:iam::111111111111:root" in body  # PAM_PLATFORM_ACCOUNT_ID in the test env
    assert body.count(resource.project.external_id) >= 3
    assert 'id="policy-resource-permissions"' in body
    assert 'id="policy-target-trust"' in body
    assert 'data-copy-target="policy-target-trust"' in body


def test_new_resource_page_shows_the_trust_policy_before_an_arn(client, admin_user, project):
    client.force_login(admin_user)
    body = client.get(reverse("resources:create", args=[project.slug])).content.decode()
    assert 'id="policy-resource-trust"' in body
    assert 'id="policy-target-trust"' not in body


def test_members_do_not_get_the_policy_documents(client, member_user, resource):
    client.force_login(member_user)
    body = client.get(
        reverse("resources:edit", args=[resource.project.slug, resource.pk])
    ).content.decode()
    assert 'id="policy-resource-trust"' not in body


def test_validate_again_sends_the_resource_back_to_pending(client, admin_user, resource):
    Resource.objects.filter(pk=resource.pk).update(validation_status="invalid")
    client.force_login(admin_user)
    url = reverse("resources:validate", args=[resource.project.slug, resource.pk])
    response = client.post(url)
    resource.refresh_from_db()
    assert response.status_code == 302
    assert resource.validation_status == "pending"


def test_resource_page_lists_trust_policy_findings(client, member_user, resource):
    finding = {"code": "ExternalIdMissing", "message": "Anyone may assume it.", "fix": "",
               "level": "warning"}  # fmt: skip
    Resource.objects.filter(pk=resource.pk).update(
        validation_status="valid", validation_warnings=[finding]
    )
    client.force_login(member_user)
    body = client.get(
        reverse("resources:edit", args=[resource.project.slug, resource.pk])
    ).content.decode()
    assert "Anyone may assume it." in body
    assert "ExternalIdMissing" in body


def test_admin_who_removes_themselves_lands_on_their_projects(client, admin_user, project):
    MembershipFactory(project=project, role=Membership.Role.ADMIN)
    client.force_login(admin_user)
    own = Membership.objects.get(user=admin_user, project=project)
    url = reverse("resources:member_remove", args=[project.slug, own.pk])
    response = client.post(url, {"confirm": "yes"})
    assert response["Location"] == reverse("home")


def test_admin_who_demotes_themselves_lands_on_the_accounts_page(client, admin_user, project):
    MembershipFactory(project=project, role=Membership.Role.ADMIN)
    client.force_login(admin_user)
    response = client.post(
        reverse("resources:members", args=[project.slug]),
        {"email": admin_user.email, "role": "member"},
    )
    assert response["Location"] == reverse("accounts:list", args=[project.slug])
