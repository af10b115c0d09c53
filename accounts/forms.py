from django import forms

from pamsite.forms import RoleArnField, SessionDurationField
from pamsite.validators import validate_display_name


class AccountForm(forms.Form):
    name = forms.CharField(max_length=100, strip=True, validators=[validate_display_name])
    description = forms.CharField(max_length=500, required=False, strip=True)
    target_role_arn = RoleArnField(
        label="Target Role ARN",
        placeholder="arn:aws:iam::123456789012:role/ReadOnly",
        help_text="The role people get in the console. It must trust the Resource Role.",
    )
    session_duration = SessionDurationField(label="Session duration", initial=3600)
