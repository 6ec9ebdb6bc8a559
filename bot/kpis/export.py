"""CSV exports of the dashboard: the aggregates by a dimension, and a drill-down's rows.

Cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR) get a leading
apostrophe: customer text must never become a formula on a supervisor's machine. A
trainer's export has the reference `K-<n>` where a supervisor's has the conversation id
(bot/kpis/access.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.kpis.access import FULL, MASK, REFERENCE_PREFIX
from bot.kpis.metric_info import METRICS
from bot.kpis.metrics import DRILL_COLUMNS, JOINED_COLUMNS, Drill, Group, drill_select
from bot.kpis.schema import ROLLUP_SUMS, KpiConversation

CUSTOMER_COLUMNS = ("customer_public_id", "customer_name", "customer_email", "csat_comment")
MAX_EXPORT_ROWS = 100_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def summary_csv(groups: Sequence[Group], dimension: str) -> str:
    """One row per group: its metrics, then the raw counts behind them."""
    header = [dimension, *(m.name for m in METRICS[1:]), *ROLLUP_SUMS]
    rows = []
    for group in groups:
        metrics = group.sums.metrics()
        values = [
            "" if metrics[m.name] is None else round(metrics[m.name] or 0.0, 6) for m in METRICS[1:]
        ]
        rows.append([group.key, *values, *(group.sums[n] for n in ROLLUP_SUMS)])
    return _csv(header, rows)


def conversations_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """Rows already loaded (e.g. a drill-down page), as CSV."""
    header = [*DRILL_COLUMNS, *CUSTOMER_COLUMNS]
    return _csv(header, ([row.get(name) for name in header] for row in rows))


# --- the full export: formatted by the database, written by it on PostgreSQL (COPY) ----------
FACTS = KpiConversation.__table__
_BOOLEANS = {c.name for c in FACTS.columns if isinstance(c.type, sa.Boolean)}


def _started(dialect: str) -> Any:
    column = FACTS.c.started_at
    if dialect == "postgresql":
        utc = sa.func.timezone("UTC", column)
        return sa.func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    return sa.func.strftime("%Y-%m-%dT%H:%M:%SZ", column)


def _formula_safe(column: Any) -> Any:
    first = sa.func.substr(column, 1, 1)
    # Equalities, not IN: an expanding IN list would not survive mogrify for COPY.
    risky = sa.or_(*(first == start for start in _FORMULA_START))
    return sa.case((risky, sa.literal("'") + column), else_=column)


def export_columns(dialect: str, access: str) -> list[Any]:
    """The export's columns as SQL expressions, so both databases write the same text."""
    columns: list[Any] = []
    for name in DRILL_COLUMNS:
        column: Any = FACTS.c[name]
        if name == "started_at":
            column = _started(dialect)
        elif name == "conversation_id" and access != FULL:
            column = sa.literal(REFERENCE_PREFIX) + sa.cast(FACTS.c.id, sa.String)
        elif name in _BOOLEANS:
            column = sa.case((column, 1), else_=0)
        columns.append(column.label(name))
    for name, joined in JOINED_COLUMNS.items():
        if access != FULL and name != "csat_comment":
            joined = sa.case((joined.is_(None), sa.null()), else_=sa.literal(MASK))
        if name == "csat_comment" and access != FULL:
            joined = FACTS.c.csat_comment_redacted
        columns.append(_formula_safe(joined).label(name))
    return columns


def export_conversations(db: Connection, drill: Drill, *, access: str) -> str:
    """Up to MAX_EXPORT_ROWS conversations behind a number, as CSV, formatted and redacted
    in SQL (a trainer gets the comment the refresh redacted); PostgreSQL writes it itself
    (COPY ... TO STDOUT), SQLite row by row, to the same text."""
    query = drill_select(drill, export_columns(db.dialect.name, access), limit=MAX_EXPORT_ROWS)
    if db.dialect.name == "postgresql":
        return _copy(db, query)
    return _csv([*DRILL_COLUMNS, *CUSTOMER_COLUMNS], db.execute(query).all())


def _copy(db: Connection, query: Any) -> str:
    compiled = query.compile(dialect=db.dialect)
    cursor = db.connection.cursor()
    try:
        statement = cursor.mogrify(str(compiled), compiled.params).decode()
        buffer = io.StringIO()
        cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER true)", buffer)
    finally:
        cursor.close()
    return buffer.getvalue()
