from django import forms

from accounts.models import GRANT_MAX_SECONDS, AccessPolicy, Account
from pamsite.forms import LengthField


class RequestForm(forms.Form):
    account = forms.ModelChoiceField(queryset=Account.objects.none(), empty_label=None)
    reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you will do and why: the approvers decide on it.",
    )
    ticket = forms.CharField(required=False, max_length=100, strip=True, label="Ticket")
    seconds = LengthField(label="For how long", max_seconds=GRANT_MAX_SECONDS, initial=3600)
    starts_at = forms.DateTimeField(
        label="Starting",
        required=False,
        help_text="Empty: as soon as it is approved. A date and time in UTC schedules it.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    break_glass = forms.BooleanField(
        label="Break-glass: an emergency, approve it myself now",
        required=False,
        help_text="Only where the account allows it: every admin and auditor sees it, and an "
        "admin reviews it afterwards.",
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.filter(
            resource__project=project,
            access_policy=AccessPolicy.ON_REQUEST,
            retired_at__isnull=True,
            resource__retired_at__isnull=True,
        ).order_by("name")
