"""The benchmark still works: `python -m bench --smoke` at tiny sizes prints its table with
sane numbers. Not a timed test: nothing here asserts how fast anything is."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _database_url(tmp_path: Path) -> str:
    """PostgreSQL when the suite runs on it (CI), in a database of the bench's own; else SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return urlunsplit(urlsplit(url)._replace(path="/pam_bench_smoke"))
    return f"sqlite:///{tmp_path / 'bench.sqlite3'}"


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("bench")
    results = tmp_path / "results.json"
    completed = subprocess.run(  # noqa: S603 - our own argv
        [
            sys.executable, "-m", "bench", "--smoke", "--database-url", _database_url(tmp_path),
            "--json", str(results),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-4000:]
    return completed.stdout, json.loads(results.read_text())


def test_prints_the_table_with_every_part(smoke):
    stdout, _ = smoke

    assert all(
        part in stdout
        for part in ("1. Access, warm", "2. 8 concurrent clicks", "3. Audit", "4. Expiry sweep")
    )


def test_access_clicks_are_measured_without_errors(smoke):
    _, results = smoke
    warm, baseline = results["access"]["warm"], results["access"]["baseline"]

    assert (warm["errors"], baseline["errors"], warm["cpu_ms_median"] > 0) == (0, 0, True)


def test_round_trips_are_two_warm_three_cold_and_three_for_the_baseline(smoke):
    _, results = smoke
    access = results["access"]
    cold, warm, baseline = access["cold"], access["warm"], access["baseline"]

    assert (
        cold["aws"] + cold["federation"],
        warm["aws_per_click"] + warm["federation_per_click"],
        baseline["aws_per_click"] + baseline["federation_per_click"],
    ) == (3, 2, 3)


def test_concurrent_clicks_each_record_one_session(smoke):
    _, results = smoke
    burst = results["concurrency"]

    assert (burst["errors"], burst["sessions"]) == (0, burst["clicks"])


def test_audit_pages_show_a_full_page_with_the_same_queries_deep_down(smoke):
    _, results = smoke
    pages = results["audit"]["pages"]

    assert (pages["first page"]["rows"], pages["first page"]["queries"]) == (
        50,
        pages["deep page (90% in)"]["queries"],
    )


def test_export_streams_every_row(smoke):
    _, results = smoke

    assert results["export"]["rows"] == results["audit"]["rows"]


def test_expiry_sweep_is_one_update_of_every_due_session(smoke):
    _, results = smoke
    sweep = results["expire"]

    assert (sweep["queries"], sweep["updates"], sweep["updated"]) == (1, 1, sweep["due"])
