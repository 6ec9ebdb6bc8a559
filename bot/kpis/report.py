"""`cim report`: the dashboard as one self-contained HTML file with PNG charts, for people
who never open the console. Charts are drawn by matplotlib (Agg, no display) and embedded
as data: URIs; every text is escaped. Aggregates only: no customer data is in the file."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import date, datetime, timezone
from html import escape

from sqlalchemy.engine import Connection

from bot.kpis.metric_info import METRICS, MetricInfo, format_value
from bot.kpis.metrics import DIMENSION_LABELS, Group, summary

SPLITS = ("interaction_type", "intent", "channel", "customer_tier")
CHARTED = ("containment_rate", "false_containment_rate", "handoff_rate", "csat")


def _png(title: str, labels: Sequence[str], values: Sequence[float], *, line: bool) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(8, 3.2 if line else 0.4 * len(labels) + 1.2))
    try:
        if line:
            axes.plot(range(len(values)), values, color="#2f7ed8")
            ticks = list(range(0, len(labels), max(1, len(labels) // 8)))
            axes.set_xticks(ticks, [labels[i] for i in ticks], rotation=30, fontsize=7)
        else:
            axes.barh(list(labels), list(values), color="#2f7ed8")
            axes.invert_yaxis()
        axes.set_title(title, fontsize=10)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=90)
    finally:
        pyplot.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _img(title: str, labels: Sequence[str], values: Sequence[float], *, line: bool = False) -> str:
    data = _png(title, labels, values, line=line)
    return f'<figure><img alt="{escape(title)}" src="data:image/png;base64,{data}"></figure>'


def _chart(info: MetricInfo, groups: Sequence[Group], *, line: bool = False) -> str:
    pairs = [(g.key, g.sums.metrics()[info.name]) for g in groups]
    kept = [(k, v * 100 if info.unit == "%" else v) for k, v in pairs if v is not None]
    if not kept:
        return f"<p>{escape(info.label)}: no data in this range.</p>"
    unit = " (%)" if info.unit == "%" else ""
    return _img(info.label + unit, [k for k, _ in kept], [v for _, v in kept], line=line)


def _table(title: str, groups: Sequence[Group]) -> str:
    head = "".join(f"<th>{escape(m.label)}</th>" for m in METRICS)
    rows = "".join(
        f"<tr><th>{escape(g.key)}</th>"
        + "".join(
            f"<td>{escape(format_value(g.sums.metrics()[m.name], m.unit))}</td>" for m in METRICS
        )
        + "</tr>"
        for g in groups
    )
    return f"<h2>{escape(title)}</h2><table><tr><th></th>{head}</tr>{rows}</table>"


STYLE = (
    "body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1d2733}"
    "table{border-collapse:collapse;font-size:12px;margin-bottom:1rem}"
    "td,th{border-bottom:1px solid #dde;padding:.25rem .4rem;text-align:right}"
    "th:first-child{text-align:left}figure{margin:.5rem 0}"
)


def render(db: Connection, *, start: date, end: date) -> str:
    total = summary(db, start=start, end=end)
    days = summary(db, start=start, end=end, by="day")
    by_type = summary(db, start=start, end=end, by="interaction_type")
    reasons = [g for g in summary(db, start=start, end=end, by="handoff_reason") if g.key != "—"]
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        f"<title>KPI report {start} to {end}</title><style>{STYLE}</style></head><body>",
        f"<h1>KPI report, {start.isoformat()} to {end.isoformat()}</h1>",
        f"<p>Made {made}. Definitions: docs/kpis.md.</p>",
        _table("Totals", total),
    ]
    parts += [_chart(m, days, line=True) for m in METRICS if m.name in CHARTED]
    parts += [_chart(m, by_type) for m in METRICS if m.name in CHARTED]
    if reasons:
        counts = [float(g.sums["handed_off"]) for g in reasons]
        parts.append(_img("Handoffs by reason", [g.key for g in reasons], counts))
    for split in SPLITS:
        parts.append(
            _table(
                f"By {DIMENSION_LABELS[split].lower()}", summary(db, start=start, end=end, by=split)
            )
        )
    return "".join(parts) + "</body></html>\n"
