"""Form fields shared by the apps."""

from django import forms

from pamsite.aws.arns import EXAMPLE, InvalidRoleArn, parse_role_arn
from pamsite.durations import (
    ALLOWED,
    InvalidDuration,
    format_duration,
    parse_duration,
    parse_length,
)


class RoleArnField(forms.CharField):
    """An IAM role ARN; whitespace trimmed, the error says what was expected."""

    def __init__(self, *, placeholder: str = EXAMPLE, **kwargs):
        kwargs.setdefault("max_length", 2048)
        kwargs.setdefault("strip", True)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"placeholder": placeholder, "spellcheck": "false", "autocomplete": "off"}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        try:
            return str(parse_role_arn(value))
        except InvalidRoleArn as exc:
            raise forms.ValidationError(str(exc), code="invalid_role_arn") from exc


class _SecondsField(forms.CharField):
    """A length as people write it ("15m", "1h30m"), cleaned to seconds by `parse`; shown
    back in the same form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"placeholder": "1h", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def parse(self, value) -> int:
        raise NotImplementedError

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return format_duration(value)
        return value

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            return self.parse(value)
        except InvalidDuration as exc:
            raise forms.ValidationError(str(exc), code="invalid_duration") from exc


class SessionDurationField(_SecondsField):
    """A console session's duration, 15m to 1h (pamsite.durations.parse_duration)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", f"From {ALLOWED}.")
        super().__init__(**kwargs)

    def parse(self, value) -> int:
        return parse_duration(value)


class LengthField(_SecondsField):
    """A length from 15m to `max_seconds` (a grant: up to 12h)."""

    def __init__(self, *, max_seconds: int, what: str = "grant", **kwargs):
        self.max_seconds = max_seconds
        self.what = what
        super().__init__(**kwargs)

    def parse(self, value) -> int:
        return parse_length(value, max_seconds=self.max_seconds, what=self.what)


class ConfirmForm(forms.Form):
    """The second step of a destructive button: its POST without `confirm` shows a page that
    asks, and that page posts again with it. No JavaScript needed."""

    confirm = forms.BooleanField()


class SearchForm(forms.Form):
    """A list page's ?q= search box."""

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

    def query(self) -> str | None:
        """The words to look for ("" for everything), or None when the input is not valid
        (then the list shows nothing and the field error says why)."""
        if not self.is_bound:
            return ""
        return self.cleaned_data["q"] if self.is_valid() else None
