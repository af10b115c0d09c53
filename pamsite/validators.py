"""Django validators over the pure parsers, shared by models and forms."""

import unicodedata

from django.core.exceptions import ValidationError

from pamsite.aws.arns import InvalidRoleArn, parse_role_arn
from pamsite.durations import InvalidDuration, check_duration_seconds


def validate_role_arn(value: str) -> None:
    try:
        parse_role_arn(value)
    except InvalidRoleArn as exc:
        raise ValidationError(str(exc), code="invalid_role_arn") from exc
    if value != value.strip():
        raise ValidationError("Remove the spaces around the ARN.", code="invalid_role_arn")


def validate_session_duration(value: int) -> None:
    try:
        check_duration_seconds(value)
    except InvalidDuration as exc:
        raise ValidationError(str(exc), code="invalid_duration") from exc


# Control, format (zero-width, bidi overrides and isolates, BOM), private-use and unassigned
# characters, and line/paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"})


def validate_display_name(value: str) -> None:
    """A name people read to choose the role they open: no invisible or text-direction
    characters, which let "prod" pass for another name or render reversed."""
    hidden = sorted({ch for ch in value if unicodedata.category(ch) in _HIDDEN_CATEGORIES})
    if hidden:
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in hidden[:5])
        raise ValidationError(
            f"Remove the invisible or text-direction characters ({codes}): a name must read "
            "the same everywhere it is shown.",
            code="hidden_characters",
        )
