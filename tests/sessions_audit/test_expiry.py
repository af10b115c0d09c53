"""The expiry sweep: one UPDATE, idempotent, and only active sessions past expires_at."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from sessions_audit.models import AccessSession
from sessions_audit.services import sessions_expire
from sessions_audit.tasks import sessions_expire_task
from tests.factories import AccessSessionFactory

pytestmark = pytest.mark.django_db

Status = AccessSession.Status


def _past(**kwargs):
    return AccessSessionFactory(expires_at=timezone.now() - timedelta(minutes=1), **kwargs)


def test_active_session_past_expiry_becomes_expired():
    session = _past()

    assert sessions_expire() == 1

    session.refresh_from_db()
    assert session.status == Status.EXPIRED


def test_active_session_still_running_is_untouched():
    session = AccessSessionFactory(expires_at=timezone.now() + timedelta(minutes=5))

    assert sessions_expire() == 0

    session.refresh_from_db()
    assert session.status == Status.ACTIVE


@pytest.mark.parametrize("status", [Status.FAILED, Status.REVOKED])
def test_finished_sessions_keep_their_outcome(status):
    session = _past(status=status)

    sessions_expire()

    session.refresh_from_db()
    assert session.status == status


def test_many_sessions_expire_in_one_query(django_assert_num_queries):
    first = _past()
    for _ in range(24):
        _past(account=first.account, user=first.user)

    with django_assert_num_queries(1):
        count = sessions_expire()

    assert count == 25
    assert not AccessSession.objects.filter(status=Status.ACTIVE).exists()


def test_sweep_is_idempotent():
    _past()

    assert (sessions_expire(), sessions_expire()) == (1, 0)


def test_task_runs_the_sweep_and_returns_the_count():
    _past()

    assert sessions_expire_task.apply().get() == 1


def test_management_command_runs_the_sweep_once():
    session = _past()
    out = StringIO()

    call_command("expire_sessions", stdout=out)

    session.refresh_from_db()
    assert session.status == Status.EXPIRED
    assert "Expired 1 session." in out.getvalue()


def test_reads_show_expired_before_the_sweep_runs():
    session = _past()

    exported = (
        AccessSession.objects.with_effective_status()
        .values_list("effective_status", flat=True)
        .get(pk=session.pk)
    )

    assert session.status == Status.ACTIVE  # not swept yet
    assert exported == Status.EXPIRED
    assert session.effective_status == Status.EXPIRED
    assert not AccessSession.objects.with_status(Status.ACTIVE).exists()
