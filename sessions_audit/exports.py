"""Exports of the audit trail: sessions and audit events as CSV or JSON Lines, streamed.

On PostgreSQL the server writes every line: one `COPY (...) TO STDOUT` read through psycopg 3
as it comes, the cells formatted and formula-neutralised in SQL, so no Python runs per row and
memory stays flat. Elsewhere (SQLite) Python writes the same columns and cells, a chunk of rows
at a time. Both write the same values; tests compare the two on PostgreSQL.
"""

import csv
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

from django.db import connection, transaction
from django.db.models import QuerySet

CHUNK_ROWS = 2000
COPY_CHUNK_BYTES = 1 << 20
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The same characters as code points, for SQL's ascii() (0 for an empty string).
_FORMULA_CODES = ", ".join(str(ord(c)) for c in FORMULA_PREFIXES)


class Kind(Enum):
    TEXT = "text"  # free text: formula-neutralised in CSV
    TIME = "time"  # an aware datetime, ISO 8601 in UTC
    PLAIN = "plain"  # a number or a UUID, written as it is
    IP = "ip"  # an address, without a prefix length
    JSON = "json"  # a JSON value: its text in CSV (neutralised), itself in JSON Lines


@dataclass(frozen=True)
class Column:
    name: str  # the header in the file
    field: str  # the queryset's field or annotation
    kind: Kind = Kind.TEXT


SESSION_COLUMNS = (
    Column("created_at", "created_at", Kind.TIME),
    Column("expires_at", "expires_at", Kind.TIME),
    Column("status", "effective_status"),
    Column("user_email", "user_email"),
    Column("project", "project_name"),
    Column("resource", "resource_name"),
    Column("account", "account_name"),
    Column("target_role_arn", "target_role_arn"),
    Column("role_session_name", "role_session_name"),
    Column("assumed_role_arn", "assumed_role_arn"),
    Column("assumed_role_id", "assumed_role_id"),
    Column("duration_seconds", "duration_seconds", Kind.PLAIN),
    Column("source_ip", "source_ip", Kind.IP),
    Column("user_agent", "user_agent"),
    Column("failure_code", "failure_code"),
    Column("failure_message", "failure_message"),
    Column("session_id", "id", Kind.PLAIN),
)
AUDIT_COLUMNS = (
    Column("created_at", "created_at", Kind.TIME),
    Column("actor_email", "actor_email"),
    Column("action", "action"),
    Column("target", "target"),
    Column("detail", "detail", Kind.JSON),
    Column("id", "id", Kind.PLAIN),
)
# The order of each export, newest first (the order of its screen), by its columns' names.
SESSION_ORDER = ("created_at", "session_id")
AUDIT_ORDER = ("id",)


def neutralised(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading formula character gets a quote."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def iso_time(value: datetime) -> str:
    """ISO 8601 in UTC as PostgreSQL writes it: 2026-12-01T10:00:00.12+00:00, the fraction of a
    second only when there is one and without trailing zeros."""
    text = value.astimezone(UTC).isoformat()
    if not value.microsecond:
        return text
    whole, rest = text.split(".", 1)
    return f"{whole}.{rest[:6].rstrip('0')}{rest[6:]}"


def json_value(value):
    """A value as JSON writes it: times in ISO 8601 (iso_time), UUIDs as strings."""
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def session_record(session) -> dict:
    """One session's export columns, as a JSON object (its evidence document)."""
    return {c.name: json_value(getattr(session, c.field)) for c in SESSION_COLUMNS}


def sessions_csv(qs: QuerySet) -> Iterator[bytes | str]:
    return _csv(qs.with_effective_status(), SESSION_COLUMNS, SESSION_ORDER)


def sessions_jsonl(qs: QuerySet) -> Iterator[bytes | str]:
    return _jsonl(qs.with_effective_status(), SESSION_COLUMNS, SESSION_ORDER)


def audit_csv(qs: QuerySet) -> Iterator[bytes | str]:
    return _csv(qs, AUDIT_COLUMNS, AUDIT_ORDER)


def audit_jsonl(qs: QuerySet) -> Iterator[bytes | str]:
    return _jsonl(qs, AUDIT_COLUMNS, AUDIT_ORDER)


# --- Python: every database ----------------------------------------------------------------


class _Echo:
    """csv.writer target that hands each row back instead of buffering it."""

    def write(self, value):
        return value


def _cell(value, kind: Kind) -> str:
    if value is None:
        return ""
    if kind is Kind.TIME:
        return iso_time(value)
    if kind is Kind.JSON:
        return neutralised(json.dumps(value, ensure_ascii=False))
    if kind is Kind.TEXT:
        return neutralised(str(value))
    return str(value)


def _rows(qs: QuerySet, columns) -> Iterator[tuple]:
    return qs.values_list(*(c.field for c in columns)).iterator(chunk_size=CHUNK_ROWS)


def _csv(qs, columns, order) -> Iterator[bytes | str]:
    if connection.vendor == "postgresql":
        return _copy_csv(qs, columns, order)
    return _python_csv(qs, columns)


def _jsonl(qs, columns, order) -> Iterator[bytes | str]:
    if connection.vendor == "postgresql":
        return _copy_jsonl(qs, columns, order)
    return _python_jsonl(qs, columns)


def _python_csv(qs, columns) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([c.name for c in columns])
    for row in _rows(qs, columns):
        yield writer.writerow([_cell(v, c.kind) for v, c in zip(row, columns, strict=True)])


def _python_jsonl(qs, columns) -> Iterator[str]:
    names = [c.name for c in columns]
    for row in _rows(qs, columns):
        record = dict(zip(names, map(json_value, row), strict=True))
        yield json.dumps(record, separators=(",", ":")) + "\n"


# --- PostgreSQL: COPY ... TO STDOUT --------------------------------------------------------


def _sql_neutralised(text: str) -> str:
    # ascii() is the first character's code point; an integer test, far cheaper than left().
    return f"CASE WHEN ascii({text}) IN ({_FORMULA_CODES}) THEN '''' || {text} ELSE {text} END"


def _sql_csv_cell(column: str, kind: Kind) -> str:
    """The cell _cell writes, written by PostgreSQL (NULL stays NULL: an empty cell)."""
    if kind is Kind.TIME:
        # iso_time(): PostgreSQL's own text of the time in UTC, with the ISO "T".
        return f"replace(({column} AT TIME ZONE 'UTC')::text, ' ', 'T') || '+00:00'"
    if kind is Kind.IP:
        return f"host({column})"
    if kind is Kind.PLAIN:
        return f"{column}::text"
    if kind is Kind.JSON:
        return _sql_neutralised(f"{column}::text")
    return _sql_neutralised(column)


def _sql_json_value(column: str, kind: Kind) -> str:
    # PostgreSQL's JSON of a timestamptz is iso_time() in the session's time zone (UTC here).
    return f"host({column})" if kind is Kind.IP else column


def _copy_source(qs, columns, select: str) -> tuple[str, tuple]:
    """`SELECT <select> FROM (<the queryset's SQL>) AS s`, and its parameters."""
    inner, params = qs.order_by().values_list(*(c.field for c in columns)).query.sql_with_params()
    # Built from the constant columns above and the ORM's own SQL, its values as parameters.
    return f"SELECT {select} FROM ({inner}) AS s", params  # noqa: S608


def _order(columns, order, alias: str, *, by_field: bool) -> str:
    by_name = {c.name: c for c in columns}
    return ", ".join(f"{alias}.{_quoted(by_name[n].field if by_field else n)} DESC" for n in order)


def _copy_csv(qs, columns, order) -> Iterator[bytes]:
    select = ", ".join(
        f"{_sql_csv_cell(f's.{_quoted(c.field)}', c.kind)} AS {_quoted(c.name)}" for c in columns
    )
    source, params = _copy_source(qs, columns, select)
    # Sorted on the raw values (s.), not on the text of the cells.
    source += f" ORDER BY {_order(columns, order, 's', by_field=True)}"
    return _copy(f"COPY ({source}) TO STDOUT WITH (FORMAT csv, HEADER true)", params)


def _copy_jsonl(qs, columns, order) -> Iterator[bytes]:
    select = ", ".join(
        f"{_sql_json_value(f's.{_quoted(c.field)}', c.kind)} AS {_quoted(c.name)}" for c in columns
    )
    source, params = _copy_source(qs, columns, select)
    # row_to_json() of a row named as the columns: far cheaper than json_build_object(), and
    # the ordering columns keep their raw values (a time, an id) in it.
    source = (
        f"SELECT row_to_json(r)::text FROM ({source}) AS r "  # noqa: S608
        f"ORDER BY {_order(columns, order, 'r', by_field=False)}"
    )
    # One JSON text per line, as the server wrote it. CSV mode with a quote and a delimiter
    # that JSON text never holds raw (it escapes every control character) copies it unchanged;
    # text mode would double its backslashes.
    return _copy(
        f"COPY ({source}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')", params
    )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _copy(sql: str, params) -> Iterator[bytes]:
    """Stream one COPY ... TO STDOUT in chunks of about COPY_CHUNK_BYTES: psycopg hands over
    the server's messages (a row each), and the WSGI server should write a few hundred times,
    not a million."""
    pending = bytearray()
    with transaction.atomic(), connection.cursor() as cursor:
        # For this transaction only (set_config's is_local): UTC times; no JIT, whose compile
        # costs more than it saves on a plan this simple (the planner turns it on for any query
        # this large).
        cursor.execute(
            "SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, MDY', true),"
            " set_config('jit', 'off', true)"
        )
        with cursor.cursor.copy(sql, params) as copy:
            for block in copy:
                pending += block
                if len(pending) >= COPY_CHUNK_BYTES:
                    yield bytes(pending)
                    pending.clear()
    if pending:
        yield bytes(pending)
