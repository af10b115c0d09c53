"""Template filters every page uses: ARNs that wrap where they should, and times a script
(static/js/app.js) shows in the viewer's time zone.

Load with `{% load pam %}`.
"""

from datetime import UTC, datetime

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from pamsite.durations import format_duration

register = template.Library()

# Where a line may break inside an ARN, a role path or a session name: after its separators,
# never inside a word (CSS's overflow-wrap is the fallback for a segment wider than the line).
_BREAK_AFTER = (":", "/")


@register.filter
def arn_breaks(value) -> str:
    """The text, escaped, with a <wbr> after every ':' and '/'. Copying it copies no extra
    characters: <wbr> has no text."""
    text = str(escape("" if value is None else value))
    for separator in _BREAK_AFTER:
        text = text.replace(separator, separator + "<wbr>")
    return mark_safe(text)  # noqa: S308 - escaped above; only <wbr> is added


@register.filter
def when(value: datetime | None, verb: str = "") -> str:
    """A <time> element: UTC as text and on hover; app.js rewrites the text in the viewer's
    time zone with a relative time ("12 minutes ago"; with verb "ends": "ends in 23 minutes",
    "ended 5 minutes ago"). None is a dash."""
    if value is None:
        return "—"
    utc = value.astimezone(UTC)
    text = utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    return format_html(
        '<time datetime="{}" title="{}" data-when="{}">{}</time>',
        utc.isoformat(timespec="seconds"),
        text,
        verb,
        text,
    )


@register.filter
def duration(seconds) -> str:
    """Seconds as people write a length: "30m", "2h", "1h30m"."""
    return format_duration(int(seconds)) if seconds else "—"
