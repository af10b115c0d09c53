import pytest
from django.core.exceptions import PermissionDenied

from accounts.access import account_access
from accounts.selectors import account_for_member
from resources.models import Membership
from tests.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_one_query_gives_the_account_and_the_membership(
    django_assert_num_queries, member_user, account
):
    slug = account.resource.project.slug
    with django_assert_num_queries(1):
        found, membership = account_for_member(user=member_user, slug=slug, pk=account.pk)
        assert found.resource.project.slug == slug  # loaded with it, no further query
    assert found == account
    real = Membership.objects.get(user=member_user, project=account.resource.project)
    assert (membership.pk, membership.role, membership.user_id) == (
        real.pk,
        "member",
        member_user.pk,
    )


@pytest.mark.parametrize("case", ["non-member", "other project", "bad slug", "anonymous"])
def test_everyone_else_finds_nothing(case, member_user, account):
    """Nothing found: the view's gate (resources.permissions.view_gate) answers it with 404."""
    from django.contrib.auth.models import AnonymousUser

    slug, pk, user = account.resource.project.slug, account.pk, member_user
    if case == "non-member":
        user = UserFactory()
    elif case == "other project":
        other = AccountFactory()
        MembershipFactory(user=member_user, project=other.resource.project, role="admin")
        slug = other.resource.project.slug  # my project's slug, this account's id
    elif case == "bad slug":
        slug = "x\x00y"
    else:
        user = AnonymousUser()
    assert account_for_member(user=user, slug=slug, pk=pk) is None


def test_the_service_does_not_trust_a_membership_that_is_not_the_users(auditor_user, account):
    """A caller handing in somebody else's admin membership does not turn an auditor into an
    admin: the service looks the auditor's own membership up."""
    admin = MembershipFactory(project=account.resource.project, role="admin")
    with pytest.raises(PermissionDenied):
        account_access(
            user=auditor_user, account=account, source_ip=None, user_agent="", membership=admin
        )
