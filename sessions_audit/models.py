import uuid

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Now
from django.utils import timezone

from pamsite.durations import format_duration


class SessionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    FAILED = "failed", "Failed"
    REVOKED = "revoked", "Revoked"


class AuditAction(models.TextChoices):
    """Every kind of audit event, in one place. `detail` carries what changed: new values,
    and the old ones under "old" where something was changed rather than created."""

    PROJECT_CREATE = "project.create", "Project created"
    PROJECT_UPDATE = "project.update", "Project changed"
    PROJECT_ARCHIVE = "project.archive", "Project archived"
    PROJECT_DELETE = "project.delete", "Project deleted"
    MEMBERSHIP_SET = "membership.set", "Member added or role changed"
    MEMBERSHIP_REMOVE = "membership.remove", "Member removed"
    INVITATION_CREATE = "invitation.create", "Person invited"
    INVITATION_CANCEL = "invitation.cancel", "Invitation cancelled"
    INVITATION_ACCEPT = "invitation.accept", "Invitation accepted"
    GROUP_RULE_SET = "group_rule.set", "SSO group rule set"
    GROUP_RULE_REMOVE = "group_rule.remove", "SSO group rule removed"
    RESOURCE_CREATE = "resource.create", "Resource added"
    RESOURCE_UPDATE = "resource.update", "Resource changed"
    RESOURCE_REVALIDATE = "resource.revalidate", "Resource validated again"
    RESOURCE_RETIRE = "resource.retire", "Resource retired"
    RESOURCE_DELETE = "resource.delete", "Resource deleted"
    ACCOUNT_CREATE = "account.create", "Account added"
    ACCOUNT_UPDATE = "account.update", "Account changed"
    ACCOUNT_REVALIDATE = "account.revalidate", "Account validated again"
    ACCOUNT_RETIRE = "account.retire", "Account retired"
    ACCOUNT_DELETE = "account.delete", "Account deleted"
    SESSION_REVOKE = "session.revoke", "Console session revoked"
    SESSION_REVOKE_FAILED = "session.revoke_failed", "Revoking a console session failed"
    ACCOUNT_SESSIONS_REVOKE = "account.sessions_revoke", "Every session of an account revoked"
    REVOCATION_CLEANUP = "revocation.cleanup", "Deny policy removed after its sessions ended"
    REQUEST_CREATE = "request.create", "Access requested"
    REQUEST_REVIEW = "request.review", "Request reviewed"
    REQUEST_DECIDE = "request.decide", "Request approved or denied"
    REQUEST_CANCEL = "request.cancel", "Request cancelled"
    REQUEST_EXPIRE = "request.expire", "Request expired unanswered"
    GRANT_END = "grant.end", "Grant ended early"
    GRANT_CLOSE = "grant.close", "Grant ended"
    BREAK_GLASS = "break_glass.use", "Break-glass access used"
    BREAK_GLASS_REVIEW = "break_glass.review", "Break-glass use reviewed"
    NOTIFICATION_SENT = "notification.sent", "Notification sent"
    NOTIFICATION_FAILED = "notification.failed", "Notification failed"
    SLACK_SET = "slack.set", "Slack webhook set"
    SLACK_REMOVE = "slack.remove", "Slack webhook removed"
    USER_UPDATE = "user.update", "User changed"
    USER_PASSWORD_SET = "user.password_set", "User's password set"


class AccessSessionQuerySet(models.QuerySet):
    def with_effective_status(self):
        """Annotate `effective_status`: an active row past expires_at reads as expired,
        whether or not the expiry sweep has run yet. For .values()/.values_list() readers
        (exports); model instances have the `effective_status` property instead."""
        return self.annotate(
            effective_status=Case(
                When(
                    status=AccessSession.Status.ACTIVE,
                    expires_at__lte=Now(),
                    then=Value(AccessSession.Status.EXPIRED),
                ),
                default=F("status"),
                output_field=models.CharField(),
            )
        )

    def with_status(self, status: str):
        """Filter on the effective status (see with_effective_status)."""
        if status == AccessSession.Status.ACTIVE:
            return self.filter(status=status, expires_at__gt=Now())
        if status == AccessSession.Status.EXPIRED:
            return self.filter(
                Q(status=status) | Q(status=AccessSession.Status.ACTIVE, expires_at__lte=Now())
            )
        return self.filter(status=status)


class AccessSession(models.Model):
    """One Access click: who opened which role, when, and how it ended.

    Never holds a credential, a sign-in token or a login URL. Snapshots of names keep the
    record readable after users, accounts or resources are renamed or removed.
    """

    Status = SessionStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # user, project and account: no single-column index, the composite indexes below lead with
    # them. Every index is written on each insert and each status change (the expiry sweep).
    # PROTECT: a person with sessions is deactivated, never deleted (the trail keeps naming them).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_sessions",
        db_index=False,
    )
    user_email = models.EmailField(max_length=254)
    project = models.ForeignKey(
        "resources.Project",
        on_delete=models.PROTECT,
        related_name="access_sessions",
        db_index=False,
    )
    project_name = models.CharField(max_length=100)
    resource = models.ForeignKey(
        "resources.Resource", on_delete=models.PROTECT, related_name="access_sessions"
    )
    resource_name = models.CharField(max_length=100)
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="access_sessions",
        db_index=False,
    )
    account_name = models.CharField(max_length=100)
    target_role_arn = models.CharField(max_length=2048)
    role_session_name = models.CharField(max_length=64, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    assumed_role_arn = models.CharField(max_length=2048, blank=True)
    assumed_role_id = models.CharField(max_length=200, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    failure_code = models.CharField(max_length=100, blank=True)
    failure_message = models.TextField(blank=True)
    # Where the Account asked for a fresh sign-in: how the person proved it was them, and when.
    # db_default on the columns added later: writers that do not know them (raw SQL, older code
    # during a rolling deploy) still insert.
    step_up_method = models.CharField(
        max_length=20,
        blank=True,
        default="",
        db_default="",
        choices=[
            ("sso", "single sign-on"),
            ("mfa", "an authenticator code"),
            ("password", "the password"),
        ],
    )
    stepped_up_at = models.DateTimeField(null=True, blank=True)
    # What hop 2 carried, where the Resource opted in: the SourceIdentity (the role session
    # name) and the pam-* session tags (pam-session is this row's id, made before AssumeRole).
    source_identity = models.CharField(max_length=64, blank=True, default="", db_default="")
    tagged = models.BooleanField(default=False, db_default=False)
    # Taken back (accounts.revocation): when, by whom, why, and the deny policy that does it.
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_by_email = models.CharField(max_length=254, blank=True, default="", db_default="")
    revoke_reason = models.CharField(max_length=500, blank=True, default="", db_default="")
    revocation_policy = models.CharField(max_length=128, blank=True, default="", db_default="")
    # The grant an on-request Account was opened under (access_requests).
    grant = models.ForeignKey(
        "access_requests.AccessRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )

    objects = AccessSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Audit pages: a project's sessions newest first, keyset on (created_at, id).
            models.Index(fields=["project", "-created_at", "-id"], name="session_project_time"),
            models.Index(fields=["user", "-created_at"], name="session_user_time"),
            models.Index(fields=["account", "-created_at"], name="session_account_time"),
            # The expiry sweep: only active rows are in it, and a row leaves it when it expires.
            models.Index(
                fields=["expires_at"],
                condition=Q(status=SessionStatus.ACTIVE),
                name="session_active_expiry",
            ),
            # (PostgreSQL only, migration 0002: project + UPPER(user_email) text_pattern_ops for
            # the audit list's "email starts with" filter.)
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values),
                name="session_status_valid",
            ),
            # An active session always knows when it ends.
            models.CheckConstraint(
                condition=~Q(status=SessionStatus.ACTIVE) | Q(expires_at__isnull=False),
                name="session_active_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_email} → {self.account_name} ({self.status})"

    @property
    def duration_display(self) -> str:
        """The duration as the Account shows it ("30m"), or "" when none was recorded."""
        return format_duration(self.duration_seconds) if self.duration_seconds else ""

    @property
    def effective_status(self) -> str:
        if (
            self.status == self.Status.ACTIVE
            and self.expires_at
            and self.expires_at <= timezone.now()
        ):
            return self.Status.EXPIRED
        return self.status


class AuditEvent(models.Model):
    """A security-relevant change (a resource or account created, a member's role changed),
    written in the same transaction as the change itself."""

    id = models.BigAutoField(primary_key=True)
    # PROTECT both: what an event points at is archived or deactivated, never deleted, so no
    # event is ever rewritten to point at nothing. NULL only for events of no project / actor.
    project = models.ForeignKey(
        "resources.Project",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    Action = AuditAction

    action = models.CharField(max_length=60, choices=AuditAction.choices)
    target = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "-created_at"], name="audit_project_time")]

    def __str__(self) -> str:
        return f"{self.actor_email} {self.action} {self.target}"


class SessionEvent(models.Model):
    """One CloudTrail event of a console session (sessions_audit.evidence writes them; the same
    event is never stored twice)."""

    session = models.ForeignKey(AccessSession, on_delete=models.PROTECT, related_name="events")
    event_id = models.CharField(max_length=100)
    event_time = models.DateTimeField()
    event_name = models.CharField(max_length=200)
    event_source = models.CharField(max_length=200)
    region = models.CharField(max_length=32, blank=True)
    read_only = models.BooleanField(null=True)
    error_code = models.CharField(max_length=200, blank=True)
    resources = models.JSONField(default=list, blank=True)
    request_id = models.CharField(max_length=200, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-event_time", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "event_id"], name="session_event_once")
        ]
        indexes = [
            models.Index(fields=["session", "-event_time", "-id"], name="session_event_time")
        ]

    def __str__(self) -> str:
        return f"{self.event_source} {self.event_name}"

    @property
    def is_write(self) -> bool:
        return self.read_only is False

    @property
    def service(self) -> str:
        return self.event_source.split(".", 1)[0]


class SessionEvidence(models.Model):
    """When a session's CloudTrail events were last fetched, and what came of it."""

    session = models.OneToOneField(
        AccessSession, on_delete=models.PROTECT, related_name="evidence", primary_key=True
    )
    fetched_at = models.DateTimeField(null=True, blank=True)
    fetches = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    writes = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"evidence of {self.session_id}"
