import pytest

from pamsite.durations import InvalidDuration, format_duration, parse_duration

GOOD = [
    ("15m", 900),
    ("30m", 1800),
    ("45m", 2700),
    ("1h", 3600),
    ("3600s", 3600),
    ("900s", 900),
    ("1h0m", 3600),
    ("60m", 3600),
    (" 30m ", 1800),
    ("30M", 1800),
    ("45 min", 2700),
    ("1 hour", 3600),
    ("20m30s", 1230),
    ("0h15m", 900),
    ("15m0s", 900),
]


@pytest.mark.parametrize(("text", "seconds"), GOOD)
def test_parses_durations_people_write(text, seconds):
    assert parse_duration(text) == seconds


BAD = [
    ("", "Enter a session duration"),
    ("   ", "Enter a session duration"),
    ("900", "Add a unit"),
    ("1.5h", "not a duration"),
    ("-15m", "not a duration"),
    ("15", "Add a unit"),
    ("m", "not a duration"),
    ("15x", "not a duration"),
    ("1h1h", "not a duration"),
    ("15m 15m", "not a duration"),
    ("fifteen minutes", "not a duration"),
    ("<script>", "not a duration"),
    ("1h;drop", "not a duration"),
    ("9999999h", "not a duration"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD)
def test_refuses_what_is_not_a_duration(text, fragment):
    with pytest.raises(InvalidDuration, match=fragment):
        parse_duration(text)


@pytest.mark.parametrize("text", ["14m", "10m", "899s", "0m", "0s", "14m59s"])
def test_refuses_shorter_than_15_minutes(text):
    with pytest.raises(InvalidDuration, match="too short: AWS sessions last at least 15m"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["2h", "61m", "3601s", "1h1s", "12h"])
def test_longer_than_an_hour_names_role_chaining(text):
    with pytest.raises(InvalidDuration, match="role chaining limits a session to 1h"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"), [(900, "15m"), (2700, "45m"), (3600, "1h"), (1230, "20m30s")]
)
def test_canonical_form(seconds, text):
    assert format_duration(seconds) == text
    assert parse_duration(format_duration(seconds)) == seconds


def test_integer_seconds_are_range_checked():
    assert parse_duration(1800) == 1800
    with pytest.raises(InvalidDuration):
        parse_duration(7200)


# A bare number: the hint suggests only the readings that are allowed ("3600m" is 60 hours).
BARE_NUMBERS = {
    "3600": "for example 3600s (1h).",
    "900": "for example 900s (15m).",
    "30": "for example 30m.",
    "1": "for example 1h.",
    "5": "Add a unit to '5'. Allowed",
}


@pytest.mark.parametrize("text", sorted(BARE_NUMBERS))
def test_a_bare_number_is_answered_with_units_that_are_allowed(text):
    with pytest.raises(InvalidDuration) as refused:
        parse_duration(text)
    message = str(refused.value)
    assert BARE_NUMBERS[text] in message
    for unit in "smh":
        suggestion = f"{text}{unit}"
        if f" {suggestion}" in message.split("Allowed")[0]:
            assert parse_duration(suggestion)  # every suggestion is itself allowed
