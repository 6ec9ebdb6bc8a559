"""The KPI dashboard's HTML: server-rendered, no script. Every value goes through
`html.escape` (customer text included); charts are inline SVG from bot/kpis/charts_svg.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from typing import Any
from urllib.parse import urlencode

from bot.kpis.access import FULL
from bot.kpis.charts_svg import bar_chart, line_chart
from bot.kpis.metric_info import BY_NAME, METRICS, MetricInfo, format_value
from bot.kpis.metrics import DIMENSION_LABELS, DIMENSIONS, PAGE_SIZE, Drill, Group
from bot.services.views import AgentView


@dataclass(frozen=True)
class View:
    """What the dashboard shows: a date range, a split and a metric to chart."""

    start: date
    end: date
    by: str = "interaction_type"
    metric: str = "containment_rate"

    def params(self, **extra: Any) -> str:
        values = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        values |= {"by": self.by, "metric": self.metric}
        return urlencode({**values, **{k: v for k, v in extra.items() if v is not None}})


def _head(title: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="stylesheet" href="console.css">'
        '<link rel="stylesheet" href="dashboard.css"></head>'
    )


def _header(agent: AgentView, csrf: str, title: str) -> str:
    return (
        f'<header><h1>{escape(title)}</h1><nav><a href="dashboard">Dashboard</a> '
        '<a href="./">Queue</a></nav>'
        f'<span class="who">{escape(agent.display_name)} ({escape(agent.role)})</span>'
        '<form method="post" action="logout">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
        '<button type="submit">Log out</button></form></header>'
    )


def _select(name: str, label: str, options: Sequence[tuple[str, str]], chosen: str) -> str:
    items = "".join(
        f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>{escape(t)}</option>'
        for v, t in options
    )
    return f'<label>{escape(label)} <select name="{name}">{items}</select></label>'


def _range_form(view: View) -> str:
    return (
        '<form method="get" action="dashboard" class="range" aria-label="Date range">'
        f'<label>From <input type="date" name="from" value="{view.start.isoformat()}"'
        " required></label>"
        f'<label>To <input type="date" name="to" value="{view.end.isoformat()}" required></label>'
        + _select("by", "Split by", [(d, DIMENSION_LABELS[d]) for d in DIMENSIONS], view.by)
        + _select("metric", "Chart", [(m.name, m.label) for m in METRICS], view.metric)
        + '<button type="submit">Apply</button></form>'
    )


def drill_link(
    view: View, drill: str, dimension: str | None = None, value: str | None = None
) -> str:
    return "dashboard-conversations?" + view.params(drill=drill, dim=dimension, value=value)


def _tile(view: View, info: MetricInfo, total: Group) -> str:
    value = total.sums.metrics()[info.name]
    count = total.sums[info.count]
    return (
        f'<li class="tile"><span class="label">{escape(info.label)}</span>'
        f'<a class="value" href="{escape(drill_link(view, info.drill))}"'
        f' aria-label="{escape(info.label)}: {escape(format_value(value, info.unit))}">'
        f"{escape(format_value(value, info.unit))}</a>"
        f'<span class="count">n = {count:,}</span></li>'
    )


def _table(view: View, groups: Sequence[Group]) -> str:
    head = "".join(f"<th scope=col>{escape(m.label)}</th>" for m in METRICS)
    body = []
    for group in groups:
        metrics = group.sums.metrics()
        cells = "".join(
            f'<td><a href="{escape(drill_link(view, m.drill, view.by, group.key))}">'
            f"{escape(format_value(metrics[m.name], m.unit))}</a></td>"
            for m in METRICS
        )
        body.append(f"<tr><th scope=row>{escape(group.key)}</th>{cells}</tr>")
    label = escape(DIMENSION_LABELS[view.by])
    return (
        f'<table class="kpis" id="by-dimension"><caption>By {label.lower()}</caption>'
        f"<thead><tr><th scope=col>{label}</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def dashboard_page(
    agent: AgentView,
    csrf: str,
    view: View,
    *,
    total: Group,
    groups: Sequence[Group],
    days: Sequence[Group],
    reasons: Sequence[Group],
) -> str:
    info = BY_NAME[view.metric]
    split = [(g.key, g.sums.metrics()[info.name]) for g in groups]
    by_day = [(g.key, g.sums.metrics()[info.name]) for g in days]
    handed = [(g.key, float(g.sums["handed_off"])) for g in reasons if g.key != "—"]
    tiles = "".join(_tile(view, m, total) for m in METRICS)
    return (
        _head("KPI dashboard")
        + '<body class="dashboard">'
        + _header(agent, csrf, "KPI dashboard")
        + "<main>"
        + _range_form(view)
        + f'<ul class="tiles" aria-label="Totals">{tiles}</ul>'
        + '<section class="charts">'
        + bar_chart(
            f"{info.label} by {DIMENSION_LABELS[view.by].lower()}",
            split,
            unit=info.unit,
            link=lambda key: drill_link(view, info.drill, view.by, key),
        )
        + line_chart(f"{info.label} per day", by_day, unit=info.unit)
        + bar_chart(
            "Handoffs by reason",
            handed,
            unit="n",
            link=lambda key: drill_link(view, "handed_off", "handoff_reason", key),
        )
        + "</section>"
        + _table(view, groups)
        + f'<p class="exports"><a href="dashboard.csv?{escape(view.params())}" download>'
        + "Export this table as CSV</a></p></main></body></html>"
    )


DRILL_HEADERS = (
    ("conversation_id", "Conversation"),
    ("started_at", "Started (UTC)"),
    ("interaction_type", "Type"),
    ("intent", "Intent"),
    ("channel", "Channel"),
    ("customer_tier", "Tier"),
    ("customer_name", "Customer"),
    ("customer_email", "Email"),
    ("handoff_reason", "Handoff reason"),
    ("false_reason", "False containment"),
    ("csat", "CSAT"),
    ("csat_comment", "Comment"),
    ("nps", "NPS"),
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return escape(value.strftime("%Y-%m-%d %H:%M"))
    return escape(str(value))


def drill_page(
    agent: AgentView,
    csrf: str,
    view: View,
    drill: Drill,
    rows: Sequence[Mapping[str, Any]],
    *,
    total: int,
    page: int,
    access: str,
) -> str:
    heads = "".join(f"<th scope=col>{escape(label)}</th>" for _, label in DRILL_HEADERS)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(row.get(name))}</td>" for name, _ in DRILL_HEADERS) + "</tr>"
        for row in rows
    )
    where = (
        f" where {DIMENSION_LABELS[drill.dimension].lower()} = {drill.value}"
        if drill.dimension
        else ""
    )
    query = dict(drill=drill.metric, dim=drill.dimension, value=drill.value)
    pages = _pager(view, query, page, total)
    note = (
        "" if access == FULL else '<p class="note">Customer details are redacted for your role.</p>'
    )
    return (
        _head("KPI drill-down")
        + '<body class="dashboard">'
        + _header(agent, csrf, "KPI drill-down")
        + f'<main><p><a href="dashboard?{escape(view.params())}">← Back to the dashboard</a></p>'
        + f'<h2 id="drill-title">{escape(drill.metric.replace("_", " "))}{escape(where)}:'
        + f" {total:,} conversations, {drill.start.isoformat()} to {drill.end.isoformat()}</h2>"
        + note
        + f'<table class="kpis" id="drill"><thead><tr>{heads}</tr></thead>'
        + f"<tbody>{body}</tbody></table>"
        + pages
        + '<p class="exports"><a href="dashboard-conversations.csv?'
        + f'{escape(view.params(**query))}" download>'
        + "Export these conversations as CSV</a></p></main></body></html>"
    )


def _page_link(view: View, query: dict[str, Any], page: int, text: str) -> str:
    href = escape("dashboard-conversations?" + view.params(**query, page=page))
    return f'<a href="{href}">{text}</a>'


def _pager(view: View, query: dict[str, Any], page: int, total: int) -> str:
    links = []
    if page > 1:
        links.append(_page_link(view, query, page - 1, "Newer"))
    if page * PAGE_SIZE < total:
        links.append(_page_link(view, query, page + 1, "Older"))
    return f'<nav class="pager">Page {page} {" ".join(links)}</nav>'


def message_page(title: str, message: str) -> str:
    return (
        _head(title)
        + f'<body class="dashboard"><main><h1>{escape(title)}</h1>'
        + f'<p role="alert">{escape(message)}</p><p><a href="./">Back</a></p></main></body></html>'
    )
