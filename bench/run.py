"""``python -m bench``: measure, then print one table.

1. Access click: CPU of the Django process per click, cold and warm, round trips (botocore
   requests + federation calls), against moto's server and a federation stand-in, each in its
   own process; the same clicks with AWS's documentation-sample code as the baseline.
2. Concurrency: gunicorn (4 workers) and N simultaneous Access clicks from threads on loopback.
3. Audit pages over many sessions: first, filtered and deep pages; the full CSV export.
4. The expiry sweep over many due sessions.

Numbers are measured in this run, never estimated. The database is created from scratch
(PostgreSQL: ``--database-url``'s database is dropped and recreated; SQLite: the file).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.stubs import free_port, start_federation, start_moto, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pam_bench"
CPU_GOAL_MS = 5.0
PAGE_GOAL_MS = 50.0
EXPORT_RSS_GOAL_MB = 150.0
EXPORT_GOAL_S = 4.0  # for 1,000,000 sessions on PostgreSQL
SWEEP_GOAL_S = 1.0

SIZES = {
    "full": {"clicks": 200, "concurrency": 200, "rows": 1_000_000, "due": 100_000, "workers": 4},
    "smoke": {"clicks": 10, "concurrency": 8, "rows": 300, "due": 200, "workers": 2},
}


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        # Other work on the box while the bench runs shows up here (and in wall times).
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }


class Bench:
    def __init__(self, args):
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="pam-bench-"))
        self.log = open(self.workdir / "services.log", "ab")  # noqa: SIM115
        self.processes: list[subprocess.Popen] = []
        self.moto_port = free_port()
        self.federation_port = free_port()
        self.env = self._env()
        self.database = urlsplit(args.database_url).scheme

    # --- environment and services ----------------------------------------------------------

    def _env(self) -> dict:
        keep = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "AWS_", "PAM_", "DATABASE_URL", "REDIS_URL", "CELERY"))
        }
        return {
            **keep,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "pamsite.settings",
            "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": self.args.database_url,
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{self.moto_port}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "PAM_FEDERATION_ENDPOINT": f"http://127.0.0.1:{self.federation_port}/federation",
            "PAM_PLATFORM_ACCOUNT_ID": "111111111111",
            "PAM_ACCESS_RATE_LIMIT": "100000",
        }

    def start_services(self):
        os.environ.setdefault("PYTHONPATH", str(ROOT))
        self.processes.append(start_moto(self.moto_port, self.log))
        self.processes.append(start_federation(self.federation_port, self.log))

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.log.close()

    def reset_database(self):
        url = urlsplit(self.args.database_url)
        if url.scheme.startswith("postgres"):
            import psycopg

            name = url.path.lstrip("/")
            admin = urlunsplit(url._replace(scheme="postgresql", path="/postgres"))
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
                version = conn.execute("SHOW server_version").fetchone()[0]
                buffers = conn.execute("SHOW shared_buffers").fetchone()[0]
            self.database = f"PostgreSQL {version.split()[0]} (shared_buffers {buffers})"
        elif url.scheme == "sqlite":
            self.database = "SQLite"
            path = Path(self.args.database_url.removeprefix("sqlite:///").removeprefix("sqlite://"))
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        self.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"])

    def run(self, command, **kwargs) -> str:
        result = subprocess.run(  # noqa: S603 - our own argv
            command, cwd=ROOT, env=self.env, capture_output=True, text=True, **kwargs
        )
        if result.returncode:
            sys.stderr.write(result.stderr[-4000:])
            raise RuntimeError(f"{' '.join(map(str, command[:4]))} failed ({result.returncode})")
        if self.args.verbose and result.stderr:
            sys.stderr.write(result.stderr)
        return result.stdout

    def probe(self, name: str, *options) -> dict:
        out = self.run([sys.executable, "-m", "bench.probes", name, *map(str, options)])
        return json.loads(out.strip().splitlines()[-1])

    # --- the four measurements -------------------------------------------------------------

    def access(self) -> dict:
        seed = self.probe("seed", "--slug", "bench-access", "--users", 20)
        seed_file = self.workdir / "access-seed.json"
        seed_file.write_text(json.dumps(seed))
        options = ["--seed", seed_file, "--clicks", self.args.clicks]
        options += ["--federation-port", self.federation_port]
        if self.args.profile:
            options.append("--profile")
        return self.probe("access", *options)

    def concurrency(self) -> dict:
        n = self.args.concurrency
        workers = self.args.workers
        if self.env["DATABASE_URL"].startswith("sqlite"):
            workers = 1  # SQLite has one writer: several workers fail with "database is locked"
        seed = self.probe("seed", "--slug", "bench-load", "--users", n)
        port = free_port()
        gunicorn = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                sys.executable, "-m", "gunicorn", "pamsite.wsgi:application",
                "-w", str(workers), "-b", f"127.0.0.1:{port}",
                "--backlog", "2048", "--timeout", "60",
            ],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.processes.append(gunicorn)
        try:
            wait_for_port(port, process=gunicorn)
            # Every worker up and connected before the burst (a cold worker is part 1's job).
            import httpx

            with httpx.Client() as warm:
                for _ in range(workers * 3):
                    warm.get(f"http://127.0.0.1:{port}/healthz")
            results = _burst(f"http://127.0.0.1:{port}", seed, n)
        finally:
            gunicorn.terminate()
            gunicorn.wait(15)
        counts = self.probe("count", "--slug", "bench-load")
        latencies = [r["ms"] for r in results]
        return {
            "clicks": n,
            "workers": workers,
            "errors": sum(not r["ok"] for r in results),
            "statuses": sorted({str(r["status"]) for r in results}),
            "sessions": sum(counts.values()),
            "sessions_by_status": counts,
            "p50_ms": statistics.median(latencies),
            "p95_ms": _p(latencies, 0.95),
            "max_ms": max(latencies),
        }

    def audit(self) -> dict:
        return self.probe(
            "audit", "--rows", self.args.rows, "--repeat", 3 if self.args.smoke else 7
        )

    def export(self) -> dict:
        # Each in a fresh process, so one's peak RSS is not the other's.
        jsonl = self.probe("export", "--format", "jsonl")
        return {**self.probe("export", "--format", "csv"), "jsonl": jsonl}

    def expire(self) -> dict:
        return self.probe("expire", "--due", self.args.due)


def _p(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _burst(base: str, seed: dict, n: int) -> list[dict]:
    """n threads, one signed-in Access click each, released together."""
    import httpx

    barrier = threading.Barrier(n)
    results: list[dict] = [{} for _ in range(n)]
    url = base + seed["path"]

    def clicker(i):
        cookies = {"sessionid": seed["sessions"][i], "csrftoken": seed["csrf"]}
        headers = {"X-CSRFToken": seed["csrf"], "User-Agent": "pam-bench-load/1"}
        with httpx.Client(cookies=cookies, headers=headers, timeout=120) as client:
            barrier.wait()
            started = time.perf_counter()
            try:
                response = client.post(url)
                status = response.status_code
                ok = status == 302 and "SigninToken=" in response.headers.get("location", "")
            except httpx.HTTPError as exc:
                status, ok = type(exc).__name__, False
            results[i] = {"ms": (time.perf_counter() - started) * 1000, "status": status, "ok": ok}

    threads = [threading.Thread(target=clicker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# --- the table -----------------------------------------------------------------------------


def _row(rows, measure, value, goal="", ok=None):
    mark = "" if ok is None else ("yes" if ok else "NO")
    rows.append((measure, value, goal, mark))


def table(results: dict) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    a = results.get("access")
    if a:
        warm, base, cold = a["warm"], a["baseline"], a["cold"]
        warm_trips = warm["aws_per_click"] + warm["federation_per_click"]
        _row(rows, "1. Access, warm: CPU per click (median)", f"{warm['cpu_ms_median']:.2f} ms",
             f"<= {CPU_GOAL_MS:g} ms", warm["cpu_ms_median"] <= CPU_GOAL_MS)  # fmt: skip
        _row(rows, "   warm: CPU p95 / wall median",
             f"{warm['cpu_ms_p95']:.2f} / {warm['wall_ms_median']:.2f} ms")  # fmt: skip
        _row(rows, "   warm: round trips per click (AWS + federation)",
             f"{warm_trips:g} ({warm['aws_per_click']:g} + {warm['federation_per_click']:g})",
             "2", warm_trips == 2)  # fmt: skip
        _row(rows, "   warm: database queries per click", str(a["queries_per_click"]))
        _row(rows, "   warm, on-request account with a grant: queries per click",
             str(a["on_request_queries_per_click"]), f"<= {a['queries_per_click'] + 1}",
             a["on_request_queries_per_click"] <= a["queries_per_click"] + 1)  # fmt: skip
        _row(rows, "   yardstick: CPU of one ORM pk lookup on this box",
             f"{a['reference_orm_query_cpu_ms']:.2f} ms")  # fmt: skip
        _row(rows, "   cold (first click of a process): CPU / wall",
             f"{cold['cpu_ms']:.1f} / {cold['wall_ms']:.1f} ms")  # fmt: skip
        _row(
            rows,
            "   cold: round trips (AWS + federation)",
            f"{cold['aws'] + cold['federation']} ({cold['aws']} + {cold['federation']})",
        )
        _row(rows, "   baseline (AWS doc sample): CPU per click (median)",
             f"{base['cpu_ms_median']:.2f} ms")  # fmt: skip
        _row(rows, "   baseline: round trips per click",
             f"{base['aws_per_click'] + base['federation_per_click']:g}")  # fmt: skip
        _row(
            rows, "   baseline / ours, CPU", f"{base['cpu_ms_median'] / warm['cpu_ms_median']:.1f}x"
        )
        _row(rows, "   clicks measured (ours + baseline), errors",
             f"{warm['clicks']} + {base['clicks']}, {warm['errors'] + base['errors']}",
             "0 errors", warm["errors"] + base["errors"] == 0)  # fmt: skip
    c = results.get("concurrency")
    if c:
        _row(rows, f"2. {c['clicks']} concurrent clicks, gunicorn {c['workers']} workers: errors",
             str(c["errors"]), "0", c["errors"] == 0)  # fmt: skip
        _row(rows, "   sessions recorded", str(c["sessions"]), str(c["clicks"]),
             c["sessions"] == c["clicks"])  # fmt: skip
        _row(rows, "   latency p50 / p95 / max",
             f"{c['p50_ms']:.0f} / {c['p95_ms']:.0f} / {c['max_ms']:.0f} ms")  # fmt: skip
    au = results.get("audit")
    if au:
        # Constant: each page's count is the same on every request, and a deep page costs what
        # the first does (filters may add the form's lookup of the chosen account).
        pages = au["pages"]
        constant = all(len(p["queries"]) == 1 for p in pages.values()) and (
            pages["first page"]["queries"] == pages["deep page (90% in)"]["queries"]
        )
        for i, (name, page) in enumerate(au["pages"].items()):
            label = f"3. Audit, {au['rows']:,} sessions: {name}" if i == 0 else f"   {name}"
            ex = page["explain"]
            plan = ""
            if ex:
                plan = ", index " + "+".join(ex["indexes"]) if ex["indexes"] else ", no index"
                plan += ", seq scan" if ex["seq_scan"] else ""
            _row(rows, label,
                 f"{page['ms_median']:.1f} ms (CPU {page['cpu_ms_median']:.1f}), "
                 f"{'/'.join(map(str, page['queries']))} queries{plan}",
                 f"<= {PAGE_GOAL_MS:g} ms", page["ms_median"] <= PAGE_GOAL_MS)  # fmt: skip
        _row(rows, "   queries per page constant (first = deep, same on every request)",
             "yes" if constant else "no", "constant", constant)  # fmt: skip
    e = results.get("export")
    if e:
        # The time goal is the CSV's, for a million sessions on PostgreSQL.
        full = e["rows"] >= 1_000_000 and "postgres" in str(results.get("database")).lower()
        for label, x in (("CSV", e), ("JSON Lines", e["jsonl"])):
            goal = full and label == "CSV"
            _row(rows, f"   {label} export, all rows: time",
                 f"{x['seconds']:.1f} s, {x['rows']:,} rows, {x['megabytes']:.0f} MB, "
                 f"{x['queries']} queries",
                 f"<= {EXPORT_GOAL_S:g} s" if goal else "",
                 x["seconds"] <= EXPORT_GOAL_S if goal else None)  # fmt: skip
            _row(rows, f"   {label} export: peak RSS (before)",
                 f"{x['peak_rss_mb']:.0f} MB ({x['rss_before_mb']:.0f} MB)",
                 f"< {EXPORT_RSS_GOAL_MB:g} MB", x["peak_rss_mb"] < EXPORT_RSS_GOAL_MB)  # fmt: skip
    x = results.get("expire")
    if x and "missing" not in x:
        _row(rows, f"4. Expiry sweep, {x['due']:,} due of {x['table_rows']:,} rows: time",
             f"{x['seconds'] * 1000:.0f} ms", f"<= {SWEEP_GOAL_S * 1000:g} ms",
             x["seconds"] <= SWEEP_GOAL_S)  # fmt: skip
        _row(rows, "   queries (UPDATEs), rows updated",
             f"{x['queries']} ({x['updates']}), {x['updated']:,}", "1 UPDATE",
             x["queries"] == 1 and x["updates"] == 1 and x["updated"] == x["due"])  # fmt: skip
    elif x:
        _row(rows, "4. Expiry sweep", x["missing"])
    return rows


def render(rows, *, markdown=False) -> str:
    head = ("measure", "value", "goal", "met")
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "| --- | --- | --- | --- |"]
        lines += ["| " + " | ".join(c.strip() or " " for c in r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*r).rstrip() for r in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (CI)")
    parser.add_argument("--clicks", type=int, help="Access clicks to time (default 200)")
    parser.add_argument("--concurrency", type=int, help="simultaneous clicks (default 200)")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default 4)")
    parser.add_argument("--rows", type=int, help="audit sessions (default 1,000,000)")
    parser.add_argument("--due", type=int, help="sessions due for expiry (default 100,000)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help=f"a database the bench may drop and recreate "
                        f"(default {DEFAULT_DATABASE_URL})")  # fmt: skip
    parser.add_argument(
        "--only",
        default="access,concurrency,audit,export,expire",
        help="comma-separated parts to run",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the warm clicks (stderr)")
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--markdown", help="also write the table and machine as Markdown here")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    for key, value in SIZES["smoke" if args.smoke else "full"].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.database_url = args.database_url or DEFAULT_DATABASE_URL
    parts = [p.strip() for p in args.only.split(",") if p.strip()]

    bench = Bench(args)
    results: dict = {"machine": machine(), "database": urlsplit(args.database_url).scheme}
    started = time.perf_counter()
    try:
        bench.start_services()
        bench.reset_database()
        for part in parts:
            t0 = time.perf_counter()
            results[part] = getattr(bench, part)()
            print(f"[bench] {part} done in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    finally:
        bench.stop()
    results["seconds"] = time.perf_counter() - started
    results["database"] = bench.database
    results["machine"]["load_average_at_end"] = round(os.getloadavg()[0], 2)
    rows = table(results)
    m = results["machine"]
    header = (
        f"machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, Linux {m['kernel']}, "
        f"Python {m['python']}, {results['database']}; load average {m['load_average_at_start']} "
        f"at start, {m['load_average_at_end']} at end; {results['seconds']:.0f} s in all"
    )
    print(header)
    print(render(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    if args.markdown:
        Path(args.markdown).write_text(header + "\n\n" + render(rows, markdown=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
