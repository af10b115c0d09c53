"""The Access flow: one click opens the AWS console as an Account's target role and records
the session.

`account_access` is the service; `open_console` is the AWS part (the chain, the sign-in token
and the login URL), the seam the bench and the tests replace by name. A refusal (the caller's
role) happens before anything is written or sent; every other failure is recorded as a failed
session and handed back in the result, never raised.
"""

import ipaddress
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.hop2 import hop2_extras
from accounts.models import Account
from identity.stepup import SignIn
from pamsite.aws import console
from pamsite.aws.arns import InvalidRoleArn, parse_role_arn
from pamsite.aws.chain import AssumedRole, Hop2Extras, chain
from pamsite.aws.console import destination_url
from pamsite.aws.errors import AwsError
from pamsite.aws.federation import federation_url, get_signin_token, login_url
from pamsite.aws.naming import role_session_name
from pamsite.aws.partitions import owns_region
from pamsite.durations import MIN_SECONDS
from pamsite.security import rate_limit_exceeded
from resources.models import Membership, Resource
from resources.permissions import NO_EMAIL, Capability, require
from sessions_audit.models import AccessSession
from sessions_audit.services import access_session_record_active, access_session_record_failed

logger = logging.getLogger(__name__)

RATE_LIMITED = "RateLimited"
INTERNAL_ERROR = "InternalError"
INVALID_ROLE_ARN = "InvalidRoleArn"
# The failure codes that are ours, not AWS's (pages say which it was).
OWN_FAILURE_CODES = frozenset({RATE_LIMITED, INTERNAL_ERROR, INVALID_ROLE_ARN})
ACCOUNT_RETIRED = (
    "{account} is retired: its sessions stay in the audit trail, but its console can no "
    "longer be opened."
)
RESOURCE_RETIRED = (
    "{account} is in {resource}, which is retired: its sessions stay in the audit trail, but "
    "no console in it can be opened any more."
)


class StepUpRequired(PermissionDenied):
    """The Account asks for a sign-in within its last `minutes`, and the person's last one is
    older (or there is none in this web session): sign in again, then Access."""

    def __init__(self, *, account: Account, last: SignIn | None):
        self.account = account
        self.last = last
        super().__init__(
            f"{account.name} asks for a sign-in within the last {account.step_up_minutes} "
            "minutes before its console opens."
        )


class GrantRequired(PermissionDenied):
    """The Account is on request and the person holds no active grant for it."""

    def __init__(self, *, account: Account):
        self.account = account
        super().__init__(
            f"{account.name} is opened on request: ask for access, and once it is approved, "
            "Access opens it for the length of the grant."
        )


class GrantTooShort(PermissionDenied):
    """What is left of the grant is below the shortest console session AWS gives."""

    def __init__(self, *, account: Account, seconds_left: int):
        minutes = seconds_left // 60
        super().__init__(
            f"Your grant for {account.name} ends in {minutes} minute{'s' if minutes != 1 else ''}"
            ": shorter than the 15 minutes of AWS's shortest console session. Request again."
        )


class PageNotOffered(PermissionDenied):
    """A console page the Account does not list was asked for."""


class AccessError(Exception):
    """A failure of ours, not AWS's (the rate limit, a bug, a stored ARN that no longer
    parses): a code, a hint for the person, and whether trying again may help."""

    def __init__(self, code: str, hint: str, *, retryable: bool = False):
        super().__init__(f"{code}: {hint}")
        self.code = code
        self.hint = hint
        self.retryable = retryable


@dataclass(frozen=True)
class AccessResult:
    """The outcome of one Access click: the recorded session and, on success, the login URL
    (a bearer secret for 15 minutes: redirect to it, never store or log it), else the error."""

    session: AccessSession
    login_url: str = field(default="", repr=False)
    error: AwsError | AccessError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


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
    sign_in: SignIn | None = None,
    page: int = 0,
    sign_out_first: bool = False,
    grant=None,
) -> AccessResult:
    """Open the AWS console as `account`'s target role for `user`, and record the session.

    Refusals (PermissionDenied for a role that may not open the console or a retired account
    or Resource, NotAMember for someone outside the project) happen before anything is
    written or sent to AWS; so does StepUpRequired when the Account asks for a fresh sign-in
    and `sign_in` (the web session's last, identity.stepup) is missing or too old. Then the
    rate limit, and `open_console`. `page` is the index in account.pages of the console page to
    open (0: the Account's own); an index it does not have is refused (PageNotOffered). The
    session row is written after the AWS calls, in its own transaction (no database transaction
    is held open across network calls): active with the STS expiry, or failed with the code and
    hint. If the row cannot be written, the exception propagates and no login URL is handed out.
    """
    # The view hands in the account it just loaded with its resource and project; anything
    # else is loaded here (a query per click saved; bench/ counts them).
    if not (Account.resource.is_cached(account) and Resource.project.is_cached(account.resource)):
        account = Account.objects.select_related("resource__project").get(pk=account.pk)
    resource = account.resource
    require(
        user=user,
        project=resource.project,
        capability=Capability.OPEN_CONSOLE,
        membership=membership,
    )
    if account.retired_at is not None:
        raise PermissionDenied(ACCOUNT_RETIRED.format(account=account.name))
    if resource.retired_at is not None:
        raise PermissionDenied(
            RESOURCE_RETIRED.format(account=account.name, resource=resource.name)
        )
    if not user.email:
        # The email is the RoleSessionName CloudTrail shows: no email, no attributable session.
        raise PermissionDenied(NO_EMAIL)
    if account.step_up_minutes and not (
        sign_in and sign_in.within(account.step_up_minutes, now=timezone.now())
    ):
        raise StepUpRequired(account=account, last=sign_in)
    duration = account.session_duration
    if account.on_request:
        # `grant` is the view's lookup (access_requests.selectors.active_grant), checked here
        # again: this account, this person, inside its window.
        now = timezone.now()
        if (
            grant is None
            or grant.account_id != account.pk
            or grant.requester_id != user.pk
            or not grant.grant_active(now)
        ):
            raise GrantRequired(account=account)
        left = grant.seconds_left(now)
        if left < MIN_SECONDS:
            raise GrantTooShort(account=account, seconds_left=left)
        duration = min(duration, left)
    pages = account.pages
    if not 0 <= page < len(pages):
        raise PageNotOffered(
            f"{account.name} offers {len(pages)} console page{'s' if len(pages) != 1 else ''}; "
            "choose one from its list."
        )

    session_name = role_session_name(user.email)
    # The row's id is made now: the pam-session tag on hop 2 carries it.
    session_id = uuid.uuid4()
    extras = hop2_extras(
        resource=resource,
        session_name=session_name,
        session_id=session_id,
        request_id=grant.pk if grant is not None and account.on_request else None,
    )
    record = {
        "session_id": session_id,
        "grant": grant if account.on_request else None,
        "source_identity": extras.source_identity if extras else "",
        "tagged": bool(extras and extras.tags),
        "user": user,
        "account": account,
        "role_session_name": session_name,
        "duration_seconds": duration,
        "source_ip": _clean_ip(source_ip),
        "user_agent": user_agent or "",
        # The proof the Account asked for, when it asked (a stepped-up session).
        "step_up": sign_in if account.step_up_minutes else None,
    }
    try:
        check_rate_limit(user=user)
        assumed, url = open_console(
            account=account,
            resource=resource,
            session_name=session_name,
            page=pages[page].page,
            sign_out_first=sign_out_first,
            extras=extras,
            duration=duration,
        )
    except (AwsError, AccessError) as exc:
        session = access_session_record_failed(
            **record, failure_code=exc.code, failure_message=exc.hint
        )
        logger.warning(
            "Access failed: session=%s user=%s account=%s code=%s hop=%s",
            session.pk,
            user.pk,
            account.pk,
            exc.code,
            getattr(exc, "hop", ""),
        )
        return AccessResult(session=session, error=exc)
    session = access_session_record_active(
        **record,
        assumed_role_arn=assumed.assumed_role_arn,
        assumed_role_id=assumed.assumed_role_id,
        expires_at=assumed.expires_at,
    )
    logger.info(
        "Access opened: session=%s user=%s account=%s assumed_role_arn=%s expires_at=%s",
        session.pk,
        user.pk,
        account.pk,
        assumed.assumed_role_arn,
        assumed.expires_at.isoformat(),
    )
    return AccessResult(session=session, login_url=url)


def check_rate_limit(*, user) -> None:
    """Refuse (recorded as a failed session) past settings.PAM_ACCESS_RATE_LIMIT clicks per
    minute for one user: a stolen login scripted against Access is slowed down and visible."""
    limit = settings.PAM_ACCESS_RATE_LIMIT
    if rate_limit_exceeded(key=f"access:{user.pk}", limit=limit):
        raise AccessError(
            RATE_LIMITED,
            f"You opened more than {limit} console sessions in the last minute, the most "
            "allowed. Wait a minute and try again.",
            retryable=True,
        )


def console_region_for(account: Account) -> str | None:
    """The region the console opens in: the Account's, else settings.PAM_CONSOLE_REGION when it
    is a region of the role's partition, else None (the global console)."""
    partition = parse_role_arn(account.target_role_arn).partition
    region = account.console_region or getattr(settings, "PAM_CONSOLE_REGION", "") or None
    return region if owns_region(partition, region) else None


def open_console(
    *,
    account: Account,
    resource: Resource,
    session_name: str,
    page: str = "",
    sign_out_first: bool = False,
    extras: Hop2Extras | None = None,
    duration: int | None = None,
) -> tuple[AssumedRole, str]:
    """The AWS part of Access: both hops of the chain, the sign-in token and the login URL.

    Hosts: STS in settings.AWS_REGION (moved to the target role's partition when needed); the
    federation endpoint is settings.PAM_FEDERATION_ENDPOINT or the partition's sign-in host,
    regional in the `aws` partition when the console has a region (console_region_for). The
    Destination is `page` (one of account.pages) in that region, else the console home. With
    `sign_out_first` the login URL is wrapped in the partition's sign-out URL, so a browser
    still signed in to another AWS account leaves it first.

    Raises AwsError or AccessError only, so the caller always records an outcome.
    """
    try:
        partition = parse_role_arn(account.target_role_arn).partition
        assumed = chain(
            resource_role_arn=resource.resource_role_arn,
            target_role_arn=account.target_role_arn,
            external_id=resource.project.external_id,
            session_name=session_name,
            duration=duration or account.session_duration,
            region=settings.AWS_REGION,
            cache_version=resource.updated_at.isoformat(),
            extras=extras,
        )
        console_region = console_region_for(account)
        url = federation_url(partition, console_region, settings.PAM_FEDERATION_ENDPOINT)
        token = get_signin_token(assumed.credentials, url=url)
        login = login_url(
            signin_token=token,
            url=url,
            issuer=settings.PAM_ISSUER_URL,
            partition=partition,
            destination=destination_url(partition, console_region, page),
        )
        return assumed, console.sign_out_first(login, url) if sign_out_first else login
    except AwsError:
        raise
    except InvalidRoleArn as exc:
        raise AccessError(INVALID_ROLE_ARN, str(exc)) from None
    except Exception as exc:
        # Never a 500 for an Access click: record it, and leave the traceback for the operator
        # (exception messages here carry ARNs at most; credentials live only in frame locals).
        logger.exception("Access failed unexpectedly: %s", type(exc).__name__)
        raise AccessError(
            INTERNAL_ERROR,
            "Something unexpected went wrong while opening the console. The error was logged "
            "for the operator; try again later.",
        ) from None
