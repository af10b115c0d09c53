import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from sessions_audit.models import AccessSession
from tests.factories import AccessSessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_with_sessions_cannot_be_deleted_and_the_session_keeps_naming_them():
    user = UserFactory(email="leaver@example.com")
    session = AccessSessionFactory(user=user)
    with pytest.raises(ProtectedError):
        user.delete()
    session.refresh_from_db()
    assert (session.user, session.user_email) == (user, "leaver@example.com")


def test_snapshots_survive_renames(account):
    session = AccessSessionFactory(account=account)
    old_name = account.name
    account.name = "renamed"
    account.save()
    session.refresh_from_db()
    assert session.account_name == old_name


def test_active_past_expiry_reads_as_expired_without_the_sweep():
    past = AccessSessionFactory(expires_at=timezone.now() - timezone.timedelta(seconds=1))
    live = AccessSessionFactory()
    assert past.effective_status == "expired"
    assert live.effective_status == "active"
    annotated = dict(
        AccessSession.objects.with_effective_status().values_list("pk", "effective_status")
    )
    assert annotated == {past.pk: "expired", live.pk: "active"}
    assert list(AccessSession.objects.with_status("active")) == [live]
    assert list(AccessSession.objects.with_status("expired")) == [past]


def test_an_active_session_must_have_an_expiry():
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessSessionFactory(expires_at=None)


def test_status_is_constrained():
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessSessionFactory(status="hacked")
