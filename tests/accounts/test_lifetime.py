"""How long the console lasts, and the limit that binds (accounts.lifetime)."""

from datetime import UTC, datetime, timedelta

from accounts.lifetime import ACCOUNT, CHAINING, GRANT, console_lifetime

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_shorter_account_duration_binds():
    lifetime = console_lifetime(session_duration=1800)
    assert (lifetime.seconds, lifetime.reasons) == (1800, (ACCOUNT,))
    assert lifetime.statement == "The console will last 30 minutes: the account's session duration."


def test_at_one_hour_the_account_and_the_chaining_cap_bind_together():
    lifetime = console_lifetime(session_duration=3600)
    assert (lifetime.display, lifetime.reasons) == ("1 hour", (ACCOUNT, CHAINING))


def test_a_grant_that_ends_sooner_binds():
    lifetime = console_lifetime(
        session_duration=3600, now=NOW, grant_ends_at=NOW + timedelta(minutes=20)
    )
    assert (lifetime.display, lifetime.because) == ("20 minutes", GRANT)


def test_durations_read_in_words():
    assert console_lifetime(session_duration=900).display == "15 minutes"
    assert console_lifetime(session_duration=2700).display == "45 minutes"
