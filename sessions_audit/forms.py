from django import forms

from accounts.models import Account
from resources.models import Resource
from sessions_audit.models import AccessSession


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
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Dates are UTC, both ends included.",
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
