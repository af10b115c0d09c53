"""How long a console opened from an Account will last, and why: said before the click (the
Accounts list, the step-up page) and after it (the session page).

AWS ends a federated console session when the credentials it was made from expire, and those
come from hop 2 of a role chain, which AWS caps at 1 hour. So the console lasts the shortest of:
the Account's session duration, that 1-hour cap, and the end of the grant the session was opened
under (the requests work will pass it in). The target role's own maximum session duration binds
only below the Account's duration, and then the Account does not validate (AWS refuses the
AssumeRole), so a valid Account is never cut short by it.
"""

from dataclasses import dataclass
from datetime import datetime

from pamsite.durations import MAX_SECONDS

CHAINING_CAP_SECONDS = MAX_SECONDS  # AWS's 1 hour for sessions from role chaining

ACCOUNT = "the account's session duration"
CHAINING = "AWS's 1-hour limit for role-chained sessions"
GRANT = "the end of your grant"


@dataclass(frozen=True)
class Lifetime:
    seconds: int
    reasons: tuple[str, ...]

    @property
    def display(self) -> str:
        """In words: "30 minutes", "1 hour", "1 hour 5 minutes"."""
        hours, rest = divmod(self.seconds, 3600)
        minutes = rest // 60
        words = []
        if hours:
            words.append(f"{hours} hour{'s' if hours != 1 else ''}")
        if minutes or not hours:
            words.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
        return " ".join(words)

    @property
    def because(self) -> str:
        """The binding limit(s), as a phrase: "the account's session duration and AWS's ..."."""
        return " and ".join(self.reasons)

    @property
    def statement(self) -> str:
        return f"The console will last {self.display}: {self.because}."


def console_lifetime(
    *, session_duration: int, now: datetime | None = None, grant_ends_at: datetime | None = None
) -> Lifetime:
    """The shortest of the limits, naming every limit that binds at that length."""
    limits = [(session_duration, ACCOUNT), (CHAINING_CAP_SECONDS, CHAINING)]
    if grant_ends_at is not None and now is not None:
        limits.append((max(0, int((grant_ends_at - now).total_seconds())), GRANT))
    shortest = min(seconds for seconds, _ in limits)
    return Lifetime(
        seconds=shortest,
        reasons=tuple(reason for seconds, reason in limits if seconds == shortest),
    )
