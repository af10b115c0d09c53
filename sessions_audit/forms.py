from datetime import UTC, date, datetime

from django import forms

from accounts.models import Account
from resources.models import Resource
from sessions_audit.models import AccessSession, AuditAction


class IsoDateField(forms.DateField):
    """A day written as ISO 8601 (2024-05-01), whatever the browser's locale; an ISO date and
    time (2024-05-01T12:30:00Z, as the CSV export writes them) means its UTC day."""

    default_error_messages = {
        "invalid": "Enter a date as YYYY-MM-DD (ISO 8601), for example 2024-05-01.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"placeholder": "YYYY-MM-DD", "autocomplete": "off"}),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value if not isinstance(value, datetime) else value.date()
        text = str(value).strip()
        try:
            if len(text) <= 10:
                return date.fromisoformat(text)
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return (moment.astimezone(UTC) if moment.tzinfo else moment).date()


class SessionFilterForm(forms.Form):
    """The audit list's filters, read from the query string. Every field is optional."""

    user = forms.CharField(
        label="User email",
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text="Matches emails that start with this.",
    )
    resource = forms.ModelChoiceField(
        queryset=Resource.objects.none(), required=False, empty_label="Any resource"
    )
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(), required=False, empty_label="Any account"
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *AccessSession.Status.choices], required=False
    )
    activity = forms.ChoiceField(
        label="Console activity",
        choices=[("", "Any"), ("writes", "With write calls"), ("errors", "With errors")],
        required=False,
    )
    since = IsoDateField(label="From", required=False)
    until = IsoDateField(
        label="To",
        required=False,
        help_text="Days as YYYY-MM-DD, in UTC, both ends included.",
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].queryset = Resource.objects.filter(project=project).order_by("name")
        self.fields["account"].queryset = (
            Account.objects.filter(resource__project=project)
            .select_related("resource")
            .order_by("resource__name", "name")
        )
        self.fields["account"].label_from_instance = lambda a: f"{a.resource.name} / {a.name}"

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data


class AuditFilterForm(forms.Form):
    """The Audit log's filters, read from the query string. Every field is optional."""

    who = forms.CharField(
        label="Who",
        required=False,
        max_length=254,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        help_text="The actor's email starts with this.",
    )
    action = forms.ChoiceField(choices=[("", "Any action"), *AuditAction.choices], required=False)
    since = IsoDateField(label="From", required=False)
    until = IsoDateField(label="To", required=False)
