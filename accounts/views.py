"""Views of the accounts app: the list, the add/edit form, and Access."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access_requests.selectors import active_grant, grants_by_account, pending_by_account
from accounts import revocation, services
from accounts.access import (
    RATE_LIMITED,
    AccessError,
    GrantRequired,
    PageNotOffered,
    StepUpRequired,
    account_access,
)
from accounts.forms import AccountForm
from accounts.models import Account
from accounts.selectors import account_for_member, accounts_for_project
from identity import preferences, stepup
from pamsite.aws.errors import Fault
from pamsite.client_ip import client_ip
from pamsite.forms import ConfirmForm, SearchForm
from pamsite.pages import apply_service_errors, redirect_page, render_page
from resources.models import Membership, Resource
from resources.pages import confirm_page, project_page
from resources.permissions import Capability, NotAMember, project_for_view, view_gate
from sessions_audit.models import AccessSession


class AccountInProjectForm(AccountForm):
    """AccountForm plus the Resource it belongs to: one of this project's resources that is
    not retired (an existing account's own, which cannot change, whatever it is)."""

    resource = forms.ModelChoiceField(
        queryset=Resource.objects.none(), empty_label="Choose a resource"
    )
    field_order = ["resource", "name", "description", "target_role_arn", "session_duration"]

    def __init__(self, *args, project, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approvers"].queryset = (
            get_user_model()
            .objects.filter(
                memberships__project=project,
                memberships__role__in=[Membership.Role.ADMIN, Membership.Role.MEMBER],
            )
            .order_by("email")
        )
        self.fields["approvers"].label_from_instance = lambda user: user.email or user.username
        field = self.fields["resource"]
        if account is not None:
            field.queryset = Resource.objects.filter(pk=account.resource_id)
            field.disabled = True  # its sessions point at the resource it was made under
        else:
            field.queryset = Resource.objects.filter(
                project=project, retired_at__isnull=True
            ).order_by("name")
        if account is not None or field.queryset.count() == 1:
            # Nothing to choose: no "Choose a resource" line above the one there is.
            field.empty_label = None


@require_GET
@login_required
def account_list(request, slug):
    """Every account of the project; members and admins get an Access button per account
    that is not retired. ?q= narrows the list (a plain GET form, no JavaScript needed)."""
    project, membership = project_for_view(user=request.user, slug=slug)
    search = SearchForm(request.GET or None)
    query = search.query()
    accounts = [] if query is None else list(accounts_for_project(project=project, query=query))
    if any(account.on_request for account in accounts):
        # Each on-request account with the person's open grant or pending request, if any.
        grants = grants_by_account(user=request.user, project=project)
        pending = pending_by_account(user=request.user, project=project)
        for account in accounts:
            account.my_grant = grants.get(account.pk)
            account.my_pending = pending.get(account.pk)
    context = project_page(
        request,
        project=project,
        membership=membership,
        tab="accounts",
        search=search,
        query=query,
        accounts=accounts,
        sign_out_first=preferences.sign_out_first(request.user),
    )
    return render_page(request, "accounts/account_list.html", context)


def _account_form_page(request, slug, pk=None):
    project, membership = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT
    )
    account = None
    initial = {}
    if pk is not None:
        account = get_object_or_404(
            Account.objects.select_related("resource"), resource__project=project, pk=pk
        )
        initial = {
            "resource": account.resource,
            "name": account.name,
            "description": account.description,
            "target_role_arn": account.target_role_arn,
            "session_duration": account.session_duration,
            "step_up_minutes": account.step_up_minutes,
            "console_region": account.console_region,
            "destination": account.destination,
            "destinations": account.destinations,
            **{name: getattr(account, name) for name in services.POLICY_FIELDS},
            "approvers": list(account.approvers.all()),
        }
    elif request.GET.get("resource"):
        initial["resource"] = request.GET["resource"]
    form = AccountInProjectForm(
        request.POST or None, initial=initial, project=project, account=account
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        resource = data.pop("resource")
        data["approvers"] = [user.email for user in data.get("approvers") or ()]
        try:
            if account is None:
                account = services.account_create(actor=request.user, resource=resource, **data)
                messages.success(request, f"Account {account.name} added.")
            else:
                account = services.account_update(actor=request.user, account=account, **data)
                messages.success(request, f"Account {account.name} saved.")
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return redirect_page(request, "accounts:list", slug=project.slug)
    context = project_page(
        request,
        project=project,
        membership=membership,
        tab="accounts",
        form=form,
        account=account,
        has_resources=form.fields["resource"].queryset.exists(),
    )
    return render_page(request, "accounts/account_form.html", context, fragment="form")


@require_http_methods(["GET", "POST"])
@login_required
def account_create_view(request, slug):
    return _account_form_page(request, slug)


@require_http_methods(["GET", "POST"])
@login_required
def account_edit(request, slug, pk):
    return _account_form_page(request, slug, pk)


@require_POST
@login_required
def account_retire_view(request, slug, pk):
    """Retire an account, after a page that asks (a POST without confirm=yes shows it)."""
    project, membership = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT
    )
    account = get_object_or_404(
        Account.objects.select_related("resource__project"), resource__project=project, pk=pk
    )
    back_url = reverse("accounts:edit", kwargs={"slug": project.slug, "pk": account.pk})
    if not ConfirmForm(request.POST).is_valid():
        return confirm_page(
            request,
            project=project,
            membership=membership,
            tab="accounts",
            title=f"Retire {account.name}?",
            consequences=(
                f"Its console can no longer be opened and the account cannot be changed. It "
                f"and its sessions stay in the audit trail. Remove {account.target_role_arn} "
                "from the Resource Role's permissions policy in AWS too. This cannot be undone "
                "in the app."
            ),
            action=request.path,
            button=f"Retire {account.name}",
            back_url=back_url,
            back_label=account.name,
        )
    try:
        services.account_retire(actor=request.user, account=account)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Account {account.name} retired: it can no longer be opened.")
    return redirect(back_url)


def _page_index(value: str) -> int:
    """The chosen console page's index as posted; -1 (refused by the service) if not one."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 3 else -1


def failure_status(error) -> int:
    """The HTTP status of a failed Access page: 429 for our rate limit, 503 when AWS
    throttled, 504 when it did not answer in time, 502 (a bad gateway) for everything else."""
    if isinstance(error, AccessError):
        return 429 if error.code == RATE_LIMITED else 502
    return {Fault.THROTTLED: 503, Fault.TIMEOUT: 504}.get(error.fault, 502)


@require_POST
@never_cache
def account_access_view(request, slug, pk):
    """Access: open the AWS console as the account's target role (302 to the login URL).

    POST only (CSRF-protected), so no GET, prefetch or crawler ever opens a session. 404 for
    accounts outside the user's projects, 403 for auditors, and on a failure a page with the
    code and hint (failure_status), never a 500. The source IP is the client's, behind the
    proxies PAM_TRUSTED_PROXIES names (pamsite.client_ip).
    """
    if not request.user.is_authenticated:
        # Back after sign-in to the accounts page: `next` = this URL would come back as a GET,
        # which Access refuses (405), e.g. on every click after the web session ran out.
        return redirect_to_login(reverse("accounts:list", kwargs={"slug": slug}))
    found = account_for_member(user=request.user, slug=slug, pk=pk)
    account, membership = found if found else (None, None)
    view_gate(membership)
    project = account.resource.project
    context = {
        "project": project,
        "account": account,
        "back_url": reverse("accounts:list", kwargs={"slug": project.slug}),
    }
    try:
        result = account_access(
            user=request.user,
            account=account,
            membership=membership,
            source_ip=client_ip(request.META),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            # Asked only where the account needs it: two queries a click saved elsewhere.
            sign_in=stepup.last_sign_in(request) if account.step_up_minutes else None,
            page=_page_index(request.POST.get("page", "0")),
            sign_out_first=request.POST.get("sign_out_first") == "1",
            # One query, only for on-request accounts: the person's open grant.
            grant=active_grant(user=request.user, account=account) if account.on_request else None,
        )
    except NotAMember:
        raise Http404("No such account.") from None
    except StepUpRequired:
        return redirect("accounts:step_up", slug=project.slug, pk=account.pk)
    except GrantRequired as exc:
        messages.info(request, str(exc))
        create = reverse("access_requests:create", kwargs={"slug": project.slug})
        return redirect(f"{create}?account={account.pk}")
    except PageNotOffered as exc:
        context.update(refused=True, hint=str(exc))
        return render(request, "accounts/access_failed.html", context, status=400)
    except PermissionDenied as exc:
        context.update(refused=True, hint=str(exc))
        return render(request, "accounts/access_failed.html", context, status=403)
    if result.ok:
        # The login URL is a bearer secret: sent once in Location, never rendered or logged.
        response = HttpResponseRedirect(result.login_url)
        # Belt and braces over the site-wide same-origin policy: the hop to AWS carries no
        # Referer at all.
        response["Referrer-Policy"] = "no-referrer"
        return response
    error = result.error
    context.update(
        code=error.code, hint=error.hint, retryable=error.retryable, session=result.session
    )
    return render(request, "accounts/access_failed.html", context, status=failure_status(error))


@require_GET
@never_cache
@login_required
def account_step_up(request, slug, pk):
    """The page an Account that asks for a fresh sign-in sends Access to: how to sign in again
    (at the identity provider, with the authenticator code, or the password; identity.stepup
    says which counts for this person), and once that is done, the Access button."""
    found = account_for_member(user=request.user, slug=slug, pk=pk)
    account, membership = found if found else (None, None)
    view_gate(membership, Capability.OPEN_CONSOLE)
    if not account.step_up_minutes:
        return redirect("accounts:list", slug=slug)
    minutes = account.step_up_minutes
    last = stepup.last_sign_in(request)
    here = request.get_full_path()
    method = stepup.accepted_methods(request.user)[0]
    context = project_page(
        request,
        project=account.resource.project,
        membership=membership,
        tab="accounts",
        account=account,
        minutes=minutes,
        last=last,
        fresh=bool(last and last.within(minutes, now=timezone.now())),
        method=method,
        method_label=stepup.METHOD_LABELS[method],
        next_url=here,
        sign_out_first=preferences.sign_out_first(request.user),
    )
    if method == stepup.SSO:
        context["provider"] = stepup.sso_provider(request)
        # Ask the provider for a new sign-in, not one it remembers (OIDC prompt and max_age).
        context["auth_params"] = urlencode({"prompt": "login", "max_age": minutes * 60})
    else:
        name = stepup.reauthenticate_url_name(request.user, method)
        context["reauth_url"] = f"{reverse(name)}?{urlencode({'next': here})}"
    return render(request, "accounts/step_up.html", context)


def _revoke_outcome_message(request, outcome, *, what: str) -> None:
    if outcome.ok:
        count = len(outcome.revoked)
        messages.success(
            request,
            f"{what} revoked ({count} session{'s' if count != 1 else ''}). "
            f"{revocation.APPLIES_IN_MINUTES}",
        )
    else:
        messages.error(
            request,
            f"Not revoked: AWS answered {outcome.error.code}. {outcome.error.hint} "
            "Nothing was changed; the attempt is in the audit trail.",
        )


@require_POST
@login_required
def session_revoke_view(request, slug, pk):
    """Revoke one live console session (admins), with a reason; back to the session page."""
    project, _ = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT
    )
    session = get_object_or_404(AccessSession, project=project, pk=pk)
    back = reverse("sessions_audit:detail", kwargs={"slug": project.slug, "pk": session.pk})
    try:
        outcome = revocation.session_revoke(
            actor=request.user, session=session, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, "Not revoked: " + " ".join(exc.messages))
    else:
        _revoke_outcome_message(request, outcome, what="Session")
    return redirect(back)


@require_POST
@login_required
def account_sessions_revoke_view(request, slug, pk):
    """Revoke every session of the Account's role issued before now (admins): a reason, and a
    confirmation that it also ends sessions not opened from here."""
    project, _ = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT
    )
    account = get_object_or_404(
        Account.objects.select_related("resource__project"), resource__project=project, pk=pk
    )
    back = reverse("accounts:edit", kwargs={"slug": project.slug, "pk": account.pk})
    if not ConfirmForm(request.POST).is_valid():
        messages.error(
            request,
            "Not revoked: tick the box that says you understand every session of the role "
            "issued before now ends, also those not opened from here.",
        )
        return redirect(back)
    try:
        outcome = revocation.account_sessions_revoke(
            actor=request.user, account=account, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, "Not revoked: " + " ".join(exc.messages))
    else:
        _revoke_outcome_message(request, outcome, what=f"Every session of {account.name}")
    return redirect(back)
