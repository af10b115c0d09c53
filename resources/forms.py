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
    revocation_enabled = forms.BooleanField(
        label="Revocation: admins can take a live console session back",
        required=False,
        help_text="The Resource Role writes a deny policy on the session's target role. Needs "
        "the revocation statement in its permissions policy (shown below once on).",
    )
    source_identity_enabled = forms.BooleanField(
        label="SourceIdentity: the person's session name follows the session everywhere",
        required=False,
        help_text="CloudTrail logs it on every action, through any later role chaining. Needs "
        "sts:SetSourceIdentity in the target roles' trust and the Resource Role's permissions.",
    )
    session_tags_enabled = forms.BooleanField(
        label="Session tags: pam-session and pam-project on every session",
        required=False,
        help_text="Lets a revocation name the session exactly, and policies match on the "
        "project. Needs sts:TagSession in the same two places.",
    )
    cloudtrail_enabled = forms.BooleanField(
        label="Console activity: show what each session did, from CloudTrail",
        required=False,
        help_text="The Resource Role reads CloudTrail (cloudtrail:LookupEvents) after each "
        "session; without it the session page gives the command to run by hand.",
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
