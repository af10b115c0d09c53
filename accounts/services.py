"""Writes for accounts (target roles), and the Access flow."""

import ipaddress
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from accounts.models import Account
from pamsite.aws import validation as aws_validation
from pamsite.aws.arns import InvalidRoleArn, parse_role_arn
from pamsite.aws.chain import chain
from pamsite.aws.errors import AwsError
from pamsite.aws.federation import federation_url, get_signin_token, login_url
from pamsite.aws.naming import role_session_name
from pamsite.security import rate_limit_exceeded
from resources.models import Membership, Resource
from resources.services import (
    _require_admin,
    _require_admin_or_superuser,
    validation_enqueue_on_commit,
    validation_outcome,
)
from sessions_audit.models import AccessSession
from sessions_audit.services import (
    access_session_record_active,
    access_session_record_failed,
    audit_event_record,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def account_create(
    *,
    actor,
    resource: Resource,
    name: str,
    target_role_arn: str,
    session_duration: int,
    description: str = "",
) -> Account:
    """Add a target role under a resource."""
    _require_admin(user=actor, project=resource.project)
    account = Account(
        resource=resource,
        name=name.strip(),
        description=description.strip(),
        target_role_arn=target_role_arn.strip(),
        session_duration=session_duration,
        created_by=actor,
    )
    account.full_clean()
    account.save()
    audit_event_record(
        actor=actor,
        action="account.create",
        project=resource.project,
        target=account.name,
        detail={"target_role_arn": account.target_role_arn, "session_duration": session_duration},
    )
    account_validation_enqueue(account_id=account.pk)
    return account


@transaction.atomic
def account_update(
    *,
    actor,
    account: Account,
    name: str,
    target_role_arn: str,
    session_duration: int,
    description: str = "",
) -> Account:
    _require_admin(user=actor, project=account.resource.project)
    account = (
        Account.objects.select_for_update().select_related("resource__project").get(pk=account.pk)
    )
    changed = (
        account.target_role_arn != target_role_arn.strip()
        or account.session_duration != session_duration
    )
    account.name = name.strip()
    account.description = description.strip()
    account.target_role_arn = target_role_arn.strip()
    account.session_duration = session_duration
    if changed:
        account.validation_status = Account.ValidationStatus.PENDING
        account.validation_code = ""
        account.validation_hint = ""
        account.validation_warnings = []
    account.full_clean()
    account.save()
    audit_event_record(
        actor=actor,
        action="account.update",
        project=account.resource.project,
        target=account.name,
        detail={"target_role_arn": account.target_role_arn, "session_duration": session_duration},
    )
    if changed:
        account_validation_enqueue(account_id=account.pk)
    return account


def account_validation_enqueue(*, account_id: int) -> None:
    """Queue the Account's validation after commit (also for edits made in the admin site)."""
    from accounts.tasks import account_validate_task  # tasks import this module

    validation_enqueue_on_commit(task=account_validate_task, model=Account, pk=account_id)


def account_validate(*, account_id: int, final_attempt: bool = True) -> Account | None:
    """Check the whole chain to the target role with the account's session duration, as an
    Access click makes it (session name "pam-validation"), and record the outcome: valid, or
    invalid with AWS's code and a hint (which hop failed, RoleChainingLimit, MaxSessionDuration
    ...). A retryable failure is re-raised unless `final_attempt`. None if the account is gone.
    """
    account = Account.objects.select_related("resource__project").filter(pk=account_id).first()
    if account is None:
        return None
    resource = account.resource
    validated = {
        "target_role_arn": account.target_role_arn,
        "session_duration": account.session_duration,
        "resource__resource_role_arn": resource.resource_role_arn,
    }

    def check():
        return aws_validation.target_role_check(
            resource_role_arn=resource.resource_role_arn,
            target_role_arn=account.target_role_arn,
            external_id=resource.project.external_id,
            duration=account.session_duration,
            region=settings.AWS_REGION,
        )

    validation_outcome(
        model=Account, pk=account_id, unchanged=validated, check=check,
        final_attempt=final_attempt,
    )  # fmt: skip
    return Account.objects.filter(pk=account_id).first()


@transaction.atomic
def account_revalidate(*, actor, account: Account) -> Account:
    """Validate again: back to pending, audited, and queued after commit."""
    _require_admin_or_superuser(user=actor, project=account.resource.project)
    account = (
        Account.objects.select_for_update().select_related("resource__project").get(pk=account.pk)
    )
    account.validation_status = Account.ValidationStatus.PENDING
    account.validation_code = ""
    account.validation_hint = ""
    account.save(
        update_fields=["validation_status", "validation_code", "validation_hint", "updated_at"]
    )
    audit_event_record(
        actor=actor,
        action="account.revalidate",
        project=account.resource.project,
        target=account.name,
    )
    account_validation_enqueue(account_id=account.pk)
    return account


@dataclass(frozen=True)
class AccessResult:
    """The outcome of one Access click: the recorded session and, on success, the login URL
    (a bearer secret for 15 minutes: redirect to it, never store or log it), else the error."""

    session: AccessSession
    login_url: str = field(default="", repr=False)
    error: AwsError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _require_access(*, user, project, membership: Membership | None = None) -> None:
    """Admins and members may open the console; auditors may not; anyone else learns nothing
    (404, not 403: a non-member must not learn that the account exists).

    A membership the caller already loaded is used only if it is this user's in this project;
    otherwise it is looked up."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such account.")
    if (
        membership is None
        or membership.pk is None
        or membership.user_id != user.pk
        or membership.project_id != project.pk
    ):
        membership = Membership.objects.filter(user=user, project=project).first()
    if membership is None:
        raise Http404("No such account.")
    if not membership.can_access:
        raise PermissionDenied("Auditors can review sessions but cannot open the console.")
    if not user.email:
        # The email is the RoleSessionName CloudTrail shows: no email, no attributable session.
        raise PermissionDenied("Your user has no email address. Ask an admin to set one.")


def _clean_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def account_access(
    *,
    user,
    account: Account,
    source_ip: str | None,
    user_agent: str,
    membership: Membership | None = None,
) -> AccessResult:
    """Open the AWS console as `account`'s target role for `user`, and record the session.

    Refusals (PermissionDenied for auditors, Http404 for non-members) happen before anything is
    written or sent to AWS. Then: hop 1 (Resource Role, ExternalId = project UUID, possibly
    from the bridge cache), hop 2 (target role, same External ID, the account's duration,
    RoleSessionName from the email), the sign-in token and the login URL. The session row is
    written after the AWS calls, in its own transaction (no database transaction is held open
    across network calls): active with the STS expiry, or failed with the AWS code and hint.
    If the row cannot be written, the exception propagates and no login URL is handed out.

    Hosts: STS in settings.AWS_REGION (moved to the target role's partition when needed); the
    federation endpoint is settings.PAM_FEDERATION_ENDPOINT or the partition's global sign-in
    host, and the console home page is global, unless settings.PAM_CONSOLE_REGION names a region
    of that partition (then the regional sign-in host and console are used).
    """
    # The view hands in the account it just loaded with its resource and project; anything
    # else is loaded here (one query per click saved, bench/).
    if not (Account.resource.is_cached(account) and Resource.project.is_cached(account.resource)):
        account = Account.objects.select_related("resource__project").get(pk=account.pk)
    resource = account.resource
    project = resource.project
    _require_access(user=user, project=project, membership=membership)

    session_name = role_session_name(user.email)
    record = {
        "user": user,
        "account": account,
        "role_session_name": session_name,
        "duration_seconds": account.session_duration,
        "source_ip": _clean_ip(source_ip),
        "user_agent": user_agent or "",
    }
    try:
        _check_rate_limit(user=user)
        assumed, url = _open_console(account=account, resource=resource, session_name=session_name)
    except AwsError as exc:
        session = access_session_record_failed(
            **record, failure_code=exc.code, failure_message=exc.hint
        )
        logger.warning(
            "Access failed: session=%s user=%s account=%s code=%s hop=%s",
            session.pk, user.pk, account.pk, exc.code, exc.hop,
        )  # fmt: skip
        return AccessResult(session=session, error=exc)
    session = access_session_record_active(
        **record,
        assumed_role_arn=assumed.assumed_role_arn,
        assumed_role_id=assumed.assumed_role_id,
        expires_at=assumed.expires_at,
    )
    logger.info(
        "Access opened: session=%s user=%s account=%s assumed_role_arn=%s expires_at=%s",
        session.pk, user.pk, account.pk, assumed.assumed_role_arn, assumed.expires_at.isoformat(),
    )  # fmt: skip
    return AccessResult(session=session, login_url=url)


def _check_rate_limit(*, user) -> None:
    """Refuse (recorded as a failed session) past settings.PAM_ACCESS_RATE_LIMIT clicks per
    minute for one user: a stolen login scripted against Access is slowed down and visible."""
    limit = settings.PAM_ACCESS_RATE_LIMIT
    if rate_limit_exceeded(key=f"access:{user.pk}", limit=limit):
        raise AwsError(
            "RateLimited",
            f"You opened more than {limit} console sessions in the last minute, the most "
            "allowed. Wait a minute and try again.",
            retryable=True,
            status=429,
        )


def _open_console(*, account: Account, resource: Resource, session_name: str):
    """The AWS part of Access: the chain, the sign-in token and the login URL. Raises AwsError
    only, so the caller always records an outcome."""
    try:
        partition = parse_role_arn(account.target_role_arn).partition
        assumed = chain(
            resource_role_arn=resource.resource_role_arn,
            target_role_arn=account.target_role_arn,
            external_id=resource.project.external_id,
            session_name=session_name,
            duration=account.session_duration,
            region=settings.AWS_REGION,
            cache_version=resource.updated_at.isoformat(),
        )
        console_region = getattr(settings, "PAM_CONSOLE_REGION", "") or None
        url = federation_url(partition, console_region, settings.PAM_FEDERATION_ENDPOINT)
        token = get_signin_token(assumed.credentials, url=url)
        return assumed, login_url(
            signin_token=token,
            url=url,
            issuer=settings.PAM_ISSUER_URL,
            partition=partition,
            region=console_region,
        )
    except AwsError:
        raise
    except InvalidRoleArn as exc:
        raise AwsError("InvalidRoleArn", str(exc), status=502) from None
    except Exception as exc:
        # Never a 500 for an Access click: record it, and leave the traceback for the operator
        # (exception messages here carry ARNs at most; credentials live only in frame locals).
        logger.exception("Access failed unexpectedly: %s", type(exc).__name__)
        raise AwsError(
            "InternalError",
            "Something unexpected went wrong while opening the console. The error was logged "
            "for the operator; try again later.",
            message=type(exc).__name__,
        ) from None
