"""Audit review: the sessions of a project, one session, the audit log, and their exports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.access import OWN_FAILURE_CODES
from accounts.lifetime import console_lifetime
from pamsite.pages import render_page
from resources.pages import project_page
from resources.permissions import Capability, project_for_view
from sessions_audit.evidence import session_events_fetch
from sessions_audit.exports import (
    audit_csv,
    audit_jsonl,
    json_value,
    session_record,
    sessions_csv,
    sessions_jsonl,
)
from sessions_audit.forms import AuditFilterForm, SessionFilterForm
from sessions_audit.models import AccessSession, SessionEvidence
from sessions_audit.selectors import (
    audit_events_filter,
    audit_events_page,
    session_cloudtrail_command,
    sessions_filter,
    sessions_page,
)


def _auditor_project(request, slug):
    return project_for_view(user=request.user, slug=slug, capability=Capability.REVIEW_AUDIT)


def _filtered(request, project):
    """The filter form and its sessions. An invalid filter matches nothing (its errors show
    on the form): never every session under a "filtered" heading."""
    form = SessionFilterForm(request.GET or None, project=project)
    if form.is_bound and not form.is_valid():
        return form, AccessSession.objects.none()
    filters = form.cleaned_data if form.is_bound else {}
    return form, sessions_filter(project=project, **filters)


@require_GET
@login_required
def session_list(request, slug):
    """Sessions newest first, filtered, one keyset page at a time."""
    project, membership = _auditor_project(request, slug)
    form, qs = _filtered(request, project)
    return _session_list_page(request, project, membership, form=form, qs=qs)


def _session_list_page(request, project, membership, *, form, qs, status: int = 200):
    page = sessions_page(qs, after=request.GET.get("after", ""))
    query = request.GET.copy()
    query.pop("after", None)
    context = project_page(
        request,
        project=project,
        membership=membership,
        tab="sessions",
        form=form,
        page=page,
        filter_query=query.urlencode(),
        first_page=not request.GET.get("after"),
    )
    response = render_page(request, "sessions_audit/session_list.html", context, fragment="results")
    response.status_code = status
    return response


@require_GET
@login_required
def session_export(request, slug):
    """Every session matching the filters as CSV, streamed in chunks: memory stays flat
    however many rows there are."""
    project, membership = _auditor_project(request, slug)
    form, qs = _filtered(request, project)
    if form.is_bound and not form.is_valid():
        # A CSV of nothing would pass for "no sessions matched": the list page instead, with
        # the filter's errors, and nothing exported.
        return _session_list_page(request, project, membership, form=form, qs=qs, status=400)
    return _download(
        request, project, "sessions", qs, csv_rows=sessions_csv, jsonl_rows=sessions_jsonl
    )


def _download(request, project, what: str, qs, *, csv_rows, jsonl_rows):
    """`qs` as CSV (?format=csv, the default) or JSON Lines (?format=jsonl), streamed; only
    the chosen writer is built (on PostgreSQL that compiles its COPY)."""
    jsonl = request.GET.get("format") == "jsonl"
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response = StreamingHttpResponse(
        (jsonl_rows if jsonl else csv_rows)(qs),
        content_type="application/x-ndjson; charset=utf-8" if jsonl else "text/csv; charset=utf-8",
    )
    extension = "jsonl" if jsonl else "csv"
    response["Content-Disposition"] = (
        f'attachment; filename="{what}-{project.slug}-{stamp}.{extension}"'
    )
    response["Cache-Control"] = "no-store"
    return response


def _audit_filtered(request, project):
    """The Audit log's filter form and its events, or None for an invalid filter."""
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    return form, audit_events_filter(
        project=project,
        who=data.get("who", ""),
        action=data.get("action", ""),
        since=data.get("since"),
        until=data.get("until"),
    )


@require_GET
@login_required
def audit_export(request, slug):
    """The project's audit events matching the filters, as CSV or JSON Lines, streamed."""
    project, membership = _auditor_project(request, slug)
    form, qs = _audit_filtered(request, project)
    if qs is None:
        messages.error(
            request,
            "The filter is not valid: "
            + " ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()),
        )
        return redirect("sessions_audit:audit", slug=project.slug)
    return _download(request, project, "audit", qs, csv_rows=audit_csv, jsonl_rows=audit_jsonl)


@require_GET
@login_required
def session_evidence(request, slug, pk):
    """One session's evidence as a JSON document: the record, its request and approvals, its
    revocation, its CloudTrail events."""
    project, _ = _auditor_project(request, slug)
    session = get_object_or_404(
        AccessSession.objects.select_related("grant"), project=project, pk=pk
    )
    record = session_record(session)
    grant = session.grant
    document = {
        "session": record,
        "stepped_up": {
            "method": session.step_up_method,
            "at": json_value(session.stepped_up_at),
        }
        if session.stepped_up_at
        else None,
        "source_identity": session.source_identity,
        "tagged": session.tagged,
        "request": {
            "id": str(grant.pk),
            "requester": grant.requester_email,
            "reason": grant.reason,
            "ticket": grant.ticket,
            "break_glass": grant.break_glass,
            "grant": [json_value(grant.grant_starts_at), json_value(grant.grant_ends_at)],
            "reviews": [
                {
                    "reviewer": r.reviewer_email,
                    "decision": r.decision,
                    "comment": r.comment,
                    "at": json_value(r.created_at),
                }
                for r in grant.reviews.all()
            ],
        }
        if grant
        else None,
        "revocation": {
            "at": json_value(session.revoked_at),
            "by": session.revoked_by_email,
            "reason": session.revoke_reason,
            "policy": session.revocation_policy,
        }
        if session.revoked_at
        else None,
        "cloudtrail_events": [
            {
                "time": json_value(e.event_time),
                "source": e.event_source,
                "name": e.event_name,
                "region": e.region,
                "read_only": e.read_only,
                "error_code": e.error_code,
                "resources": e.resources,
                "request_id": e.request_id,
                "event": e.raw,
            }
            for e in session.events.order_by("event_time", "id")
        ],
    }
    response = JsonResponse(document, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def session_detail(request, slug, pk):
    project, membership = _auditor_project(request, slug)
    session = get_object_or_404(AccessSession, project=project, pk=pk)
    context = project_page(
        request,
        project=project,
        membership=membership,
        tab="sessions",
        session=session,
        cloudtrail_command=session_cloudtrail_command(session) if session.role_session_name else "",
        failure_is_ours=session.failure_code in OWN_FAILURE_CODES,
        lifetime=(
            console_lifetime(session_duration=session.duration_seconds)
            if session.duration_seconds and session.expires_at
            else None
        ),
        **_activity(request, session),
    )
    return render_page(request, "sessions_audit/session_detail.html", context)


EVENTS_SHOWN = 100


def _activity(request, session) -> dict:
    """What this session did (CloudTrail): counts by service, the events newest first with
    keyset pages (?events_before=<id>), when they were fetched."""
    events = session.events.all()
    before = request.GET.get("events_before", "")
    last = events.filter(pk=int(before)).first() if before.isdigit() else None
    page = (
        events.filter(
            Q(event_time__lt=last.event_time) | Q(event_time=last.event_time, pk__lt=last.pk)
        )
        if last
        else events
    )
    rows = list(page.order_by("-event_time", "-id")[: EVENTS_SHOWN + 1])
    by_service = {}
    for source, count in (
        events.values_list("event_source").annotate(n=Count("id")).order_by("-n", "event_source")
    ):
        by_service[source.split(".", 1)[0]] = count
    return {
        "activity_on": session.resource.cloudtrail_enabled,
        "evidence": SessionEvidence.objects.filter(session=session).first(),
        "events": rows[:EVENTS_SHOWN],
        "events_more": rows[EVENTS_SHOWN - 1].pk if len(rows) > EVENTS_SHOWN else None,
        "by_service": by_service,
    }


@require_POST
@login_required
def session_events_fetch_view(request, slug, pk):
    """An admin's "Fetch now": the session's CloudTrail events, at once."""
    project, _ = project_for_view(
        user=request.user, slug=slug, capability=Capability.MANAGE_PROJECT
    )
    session = get_object_or_404(AccessSession, project=project, pk=pk)
    try:
        evidence = session_events_fetch(session=session, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if evidence.last_error:
            messages.error(request, f"CloudTrail could not be read: {evidence.last_error}")
        else:
            messages.success(request, f"Fetched: {session.events.count()} events so far.")
    return redirect("sessions_audit:detail", slug=project.slug, pk=session.pk)


MY_SESSIONS_SHOWN = 100


@require_GET
@login_required
def my_sessions(request):
    """Every person's own console sessions, in every project: live ones first with the time
    left, then the history, revocations with who and why."""
    sessions = list(
        AccessSession.objects.filter(user=request.user)
        .select_related("project")
        .order_by("-created_at", "-id")[: MY_SESSIONS_SHOWN + 1]
    )
    more = len(sessions) > MY_SESSIONS_SHOWN
    sessions = sessions[:MY_SESSIONS_SHOWN]
    live = [s for s in sessions if s.effective_status == AccessSession.Status.ACTIVE]
    return render_page(
        request,
        "sessions_audit/my_sessions.html",
        {
            "live": live,
            "history": [s for s in sessions if s not in live],
            "more": more,
            "shown": MY_SESSIONS_SHOWN,
        },
    )


@require_GET
@login_required
def audit_log(request, slug):
    """Every audit event of the project (admin changes, memberships and SSO syncs, requests,
    reviews, revocations, notifications), for admins and auditors; filters and keyset pages."""
    project, membership = _auditor_project(request, slug)
    form, qs = _audit_filtered(request, project)
    events, next_before = [], None
    if qs is not None:
        before = request.GET.get("before", "")
        events, next_before = audit_events_page(
            qs, before=int(before) if before.isdigit() else None
        )
    query = request.GET.copy()
    query.pop("before", None)
    context = project_page(
        request,
        project=project,
        membership=membership,
        tab="audit",
        form=form,
        events=events,
        next_url=f"?{query.urlencode()}&before={next_before}" if next_before else "",
    )
    return render_page(request, "sessions_audit/audit_log.html", context)
