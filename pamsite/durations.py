"""Session durations as people write them: "15m", "1h", "3600s", "1h0m", "45 min".

One parser for forms, services and admin. Bounds: 15 minutes (the STS minimum) to 1 hour,
the cap AWS puts on sessions from role chaining, which every Access uses.
"""

import re

MIN_SECONDS = 15 * 60
MAX_SECONDS = 60 * 60
ALLOWED = "15m to 1h, written like 15m, 30m, 45m, 1h or 3600s"

_UNITS = {
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
}
_TOKEN = re.compile(r"\s*(\d{1,6})\s*([a-z]+)\s*", re.ASCII)


class InvalidDuration(ValueError):
    """The text is not a duration in range; the message says what is allowed."""


def parse_duration(value: str | int) -> int:
    """Return the duration in seconds, or raise InvalidDuration with a helpful message."""
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    else:
        text = str(value or "").strip().lower()
        if not text:
            raise InvalidDuration(f"Enter a session duration: {ALLOWED}.")
        if text.isdigit():
            raise InvalidDuration(
                f"Add a unit to '{text}'{_unit_examples(text)}. Allowed: {ALLOWED}."
            )
        seconds = _token_seconds(text, f"'{value}' is not a duration. Allowed: {ALLOWED}.")
    return check_duration_seconds(seconds)


def _token_seconds(text: str, refusal: str) -> int:
    """The seconds in "1h30m"-like text (each unit once), or InvalidDuration(refusal)."""
    seconds, position, seen = 0, 0, set()
    while position < len(text):
        match = _TOKEN.match(text, position)
        unit = _UNITS.get(match.group(2)) if match and match.end() > position else None
        if unit is None or unit in seen:
            raise InvalidDuration(refusal)
        seen.add(unit)
        seconds += int(match.group(1)) * unit
        position = match.end()
    return seconds


def parse_length(value: str | int, *, max_seconds: int, what: str = "grant") -> int:
    """A length from 15m to `max_seconds` (a grant: up to 12h), as people write it."""
    allowed = f"15m to {format_duration(max_seconds)}, written like 30m, 2h or 1h30m"
    if isinstance(value, int) and not isinstance(value, bool):
        seconds = value
    else:
        text = str(value or "").strip().lower()
        if not text:
            raise InvalidDuration(f"Enter how long the {what} lasts: {allowed}.")
        seconds = _token_seconds(text, f"'{value}' is not a length. Allowed: {allowed}.")
    if not MIN_SECONDS <= seconds <= max_seconds:
        raise InvalidDuration(f"{format_duration(seconds)} is out of range. Allowed: {allowed}.")
    return seconds


def _unit_examples(digits: str) -> str:
    """The readings of a bare number that are in range ("900": 900s), so the hint never
    suggests one that is refused ("3600m" is 60 hours)."""
    readings = []
    for unit, seconds in (("s", 1), ("m", 60), ("h", 3600)):
        total = int(digits) * seconds
        if MIN_SECONDS <= total <= MAX_SECONDS:
            written, canonical = f"{digits}{unit}", format_duration(total)
            readings.append(written if written == canonical else f"{written} ({canonical})")
    return f": for example {' or '.join(readings)}" if readings else ""


def check_duration_seconds(seconds: int) -> int:
    if seconds < MIN_SECONDS:
        raise InvalidDuration(
            f"{format_duration(seconds)} is too short: AWS sessions last at least 15m. "
            f"Allowed: {ALLOWED}."
        )
    if seconds > MAX_SECONDS:
        raise InvalidDuration(
            f"{format_duration(seconds)} is too long: Access chains two roles, and AWS role "
            "chaining limits a session to 1h. Allowed: " + ALLOWED + "."
        )
    return seconds


def format_duration(seconds: int) -> str:
    """Canonical form: "15m", "1h", "1h30m", "20m34s"."""
    if seconds <= 0:
        return f"{seconds}s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    out = ""
    if hours:
        out += f"{hours}h"
    if minutes:
        out += f"{minutes}m"
    if secs:
        out += f"{secs}s"
    return out
