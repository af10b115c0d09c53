from django import forms

from accounts.models import (
    APPROVALS_MAX,
    BREAK_GLASS_MAX_SECONDS,
    GRANT_MAX_SECONDS,
    PENDING_HOURS_MAX,
    STEP_UP_MAX,
    STEP_UP_MIN,
    AccessPolicy,
)
from pamsite.forms import LengthField, RoleArnField, SessionDurationField
from pamsite.validators import validate_display_name

STEP_UP_ERROR = (
    f"Enter a whole number of minutes from {STEP_UP_MIN} to {STEP_UP_MAX} (8 hours), or leave "
    "it empty for no step-up."
)


class AccountForm(forms.Form):
    name = forms.CharField(max_length=100, strip=True, validators=[validate_display_name])
    description = forms.CharField(max_length=500, required=False, strip=True)
    target_role_arn = RoleArnField(
        label="Target Role ARN",
        placeholder="arn:aws:iam::123456789012:role/ReadOnly",
        help_text="The role people get in the console. It must trust the Resource Role.",
    )
    session_duration = SessionDurationField(label="Session duration", initial=3600)
    step_up_minutes = forms.IntegerField(
        label="Ask for a fresh sign-in (minutes)",
        required=False,
        min_value=STEP_UP_MIN,
        max_value=STEP_UP_MAX,
        help_text="Before the console opens, the person must have signed in within this many "
        "minutes: again at the identity provider, or with their authenticator code. "
        "Empty: no step-up.",
        error_messages={
            "invalid": STEP_UP_ERROR,
            "min_value": STEP_UP_ERROR,
            "max_value": STEP_UP_ERROR,
        },
        widget=forms.NumberInput(
            attrs={"placeholder": "e.g. 15", "min": STEP_UP_MIN, "max": STEP_UP_MAX}
        ),
    )

    console_region = forms.CharField(
        label="Console region",
        required=False,
        max_length=32,
        strip=True,
        help_text="The region the console opens in, e.g. eu-west-1 (in the role's partition). "
        "Empty: the site's default.",
        widget=forms.TextInput(attrs={"placeholder": "eu-west-1", "autocomplete": "off"}),
    )
    destination = forms.CharField(
        label="Console page",
        required=False,
        max_length=2048,
        strip=True,
        help_text="Where the console opens: a path such as /s3/home or /cloudwatch/home, or a "
        "full https:// address on the partition's console. Empty: the console home.",
        widget=forms.TextInput(
            attrs={"placeholder": "/s3/home", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    destinations = forms.CharField(
        label="Other pages members may choose",
        required=False,
        max_length=10000,
        help_text="One per line, as Label | page, e.g. CloudWatch | /cloudwatch/home. "
        "Members pick one next to Access.",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )

    access_policy = forms.ChoiceField(
        label="Who may open it",
        choices=AccessPolicy.choices,
        initial=AccessPolicy.STANDING,
        required=False,
        widget=forms.RadioSelect,
    )
    approvals_required = forms.IntegerField(
        label="Approvals needed",
        min_value=1,
        max_value=APPROVALS_MAX,
        initial=1,
        required=False,
        error_messages={
            "min_value": f"From 1 to {APPROVALS_MAX} approvals.",
            "max_value": f"From 1 to {APPROVALS_MAX} approvals.",
            "invalid": f"A whole number from 1 to {APPROVALS_MAX}.",
        },
    )
    approvers = forms.ModelMultipleChoiceField(
        label="Approvers",
        queryset=None,
        required=False,
        help_text="Empty: the project's admins. Nobody approves their own request.",
        widget=forms.CheckboxSelectMultiple,
    )
    reason_required = forms.BooleanField(label="A reason is required", required=False, initial=True)
    ticket_pattern = forms.CharField(
        label="Ticket reference pattern",
        required=False,
        max_length=200,
        strip=True,
        help_text="A regular expression the ticket must match, e.g. [A-Z]+-\\d+. Empty: no "
        "ticket asked for.",
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    max_grant_seconds = LengthField(
        label="Longest grant",
        max_seconds=GRANT_MAX_SECONDS,
        initial=3600,
        required=False,
        help_text="15m to 12h.",
    )
    pending_hours = forms.IntegerField(
        label="A request waits at most (hours)",
        min_value=1,
        max_value=PENDING_HOURS_MAX,
        initial=24,
        required=False,
        error_messages={
            "min_value": f"From 1 to {PENDING_HOURS_MAX} hours (a week).",
            "max_value": f"From 1 to {PENDING_HOURS_MAX} hours (a week).",
            "invalid": f"A whole number of hours from 1 to {PENDING_HOURS_MAX}.",
        },
    )
    break_glass_allowed = forms.BooleanField(
        label="Break-glass: a member may approve their own request in an emergency",
        required=False,
        help_text="With a reason; every admin and auditor sees it, and an admin reviews it after.",
    )
    break_glass_seconds = LengthField(
        label="Longest break-glass grant",
        max_seconds=BREAK_GLASS_MAX_SECONDS,
        initial=1800,
        required=False,
        help_text="15m to 1h.",
    )

    def clean(self):
        data = super().clean()
        # A policy setting left empty keeps the account's (or the default): None to the service.
        if not data.get("access_policy"):
            data["access_policy"] = None
        return data
