"""A stand-in for the AWS federation endpoint (signin.aws.amazon.com/federation).

Test scaffolding for the sandbox, routed only when PAM_SANDBOX is on. It speaks the two
actions the product uses: getSigninToken checks the session credentials against moto with
sts:GetCallerIdentity and hands back an opaque, single-use token; login with that token shows a
plainly labelled "Sandbox console" page saying which role the browser would have landed in.
The cache holds only the caller identity, under a hash of the token, for 15 minutes (as long
as AWS keeps a login URL valid). Like AWS's console, the sandbox console keeps the session's
credentials to act with them (a few real calls to moto, which the sandbox's CloudTrail records
for the product to show): in this process's memory only, never in the cache, the database or
a log, and never longer than the session.
"""

import hashlib
import json
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.revocation import role_deny_policies
from pamsite.aws import partitions
from pamsite.aws.arns import parse_role_arn
from pamsite.aws.chain import Credentials
from pamsite.aws.errors import AwsError, Fault
from pamsite.aws.sandbox import CONSOLE_ACTIONS, console_action, role_session_identity
from sessions_audit.models import AccessSession

TOKEN_TTL = timedelta(minutes=15)
_CACHE_PREFIX = "sandbox-signin:"
SIGNED_OUT_KEY = "sandbox_signed_out_first"
CONSOLE_KEY = "sandbox_console"


@dataclass(frozen=True)
class _Held:
    credentials: Credentials
    until: datetime
    session_pk: object = None


_held_lock = threading.Lock()
_held: dict[str, _Held] = {}


def _hold(key: str, held: _Held) -> None:
    now = timezone.now()
    with _held_lock:
        for old in [k for k, v in _held.items() if v.until <= now]:
            del _held[old]
        _held[key] = held


def _held_get(key: str, *, release: bool = False) -> _Held | None:
    with _held_lock:
        held = _held.pop(key, None) if release else _held.get(key)
    return held if held is not None and held.until > timezone.now() else None


def _cache_key(token: str) -> str:
    return _CACHE_PREFIX + hashlib.sha256(token.encode()).hexdigest()


def _refuse(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"Error": message}, status=status)


def _session_credentials(raw: str) -> Credentials | None:
    try:
        session = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(session, dict):
        return None
    values = [session.get(k) for k in ("sessionId", "sessionKey", "sessionToken")]
    if not all(isinstance(v, str) and v for v in values):
        return None
    return Credentials(*values, expiration=timezone.now())


def get_signin_token(request):
    """Action=getSigninToken: credentials in, opaque token out (like AWS, GET or POST)."""
    params = request.POST if request.method == "POST" else request.GET
    if "SessionDuration" in params:
        # What AWS does with chained role credentials: the product must never send it.
        return _refuse("SessionDuration cannot be used with role-chained credentials.")
    credentials = _session_credentials(params.get("Session", ""))
    if credentials is None:
        return _refuse("Session must be JSON with sessionId, sessionKey and sessionToken.")
    try:
        identity = role_session_identity(credentials, region=settings.AWS_REGION)
    except AwsError as exc:
        status = 403 if exc.fault == Fault.REFUSED else 502
        return _refuse(f"The credentials were refused: {exc.code}.", status=status)
    if not identity.is_role_session:
        return _refuse("Only temporary role credentials can sign in to the console.")
    token = secrets.token_urlsafe(32)
    _hold(_cache_key(token), _Held(credentials, until=timezone.now() + TOKEN_TTL))
    cache.set(
        _cache_key(token),
        {
            "arn": identity.arn,
            "account_id": identity.account_id,
            "user_id": identity.user_id,
            "role_name": identity.role_name,
            "role_session_name": identity.role_session_name,
            "issued_at": timezone.now().isoformat(),
        },
        timeout=int(TOKEN_TTL.total_seconds()),
    )
    return JsonResponse({"SigninToken": token})


def login(request):
    """Action=login: spend the token and show where the browser would be in AWS."""
    token = request.GET.get("SigninToken", "")
    identity = cache.get(_cache_key(token)) if token else None
    # A token works once: only the request that manages to delete it may use it.
    if identity is None or not cache.delete(_cache_key(token)):
        return render(
            request,
            "sandbox/console_error.html",
            {"reason": "missing" if not token else "invalid"},
            status=400,
        )
    # The product recorded the session; its expiry is the credentials' expiry. AWS gives the
    # same aws:userid to AssumeRole and GetCallerIdentity; moto does not, hence the ARN too.
    session = (
        AccessSession.objects.filter(
            Q(assumed_role_id=identity["user_id"]) | Q(assumed_role_arn=identity["arn"])
        )
        .order_by("-created_at")
        .first()
    )
    held = _held_get(_cache_key(token), release=True)
    if held is not None and session is not None and session.expires_at:
        console = secrets.token_urlsafe(16)
        _hold(console, _Held(held.credentials, until=session.expires_at, session_pk=session.pk))
        request.session[CONSOLE_KEY] = console
    issuer = request.GET.get("Issuer", "")
    context = {
        # Set by the sign-out stand-in just before (the login was wrapped in the sign-out URL).
        "signed_out_first": request.session.pop(SIGNED_OUT_KEY, False),
        "identity": identity,
        "session": session,
        "destination": request.GET.get("Destination", ""),
        "issuer": issuer,
        # Only a web address becomes a link (never javascript: or the like).
        "issuer_link": issuer if issuer.startswith(("http://", "https://")) else "",
        "actions": CONSOLE_ACTIONS if session is not None and held is not None else (),
    }
    return render(request, "sandbox/console.html", context)


@csrf_exempt  # called server to server by the product, like AWS's endpoint
@never_cache
@require_http_methods(["GET", "POST"])
def federation(request):
    action = (request.POST if request.method == "POST" else request.GET).get("Action", "")
    if action == "getSigninToken":
        return get_signin_token(request)
    if action == "login" and request.method == "GET":
        return login(request)
    return _refuse("Unsupported Action: use getSigninToken or login.")


@never_cache
@require_http_methods(["GET"])
def oauth(request):
    """Action=logout: what AWS's sign-out URL does, ending the console session the browser has
    (in the sandbox: noting it for the console page) and going on to `redirect_uri`, here only
    the stand-in's own login."""
    if request.GET.get("Action") != "logout":
        return _refuse("Unsupported Action: use logout.")
    target = request.GET.get("redirect_uri", "")
    own_login = request.build_absolute_uri(reverse("sandbox:federation")) + "?"
    if not target.startswith(own_login):
        return _refuse("redirect_uri must be this sandbox's sign-in URL.")
    request.session[SIGNED_OUT_KEY] = True
    return HttpResponseRedirect(target)


def _simulated_deny(session: AccessSession, documents: dict[str, dict]) -> tuple[str, str]:
    """Which of the role's revocation policies would refuse this session, as AWS would judge
    it (moto evaluates no condition, so the sandbox does, for its own documents only):
    (policy name, the time it names) or ("", "")."""
    issued = session.expires_at - timedelta(seconds=session.duration_seconds or 0)
    for name, document in documents.items():
        for statement in document.get("Statement", []):
            condition = statement.get("Condition", {})
            userid = condition.get("StringEquals", {}).get("aws:userid")
            tag = condition.get("StringEquals", {}).get("aws:PrincipalTag/pam-session")
            before = condition.get("DateLessThan", {}).get("aws:TokenIssueTime", "")
            after = condition.get("DateGreaterThan", {}).get("aws:TokenIssueTime", "")
            stamp = issued.strftime("%Y-%m-%dT%H:%M:%SZ")
            if userid == session.assumed_role_id and after <= stamp < before:
                return name, before
            if tag and tag == str(session.pk):
                return name, ""
            if before and not userid and not after and stamp < before:
                return name, before
    return "", ""


def _console_state(session: AccessSession) -> dict:
    """Is this console session still working, as AWS would judge it (see _simulated_deny)."""
    try:
        documents = role_deny_policies(resource=session.resource, role_arn=session.target_role_arn)
        error = ""
    except AwsError as exc:
        documents, error = {}, f"{exc.code}: {exc.hint}"
    policy, until = _simulated_deny(session, documents)
    return {
        "policy": policy,
        "until": until,
        "read_error": error,
        "expired": session.expires_at <= timezone.now(),
    }


def _own_session(request, pk) -> AccessSession | None:
    if not request.user.is_authenticated:
        return None
    session = (
        AccessSession.objects.select_related("resource__project", "account")
        .filter(pk=pk, user=request.user)
        .first()
    )
    return session if session is not None and session.assumed_role_id else None


def _held_for(request, session: AccessSession) -> _Held | None:
    held = _held_get(request.session.get(CONSOLE_KEY, ""))
    return held if held is not None and held.session_pk == session.pk else None


@never_cache
@require_http_methods(["GET"])
def console_session(request, pk):
    """The sandbox console again, later: is this console session still working? The target
    role's revocation policies are read from the local AWS (moto) and judged as AWS would."""
    if not request.user.is_authenticated:
        return render(request, "sandbox/console_error.html", {"reason": "missing"}, status=403)
    session = _own_session(request, pk)
    if session is None:
        return render(request, "sandbox/console_error.html", {"reason": "invalid"}, status=404)
    return render(
        request,
        "sandbox/console_session.html",
        {
            "session": session,
            **_console_state(session),
            "actions": CONSOLE_ACTIONS if _held_for(request, session) else (),
        },
    )


def _console_region(session: AccessSession) -> str:
    """Where the console session works: its Account's console region, else its partition's
    default region."""
    partition = parse_role_arn(session.target_role_arn).partition
    return partitions.region_in_partition(partition, session.account.console_region or None)


@never_cache
@require_POST
def console_try(request, pk):
    """Do one sandbox console action as the console session: one real call to moto with the
    session's credentials, refused as AWS would refuse it (the role's policies, a revocation)."""
    session = _own_session(request, pk)
    held = _held_for(request, session) if session is not None else None
    if held is None:
        return render(request, "sandbox/console_error.html", {"reason": "closed"}, status=404)
    labels = {key: label for key, label, *_ in CONSOLE_ACTIONS}
    action = request.POST.get("action", "")
    if action not in labels:
        messages.error(request, f"Unknown action: pick one of {', '.join(labels.values())}.")
        return _to_console(session)
    state = _console_state(session)
    if state["expired"] or state["policy"]:
        reason = f"revoked by {state['policy']}" if state["policy"] else "the session ended"
        # moto evaluates no condition, so it would let the call through: the sandbox refuses it.
        messages.error(request, f"{labels[action]}: AccessDenied ({reason}).")
        return _to_console(session)
    try:
        done = console_action(held.credentials, action=action, region=_console_region(session))
    except AwsError as exc:
        messages.error(request, f"{labels[action]}: refused, {exc.code}. {exc.message}")
    else:
        messages.success(request, f"{labels[action]}: {done}")
    return _to_console(session)


def _to_console(session: AccessSession) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("sandbox:console_session", args=[session.pk]))
