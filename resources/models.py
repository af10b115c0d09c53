import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from pamsite.validators import validate_display_name, validate_project_slug, validate_role_arn


class Project(models.Model):
    """A tenant. Its UUID is the External ID written into every trust policy."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, validators=[validate_display_name])
    slug = models.SlugField(max_length=60, unique=True, validators=[validate_project_slug])
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Projects are never deleted once they have history (every project has: its creation is
    # audited): archived, its consoles can no longer be opened nor anything in it changed,
    # and its sessions and audit events stay readable.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def external_id(self) -> str:
        return str(self.id)


class Role(models.TextChoices):
    """A person's role in a project; what each may do is resources.permissions'."""

    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    AUDITOR = "auditor", "Auditor"


# Most capable first: when several group rules match, the person gets the first.
ROLE_RANK = (Role.ADMIN, Role.MEMBER, Role.AUDITOR)


class Membership(models.Model):
    """A person's role in a project: set by an admin (manual), or kept in step with the
    person's identity-provider groups at each SSO sign-in (sso, from GroupRule)."""

    Role = Role

    class Source(models.TextChoices):
        MANUAL = "manual", "Set by an admin"
        SSO = "sso", "From SSO groups"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "project"], name="membership_one_per_project"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.project} ({self.role})"


class GroupRule(models.Model):
    """Rule: "members of identity-provider group X get role Y in this project", applied at each SSO
    sign-in (resources.projects.memberships_sync_from_groups)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="group_rules")
    group = models.CharField(max_length=255)
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["group"]
        constraints = [
            models.UniqueConstraint(fields=["project", "group"], name="group_rule_one_per_group"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="group_rule_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} → {self.role} in {self.project}"


class Invitation(models.Model):
    """A role waiting for a person who has no user yet: their first SSO sign-in with this
    (verified) email makes it a membership."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        CANCELLED = "cancelled", "Cancelled"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=Role.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Upper("email"),
                "project",
                condition=models.Q(status="pending"),
                name="invitation_one_pending_per_email",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="invitation_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.role} in {self.project}"


class ValidationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    VALID = "valid", "Valid"
    INVALID = "invalid", "Invalid"


class Validated(models.Model):
    """The outcome of checking a role against AWS: status, AWS error code and a human hint."""

    ValidationStatus = ValidationStatus

    validation_status = models.CharField(
        max_length=10, choices=ValidationStatus.choices, default=ValidationStatus.PENDING
    )
    validation_code = models.CharField(max_length=100, blank=True)
    validation_hint = models.TextField(blank=True)
    # Findings that do not block use, e.g. trust-policy lint on a role that works.
    validation_warnings = models.JSONField(default=list, blank=True)
    last_validated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Resource(Validated):
    """One AWS account connection: the bridge role our platform assumes with the External ID."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="resources")
    name = models.CharField(max_length=100, validators=[validate_display_name])
    description = models.CharField(max_length=500, blank=True)
    resource_role_arn = models.CharField(
        "Resource Role ARN", max_length=2048, validators=[validate_role_arn]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Retired: neither it nor any account under it can be opened or changed any more; it and
    # its sessions stay, as the audit trail's history (resources.services.resource_retire).
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Opt-ins, each needing more in AWS (the generated policies add it; validation checks it):
    # revocation, a deny policy written on a target role to take a live session back; and, on
    # hop 2, the person's SourceIdentity and pam-* session tags.
    revocation_enabled = models.BooleanField("Revocation", default=False, db_default=False)
    source_identity_enabled = models.BooleanField("SourceIdentity", default=False, db_default=False)
    session_tags_enabled = models.BooleanField("Session tags", default=False, db_default=False)
    # What each session did: the Resource Role may read CloudTrail (sessions_audit.evidence).
    cloudtrail_enabled = models.BooleanField("Console activity", default=False, db_default=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="resource_name_per_project"),
            # The service compares case-insensitively and names the Resource that has the ARN;
            # this is the backstop for whatever writes around it.
            models.UniqueConstraint(
                fields=["project", "resource_role_arn"], name="resource_role_arn_per_project"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None
