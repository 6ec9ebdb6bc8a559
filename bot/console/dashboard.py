"""The KPI dashboard's routes, next to the console's (same login, same session cookie).

Supervisors and trainers see it (trainers with customer details and conversation ids
replaced, see bot/kpis/access.py); other agents get 403, and no session sends the browser
to the login form. Every route is a GET that changes nothing, so it needs no CSRF token;
the pages carry the console's security headers (CSP without inline script or style). A
drill-down (a search of conversations) and an export are written to the access log.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Connection

from bot.client_address import request_client_address
from bot.console import dashboard_pages as pages
from bot.console import staff_cookies
from bot.console.pages import SECURITY_HEADERS
from bot.kpis import export, metrics
from bot.kpis.access import access_for, shown
from bot.kpis.metric_info import BY_NAME
from bot.kpis.schema import create_kpi_schema, kpi_daily
from bot.services.views import AgentView

if TYPE_CHECKING:
    from bot.console.channel import AgentConsoleInput

STATIC = Path(__file__).resolve().parent / "static" / "dashboard.css"
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366
T = TypeVar("T")


@dataclass(frozen=True)
class Viewer:
    agent: AgentView
    csrf: str
    access: str


class BadQuery(ValueError):
    """A query parameter the dashboard cannot use; the message is shown as is."""


def add_routes(bp: Blueprint, channel: AgentConsoleInput) -> None:
    def route(handler: Callable[..., Any], path: str) -> None:
        async def serve(request: Request) -> HTTPResponse:
            return await handler(request, channel)

        bp.add_route(serve, path, methods=["GET"], name="kpi_" + handler.__name__.strip("_"))

    route(_dashboard, "/dashboard")
    route(_drill, "/dashboard-conversations")
    route(_summary_csv, "/dashboard.csv")
    route(_drill_csv, "/dashboard-conversations.csv")
    route(_css, "/dashboard.css")


async def _css(request: Request, channel: AgentConsoleInput) -> HTTPResponse:
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
    return response.raw(
        STATIC.read_bytes(), content_type="text/css; charset=utf-8", headers=headers
    )


async def _viewer(request: Request, channel: AgentConsoleInput) -> Viewer | HTTPResponse:
    staff = await channel.staff_for(request.cookies.get(staff_cookies.SESSION_COOKIE))
    if staff is None or channel.secret is None:
        return response.redirect("./", status=303, headers={"Cache-Control": "no-store"})
    access = access_for(staff.agent.role)
    if access is None:
        page = pages.message_page("Not allowed", "The KPI dashboard is for supervisors.")
        return response.html(page, status=403, headers=SECURITY_HEADERS)
    csrf = staff_cookies.csrf_token(channel.secret, staff.session.session_id)
    return Viewer(staff.agent, csrf, access)


async def _log(request: Request, channel: AgentConsoleInput, viewer: Viewer, action: str) -> None:
    """A drill-down or an export, in the access log: who, what query, from where."""
    from bot.services.access_log import record_access

    assert channel.new_uow is not None
    record = partial(
        record_access,
        channel.new_uow(),
        agent_id=viewer.agent.id,
        action=action,
        address=request_client_address(request),
        detail=request.query_string[:500] or None,
    )
    await asyncio.get_running_loop().run_in_executor(None, record)


async def _read(channel: AgentConsoleInput, work: Callable[[Connection], T]) -> T:
    def run() -> T:
        assert channel.new_uow is not None
        with channel.new_uow() as uow:
            connection = uow.session.connection()
            create_kpi_schema(connection.engine)
            return work(connection)

    return await asyncio.get_running_loop().run_in_executor(None, run)


def _newest_day(db: Connection) -> date | None:
    return db.scalar(sa.select(sa.func.max(kpi_daily.c.day)))


def parse_view(args: Mapping[str, str], newest: date | None) -> pages.View:
    """The view a query string asks for; by default the 30 days up to the newest data."""
    end = _date(args.get("to"), "to") or newest or date.today()
    start = _date(args.get("from"), "from") or end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise BadQuery("The range ends before it starts.")
    if (end - start).days > MAX_DAYS:
        raise BadQuery(f"The range is longer than {MAX_DAYS} days.")
    by = args.get("by") or "interaction_type"
    metric = args.get("metric") or "containment_rate"
    if by not in metrics.DIMENSIONS:
        raise BadQuery("Unknown split.")
    if metric not in BY_NAME:
        raise BadQuery("Unknown metric.")
    return pages.View(start, end, by, metric)


def _date(raw: str | None, name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise BadQuery(f"'{name}' must be a date like 2024-06-30.") from None


def _args(request: Request) -> dict[str, str]:
    return {key: request.args.get(key) or "" for key in request.args}


def _drill_of(view: pages.View, args: Mapping[str, str]) -> tuple[metrics.Drill, int]:
    try:
        drill = metrics.Drill(
            view.start,
            view.end,
            args.get("drill") or "conversations",
            args.get("dim") or None,
            args.get("value"),
        )
        page = int(args.get("page") or 1)
    except ValueError:
        raise BadQuery("Unknown drill-down.") from None
    if not 1 <= page <= 100_000:
        raise BadQuery("Unknown page.")
    return drill, page


def _bad(error: BadQuery) -> HTTPResponse:
    return response.html(
        pages.message_page("Bad request", str(error)), status=400, headers=SECURITY_HEADERS
    )


async def _dashboard(request: Request, channel: AgentConsoleInput) -> HTTPResponse:
    viewer = await _viewer(request, channel)
    if isinstance(viewer, HTTPResponse):
        return viewer
    try:
        html = await _read(channel, partial(_dashboard_html, viewer, _args(request)))
    except BadQuery as error:
        return _bad(error)
    return response.html(html, headers=SECURITY_HEADERS)


def _dashboard_html(viewer: Viewer, args: Mapping[str, str], db: Connection) -> str:
    view = parse_view(args, _newest_day(db))
    summary = partial(metrics.summary, db, start=view.start, end=view.end)
    return pages.dashboard_page(
        viewer.agent,
        viewer.csrf,
        view,
        total=summary()[0],
        groups=summary(by=view.by),
        days=summary(by="day"),
        reasons=summary(by="handoff_reason"),
    )


async def _drill(request: Request, channel: AgentConsoleInput) -> HTTPResponse:
    viewer = await _viewer(request, channel)
    if isinstance(viewer, HTTPResponse):
        return viewer
    await _log(request, channel, viewer, "search_conversations")
    try:
        html = await _read(channel, partial(_drill_html, viewer, _args(request)))
    except BadQuery as error:
        return _bad(error)
    return response.html(html, headers=SECURITY_HEADERS)


def _drill_html(viewer: Viewer, args: Mapping[str, str], db: Connection) -> str:
    view = parse_view(args, _newest_day(db))
    drill, page = _drill_of(view, args)
    offset = (page - 1) * metrics.PAGE_SIZE
    rows = [shown(r, viewer.access) for r in metrics.conversations(db, drill, offset=offset)]
    total = metrics.count(db, drill)
    return pages.drill_page(
        viewer.agent, viewer.csrf, view, drill, rows, total=total, page=page, access=viewer.access
    )


def _csv_response(body: str, name: str) -> HTTPResponse:
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return response.text(body, content_type="text/csv; charset=utf-8", headers=headers)


async def _summary_csv(request: Request, channel: AgentConsoleInput) -> HTTPResponse:
    viewer = await _viewer(request, channel)
    if isinstance(viewer, HTTPResponse):
        return viewer

    def work(db: Connection) -> tuple[str, str]:
        view = parse_view(_args(request), _newest_day(db))
        groups = metrics.summary(db, start=view.start, end=view.end, by=view.by)
        return export.summary_csv(groups, view.by), f"kpis-{view.by}-{view.start}-{view.end}.csv"

    try:
        body, name = await _read(channel, work)
    except BadQuery as error:
        return _bad(error)
    return _csv_response(body, name)


async def _drill_csv(request: Request, channel: AgentConsoleInput) -> HTTPResponse:
    viewer = await _viewer(request, channel)
    if isinstance(viewer, HTTPResponse):
        return viewer
    await _log(request, channel, viewer, "export_conversations")

    def work(db: Connection) -> tuple[str, str]:
        view = parse_view(_args(request), _newest_day(db))
        drill, _ = _drill_of(view, _args(request))
        body = export.export_conversations(db, drill, access=viewer.access)
        return body, f"conversations-{drill.metric}-{view.start}-{view.end}.csv"

    try:
        body, name = await _read(channel, work)
    except BadQuery as error:
        return _bad(error)
    return _csv_response(body, name)
