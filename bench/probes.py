"""The Django side of the benchmark: each probe runs in a fresh process and prints JSON.

``python -m bench.probes <probe> [options]``; bench/run.py sets the environment (settings,
database, AWS endpoint, federation stand-in) and reads the JSON.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import sys
import time
import uuid
from importlib import import_module

BRIDGE_ROLE_ARN = "arn:aws:iam::123456789012:role/PamBridge"
TARGET_ROLE_ARN = "arn:aws:iam::123456789012:role/ReadOnly"
# Unusable: bench users sign in with a prepared session cookie.
UNUSABLE_PASSWORD = "!"  # noqa: S105
AUDIT_SLUG = "bench-audit"
AUDIT_USERS = 100
AUDIT_ACCOUNTS = 5


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pamsite.settings")
    import django

    django.setup()


def _rss_kb(field: str = "VmRSS") -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _session_cookie(user) -> str:
    """What a successful sign-in stores, without running the login form."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


def _project(slug: str, *, accounts: int = 1, duration: int = 3600):
    from accounts.models import Account
    from resources.models import Project, Resource

    project, _ = Project.objects.get_or_create(slug=slug, defaults={"name": slug})
    resource, _ = Resource.objects.get_or_create(
        project=project,
        name="bench-aws",
        defaults={
            "resource_role_arn": BRIDGE_ROLE_ARN,
            "validation_status": "valid",
            # Every opt-in on: SourceIdentity and tags ride on hop 2, no extra round trip.
            "revocation_enabled": True,
            "source_identity_enabled": True,
            "session_tags_enabled": True,
        },
    )
    account_list = [
        Account.objects.get_or_create(
            resource=resource,
            name=f"role-{i}",
            defaults={
                "target_role_arn": TARGET_ROLE_ARN,
                "session_duration": duration,
                "validation_status": "valid",
            },
        )[0]
        for i in range(accounts)
    ]
    return project, resource, account_list


def _users(prefix: str, count: int, project, role: str):
    from django.contrib.auth import get_user_model

    from resources.models import Membership

    user_model = get_user_model()
    existing = {u.username: u for u in user_model.objects.filter(username__startswith=prefix)}
    new = [
        user_model(username=name, email=f"{name}@example.com", password=UNUSABLE_PASSWORD)
        for name in (f"{prefix}{i:03d}" for i in range(count))
        if name not in existing
    ]
    user_model.objects.bulk_create(new)
    users = list(user_model.objects.filter(username__startswith=prefix).order_by("username"))
    Membership.objects.bulk_create(
        [Membership(user=u, project=project, role=role) for u in users], ignore_conflicts=True
    )
    return users


def probe_seed(args):
    """A project, a Resource, an Account and `users` members with signed-in sessions."""
    _django()
    from django.utils.crypto import get_random_string

    project, _, (account,) = _project(args.slug, duration=args.duration)
    users = _users(f"{args.slug}-u", args.users, project, "member")
    return {
        "slug": project.slug,
        "account_id": account.pk,
        "path": f"/projects/{project.slug}/accounts/{account.pk}/access/",
        "csrf": get_random_string(32),
        "sessions": [_session_cookie(u) for u in users],
    }


def probe_count(args):
    _django()
    from sessions_audit.models import AccessSession

    rows = AccessSession.objects.filter(project__slug=args.slug).values_list("status", flat=True)
    counts: dict[str, int] = {}
    for status in rows:
        counts[status] = counts.get(status, 0) + 1
    return counts


# --- 1. Access click -----------------------------------------------------------------------


class _Wsgi:
    """Calls the WSGI application the way gunicorn does, with a signed-in POST."""

    def __init__(self, app, seed):
        self.app = app
        self.seed = seed

    def post(self, index: int):
        session = self.seed["sessions"][index % len(self.seed["sessions"])]
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": self.seed["path"],
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": "pam-bench/1",
            "HTTP_COOKIE": f"sessionid={session}; csrftoken={self.seed['csrf']}",
            "HTTP_X_CSRFTOKEN": self.seed["csrf"],
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": "0",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        result = {}

        def start_response(status, headers, exc_info=None):
            result["status"] = int(status.split()[0])
            result["headers"] = dict(headers)

        body = self.app(environ, start_response)
        try:
            for _ in body:
                pass
        finally:
            if hasattr(body, "close"):
                body.close()
        return result["status"], result["headers"].get("Location", "")


def probe_access(args):
    """Access clicks through Django's WSGI handler: CPU per click and round trips, cold (the
    first click of this process) and warm; then the same clicks with the AWS part written as
    AWS's documentation sample does it."""
    with open(args.seed) as f:
        seed = json.load(f)
    from bench.stubs import federation_calls

    aws_requests = [0]

    def count(**_):
        aws_requests[0] += 1

    # Count the botocore requests of every session from its creation on (the shared one, and
    # the baseline's new session per call), so the cold click stays cold.
    import botocore.session

    original = botocore.session.get_session

    def get_session(*a, **kw):
        session = original(*a, **kw)
        session.register("before-send.sts", count)
        return session

    botocore.session.get_session = get_session

    from django.core.wsgi import get_wsgi_application

    client = _Wsgi(get_wsgi_application(), seed)
    fed_port = args.federation_port

    def click(index):
        aws0, fed0 = aws_requests[0], federation_calls(fed_port)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        status, location = client.post(index)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        ok = status == 302 and "SigninToken=" in location
        return {
            "cpu_ms": cpu * 1000,
            "wall_ms": wall * 1000,
            "aws": aws_requests[0] - aws0,
            "federation": federation_calls(fed_port) - fed0,
            "ok": ok,
            "status": status,
        }

    def summary(clicks):
        return {
            "clicks": len(clicks),
            "errors": sum(not c["ok"] for c in clicks),
            "statuses": sorted({c["status"] for c in clicks}),
            "cpu_ms_median": statistics.median(c["cpu_ms"] for c in clicks),
            "cpu_ms_p95": _percentile([c["cpu_ms"] for c in clicks], 0.95),
            "wall_ms_median": statistics.median(c["wall_ms"] for c in clicks),
            "aws_per_click": statistics.mean(c["aws"] for c in clicks),
            "federation_per_click": statistics.mean(c["federation"] for c in clicks),
            "round_trips_max": max(c["aws"] + c["federation"] for c in clicks),
        }

    cold = click(0)
    profile = cProfile.Profile(time.process_time) if args.profile else None
    if profile:
        profile.enable()
    warm = [click(i) for i in range(1, args.clicks + 1)]
    if profile:
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(
            os.environ.get("BENCH_PROFILE_SORT", "cumulative")
        ).print_stats(70)
        print(out.getvalue(), file=sys.stderr)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:  # one more click, not timed
        client.post(args.clicks + 1)
    sql = [q["sql"] for q in queries.captured_queries]

    # The same click on an on-request account, the person holding an approved grant: what the
    # grant check adds (one query), measured on one more warm click.
    on_request_sql = _grant_click_queries(client, seed, args.clicks + 2)

    from pamsite.aws.chain import bridge_cache

    cache = {"hits": bridge_cache.hits, "misses": bridge_cache.misses}

    import accounts.access
    from bench import baseline

    accounts.access.open_console = baseline.open_console
    baseline_clicks = [click(i) for i in range(args.clicks)]
    return {
        "cold": cold,
        "warm": summary(warm),
        "baseline": summary(baseline_clicks),
        "bridge_cache": cache,
        "queries_per_click": len(sql),
        "queries": sql,
        "on_request_queries_per_click": len(on_request_sql),
        "on_request_queries": on_request_sql,
        "reference_orm_query_cpu_ms": _reference_query_ms(),
    }


def _grant_click_queries(client, seed, index: int) -> list[str]:
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from access_requests.models import AccessRequest
    from accounts.models import Account
    from resources.models import Project

    account = Account.objects.select_related("resource__project").get(pk=seed["account_id"])
    cookie = seed["sessions"][index % len(seed["sessions"])]
    user_id = Session.objects.get(session_key=cookie).get_decoded()["_auth_user_id"]
    now = timezone.now()
    Account.objects.filter(pk=account.pk).update(access_policy="request")
    AccessRequest.objects.create(
        project=Project.objects.get(pk=account.resource.project_id),
        account=account,
        account_name=account.name,
        requester_id=user_id,
        requester_email="bench@example.com",
        seconds=7200,
        starts_at=now,
        pending_until=now,
        policy={},
        status="approved",
        decided_at=now,
        grant_starts_at=now - timedelta(minutes=1),
        grant_ends_at=now + timedelta(hours=2),
    )
    try:
        with CaptureQueriesContext(connection) as queries:
            status, location = client.post(index)
        assert status == 302 and "SigninToken=" in location, (status, location[:80])
    finally:
        Account.objects.filter(pk=account.pk).update(access_policy="standing")
    return [q["sql"] for q in queries.captured_queries]


def _reference_query_ms(n: int = 300) -> float:
    """CPU of one ORM primary-key lookup on this machine and database: a yardstick for
    comparing the table across machines."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    pk = user_model.objects.values_list("pk", flat=True).first()
    started = time.process_time()
    for _ in range(n):
        user_model.objects.filter(pk=pk).first()
    return (time.process_time() - started) / n * 1000


# --- 3. Audit pages at scale ---------------------------------------------------------------


def _audit_fixture():
    project, resource, account_list = _project(AUDIT_SLUG, accounts=AUDIT_ACCOUNTS)
    users = _users("audit-user-", AUDIT_USERS, project, "member")
    (auditor,) = _users("audit-auditor-", 1, project, "auditor")
    return project, resource, account_list, users, auditor


_INSERT_SQL = """
INSERT INTO sessions_audit_accesssession (
    id, user_id, user_email, project_id, project_name, resource_id, resource_name, account_id,
    account_name, target_role_arn, role_session_name, duration_seconds, assumed_role_arn,
    assumed_role_id, source_ip, user_agent, created_at, expires_at, status, failure_code,
    failure_message
)
SELECT
    gen_random_uuid(), u.id, u.email, %(project)s, %(project_name)s, %(resource)s,
    %(resource_name)s, a.id, a.name, a.target_role_arn, u.email, a.session_duration,
    CASE WHEN g %% 25 = 0 THEN '' ELSE 'arn:aws:sts::123456789012:assumed-role/ReadOnly/'
        || u.email END,
    CASE WHEN g %% 25 = 0 THEN '' ELSE 'AROABENCHROLEID:' || u.email END,
    '10.0.0.1'::inet + (g %% 65000), 'Mozilla/5.0 (bench)', t.created_at,
    CASE WHEN g %% 25 = 0 THEN NULL ELSE t.created_at + make_interval(secs => a.session_duration)
        END,
    CASE WHEN g %% 25 = 0 THEN 'failed'
         WHEN g %% 50 = 1 THEN 'revoked'
         WHEN t.created_at + make_interval(secs => a.session_duration) > now() THEN 'active'
         ELSE 'expired' END,
    CASE WHEN g %% 25 = 0 THEN 'AccessDenied' ELSE '' END,
    CASE WHEN g %% 25 = 0 THEN 'The Resource Role does not trust the platform.' ELSE '' END
FROM generate_series(%(first)s, %(last)s) AS g
CROSS JOIN LATERAL (SELECT now() - g * interval '20 seconds' AS created_at) AS t
JOIN (SELECT id, email, row_number() OVER (ORDER BY id) - 1 AS k FROM auth_user
      WHERE username LIKE 'audit-user-%%') AS u ON u.k = g %% %(users)s
JOIN (SELECT id, name, target_role_arn, session_duration,
             row_number() OVER (ORDER BY id) - 1 AS k
      FROM accounts_account WHERE resource_id = %(resource)s) AS a ON a.k = g %% %(accounts)s
"""


def _audit_rows(rows: int):
    """Make sure the audit project holds `rows` sessions; returns (project, auditor, seconds)."""
    from django.db import connection
    from django.utils import timezone

    from sessions_audit.models import AccessSession

    project, resource, account_list, users, auditor = _audit_fixture()
    have = AccessSession.objects.filter(project=project).count()
    started = time.perf_counter()
    if have < rows:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    _INSERT_SQL,
                    {
                        "project": project.pk, "project_name": project.name,
                        "resource": resource.pk, "resource_name": resource.name,
                        "first": have + 1, "last": rows, "users": len(users),
                        "accounts": len(account_list),
                    },
                )  # fmt: skip
                cursor.execute("VACUUM ANALYZE sessions_audit_accesssession")
        else:
            now = timezone.now()
            batch = []
            for g in range(have + 1, rows + 1):
                user, account = users[g % len(users)], account_list[g % len(account_list)]
                created = now - timezone.timedelta(seconds=20 * g)
                failed = g % 25 == 0
                expires = None if failed else created + timezone.timedelta(seconds=3600)
                status = (
                    "failed" if failed else "revoked" if g % 50 == 1
                    else "active" if expires > now else "expired"
                )  # fmt: skip
                batch.append(
                    AccessSession(
                        user=user,
                        user_email=user.email,
                        project=project,
                        project_name=project.name,
                        resource=resource,
                        resource_name=resource.name,
                        account=account,
                        account_name=account.name,
                        target_role_arn=account.target_role_arn,
                        role_session_name=user.email,
                        duration_seconds=3600,
                        created_at=created,
                        expires_at=expires,
                        status=status,
                        failure_code="AccessDenied" if failed else "",
                        source_ip="10.0.0.1",
                        user_agent="Mozilla/5.0 (bench)",
                    )  # fmt: skip
                )
            AccessSession.objects.bulk_create(batch, batch_size=1000)
    return project, account_list, users, auditor, time.perf_counter() - started


def _explain(sql: str) -> dict:
    """EXPLAIN ANALYZE of one captured query: time and the indexes the plan uses."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    indexes = sorted(set(re.findall(r"Index (?:Only )?Scan(?: Backward)? using (\w+)", plan)))
    execution = re.search(r"Execution Time: ([\d.]+) ms", plan)
    return {
        "indexes": indexes,
        "seq_scan": "Seq Scan on sessions_audit_accesssession" in plan,
        "sort": " Sort " in plan or "Sort Key" in plan,
        "execution_ms": float(execution.group(1)) if execution else None,
        "plan": plan,
    }


def probe_audit(args):
    """First, filtered and deep pages of the audit list, through the view."""
    _django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sessions_audit.models import AccessSession
    from sessions_audit.selectors import cursor_encode, sessions_filter

    project, account_list, users, auditor, seed_seconds = _audit_rows(args.rows)
    total = AccessSession.objects.filter(project=project).count()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(auditor)
    base = f"/projects/{project.slug}/sessions/"

    deep_at = max(0, int(total * 0.9) - 1)
    deep_row = sessions_filter(project=project).values("created_at", "id")[deep_at]
    deep_cursor = cursor_encode(AccessSession(created_at=deep_row["created_at"], id=deep_row["id"]))
    pages = {
        "first page": {},
        "filtered page (one user, 1%)": {"user": users[7].email},
        "filtered page (email prefix, no match)": {"user": "nobody@"},
        "filtered page (status=failed, account)": {
            "status": "failed",
            "account": str(account_list[0].pk),
        },  # fmt: skip
        "deep page (90% in)": {"after": deep_cursor},
    }
    results = {"rows": total, "seed_seconds": seed_seconds, "pages": {}}
    for name, params in pages.items():
        timings, cpu, query_counts, rows_shown = [], [], set(), None
        for attempt in range(args.repeat + 1):
            with CaptureQueriesContext(connection) as queries:
                started, cpu_started = time.perf_counter(), time.process_time()
                response = client.get(base, params)
                elapsed = time.perf_counter() - started
                cpu_ms = (time.process_time() - cpu_started) * 1000
            assert response.status_code == 200, (name, response.status_code)
            if attempt:  # the first request warms caches; report the rest
                timings.append(elapsed * 1000)
                cpu.append(cpu_ms)
                query_counts.add(len(queries))
            # Rows on the page: each links to its session's detail page.
            rows_shown = len(set(re.findall(rf"{base}[0-9a-f-]{{36}}/", response.content.decode())))
        main = [
            q["sql"] for q in queries.captured_queries if "sessions_audit_accesssession" in q["sql"]
        ]
        explain = _explain(main[-1]) if main else {}
        results["pages"][name] = {
            "ms_median": statistics.median(timings),
            "ms_max": max(timings),
            "cpu_ms_median": statistics.median(cpu),
            "queries": sorted(query_counts),
            "rows": rows_shown,
            "explain": explain,
        }
    return results


def probe_export(args):
    """The full export of the audit project (CSV or JSON Lines), streamed: time, rows, peak
    RSS."""
    _django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from resources.models import Project

    project = Project.objects.get(slug=AUDIT_SLUG)
    auditor = project.memberships.get(role="auditor").user
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(auditor)
    rss_before = _rss_kb()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(
            f"/projects/{project.slug}/sessions/export.csv", {"format": args.format}
        )
        size = lines = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
        response.close()
        elapsed = time.perf_counter() - started
    return {
        "format": args.format,
        "status": response.status_code,
        "seconds": elapsed,
        "rows": lines - (args.format == "csv"),  # the CSV's header line
        "megabytes": size / 1e6,
        "queries": len(queries),
        "rss_before_mb": rss_before / 1024,
        "peak_rss_mb": _rss_kb("VmHWM") / 1024,
    }


# --- 4. Expiry sweep -----------------------------------------------------------------------


def probe_expire(args):
    """`due` active sessions past their expiry, then one sessions_expire() call."""
    _django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from sessions_audit import services
    from sessions_audit.models import AccessSession

    project, resource, (account,) = _project("bench-expire")
    (user,) = _users("expire-user-", 1, project, "member")
    now = timezone.now()
    template = {
        "user_id": user.pk, "user_email": user.email, "project_id": project.pk,
        "project_name": project.name, "resource_id": resource.pk, "resource_name": resource.name,
        "account_id": account.pk, "account_name": account.name,
        "target_role_arn": account.target_role_arn, "role_session_name": user.email,
        "duration_seconds": 900, "status": "active",
    }  # fmt: skip
    AccessSession.objects.bulk_create(
        [
            AccessSession(
                id=uuid.uuid4(),
                created_at=now - timezone.timedelta(seconds=3600 + i),
                expires_at=now - timezone.timedelta(seconds=2700 + i),
                **template,
            )  # fmt: skip
            for i in range(args.due)
        ],
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE sessions_audit_accesssession")
    due = AccessSession.objects.filter(status="active", expires_at__lte=timezone.now()).count()
    sweep = getattr(services, "sessions_expire", None)
    if sweep is None:
        return {"missing": "sessions_audit.services.sessions_expire does not exist"}
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        updated = sweep()
        elapsed = time.perf_counter() - started
    sql = [q["sql"] for q in queries.captured_queries]
    return {
        "due": due,
        "updated": updated,
        "seconds": elapsed,
        "queries": len(sql),
        "updates": sum(s.lstrip().upper().startswith("UPDATE") for s in sql),
        "table_rows": AccessSession.objects.count(),
    }


PROBES = {
    "seed": probe_seed,
    "count": probe_count,
    "access": probe_access,
    "audit": probe_audit,
    "export": probe_export,
    "expire": probe_expire,
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.probes")
    parser.add_argument("probe", choices=PROBES)
    parser.add_argument("--slug", default="bench-access")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=int, default=3600)
    parser.add_argument("--seed", help="JSON file written by the seed probe")
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--federation-port", type=int)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    args = parser.parse_args(argv)
    print(json.dumps(PROBES[args.probe](args), default=str))


if __name__ == "__main__":
    main()
