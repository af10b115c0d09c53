"""Django validators over the pure parsers, shared by models and forms."""

import unicodedata

import regex
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


# Words a project slug may not be: they are, or will be, the site's own addresses
# (/projects/new/ is the New project page; the others are routes at the top level or planned).
RESERVED_SLUGS = frozenset(
    {
        "new",
        "admin",
        "login",
        "logout",
        "api",
        "static",
        "media",
        "sso",
        "oidc",
        "saml",
        "auth",
        "accounts",
        "mfa",
        "requests",
        "reviews",
        "invitations",
        "sessions",
        "audit",
        "settings",
        "me",
        "my",
        "projects",
        "sandbox",
        "healthz",
        "help",
        "docs",
        "favicon",
        "robots",
        "export",
        "edit",
        "delete",
    }
)


def validate_project_slug(value: str) -> None:
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(
            f"'{value}' is reserved for the site's own pages; choose another slug (for "
            f"example '{value}-team').",
            code="reserved_slug",
        )


def validate_session_duration(value: int) -> None:
    try:
        check_duration_seconds(value)
    except InvalidDuration as exc:
        raise ValidationError(str(exc), code="invalid_duration") from exc


# What makes a name look blank, or like another name, by Unicode property (the `regex`
# package's tables, kept current with Unicode): control, format (zero-width, bidi overrides and
# isolates, BOM), private-use, unassigned and surrogate code points, line and paragraph
# separators, every default-ignorable code point (Hangul fillers U+115F, U+1160, U+3164,
# U+FFA0, the combining grapheme joiner U+034F, variation selectors...), any white space but
# the plain space, and the glyphs that draw as blanks (Braille pattern blank U+2800).
_HIDDEN = regex.compile(
    r"[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]"
    r"|(?!\x20)\p{White_Space}"
)


def validate_display_name(value: str) -> None:
    """A name people read to choose the role they open: no invisible, blank-looking or
    text-direction characters, which let "prod" pass for another name or render reversed."""
    hidden = sorted(set(_HIDDEN.findall(value)))
    if hidden:
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in hidden[:5])
        raise ValidationError(
            f"Remove the invisible or text-direction characters ({codes}): a name must read "
            "the same everywhere it is shown. Letters, digits, punctuation and plain spaces "
            "are allowed.",
            code="hidden_characters",
        )


def normalize_display_name(value: str) -> str:
    """A name as it is stored and compared: trimmed, in Unicode NFKC, so "ｐｒｏｄ" (full-width)
    and "prod" are the same name and the uniqueness check sees them collide."""
    return unicodedata.normalize("NFKC", value).strip()
