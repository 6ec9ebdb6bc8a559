"""CSV exports of the dashboard: the aggregates by a dimension, and a drill-down's rows.

Cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR) get a leading
apostrophe: customer text must never become a formula on a supervisor's machine.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.kpis.catalogue import METRICS
from bot.kpis.metrics import DRILL_COLUMNS, Group
from bot.kpis.schema import ROLLUP_SUMS

CUSTOMER_COLUMNS = ("customer_public_id", "customer_name", "customer_email", "csat_comment")
MAX_EXPORT_ROWS = 100_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
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
    header = [*DRILL_COLUMNS, *CUSTOMER_COLUMNS]
    return _csv(header, ([row.get(name) for name in header] for row in rows))
