from django import forms

from pamsite.forms import RoleArnField
from pamsite.validators import validate_display_name, validate_project_slug
from resources.models import Membership


class ResourceForm(forms.Form):
    name = forms.CharField(max_length=100, strip=True, validators=[validate_display_name])
    description = forms.CharField(max_length=500, required=False, strip=True)
    resource_role_arn = RoleArnField(
        label="Resource Role ARN",
        help_text="The bridge role in the AWS account that trusts this platform.",
    )


class MembershipForm(forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class ProjectForm(forms.Form):
    name = forms.CharField(max_length=100, strip=True, validators=[validate_display_name])
    slug = forms.SlugField(
        max_length=60,
        required=False,
        validators=[validate_project_slug],
        help_text="Used in addresses. Letters, digits, hyphens; made from the name if empty.",
    )


class GroupRuleForm(forms.Form):
    prefix = "rule"  # beside MembershipForm on one page: its own field names and ids

    group = forms.CharField(
        label="Identity-provider group",
        max_length=255,
        strip=True,
        validators=[validate_display_name],
        help_text="As the provider sends it in the groups claim: a name, or an id (Entra ID "
        "sends group object ids).",
    )
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)
