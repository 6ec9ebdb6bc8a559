"""The KPI dashboard's routes, next to the console's (same login, same session cookie).

Supervisors and trainers see it (trainers with customer details and conversation ids
replaced, see bot/kpis/access.py); other agents get a 403 page, and no session sends the
browser to the login form (the guard's page refusal, bot/console/http.py). Every route is a
GET that changes nothing, so it needs no CSRF token; the pages carry the console's security
headers (CSP without inline script or style). A drill-down (a search of conversations) and
an export are written to the access log."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Connection

from bot.blocking import in_thread
from bot.console import dashboard_pages as pages
from bot.console.host import ConsoleHost
from bot.console.http import Refusal, StaffCall, mount, require_agent, static_file
from bot.console.pages import SECURITY_HEADERS
from bot.kpis import export, metrics
from bot.kpis.access import DASHBOARD_ACCESS, shown
from bot.kpis.metric_info import BY_NAME
from bot.kpis.schema import create_kpi_schema, kpi_daily
from bot.services.access_log import record_access
from bot.services.views import AgentView

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


def add_routes(bp: Blueprint, host: ConsoleHost) -> None:
    kpis = Dashboard(host)
    mount(
        bp,
        [
            (kpis.dashboard, "/dashboard", "GET", "kpi_dashboard"),
            (kpis.drill, "/dashboard-conversations", "GET", "kpi_drill"),
            (kpis.summary_csv, "/dashboard.csv", "GET", "kpi_summary_csv"),
            (kpis.drill_csv, "/dashboard-conversations.csv", "GET", "kpi_drill_csv"),
            (kpis.css, "/dashboard.css", "GET", "kpi_css"),
        ],
    )


def _to_login() -> HTTPResponse:
    return response.redirect("./", status=303, headers={"Cache-Control": "no-store"})


def _not_allowed() -> HTTPResponse:
    page = pages.message_page("Not allowed", "The KPI dashboard is for supervisors.")
    return response.html(page, status=403, headers=SECURITY_HEADERS)


VIEWERS = tuple(DASHBOARD_ACCESS)  # the roles that see the dashboard
PAGE_REFUSAL = Refusal(login_required=_to_login, not_allowed=_not_allowed)


class Dashboard:
    def __init__(self, host: ConsoleHost) -> None:
        self.host = host

    @require_agent(VIEWERS, refusal=PAGE_REFUSAL)
    async def dashboard(self, call: StaffCall) -> HTTPResponse:
        return await self._page(partial(_dashboard_html, _viewer(call), _args(call.request)))

    @require_agent(VIEWERS, refusal=PAGE_REFUSAL)
    async def drill(self, call: StaffCall) -> HTTPResponse:
        await self._log(call, "search_conversations")
        return await self._page(partial(_drill_html, _viewer(call), _args(call.request)))

    @require_agent(VIEWERS, refusal=PAGE_REFUSAL)
    async def summary_csv(self, call: StaffCall) -> HTTPResponse:
        return await self._csv(partial(_summary_csv, _args(call.request)))

    @require_agent(VIEWERS, refusal=PAGE_REFUSAL)
    async def drill_csv(self, call: StaffCall) -> HTTPResponse:
        await self._log(call, "export_conversations")
        return await self._csv(partial(_drill_csv, _viewer(call).access, _args(call.request)))

    async def css(self, _: Request) -> HTTPResponse:
        return await static_file(STATIC, "text/css")

    async def _page(self, work: Callable[[Connection], str]) -> HTTPResponse:
        try:
            html = await self._read(work)
        except BadQuery as error:
            return _bad(error)
        return response.html(html, headers=SECURITY_HEADERS)

    async def _csv(self, work: Callable[[Connection], tuple[str, str]]) -> HTTPResponse:
        try:
            body, name = await self._read(work)
        except BadQuery as error:
            return _bad(error)
        return _csv_response(body, name)

    async def _log(self, call: StaffCall, action: str) -> None:
        """A drill-down or an export, in the access log: who, what query, from where."""
        await in_thread(
            record_access,
            self._uow(),
            agent_id=call.agent.id,
            action=action,
            address=call.address,
            detail=call.request.query_string[:500] or None,
        )

    async def _read(self, work: Callable[[Connection], T]) -> T:
        def run() -> T:
            with self._uow() as uow:
                connection = uow.session.connection()
                create_kpi_schema(connection.engine)
                return work(connection)

        return await in_thread(run)

    def _uow(self) -> Any:
        if self.host.new_uow is None:
            raise RuntimeError("the console is not started")
        return self.host.new_uow()


def _viewer(call: StaffCall) -> Viewer:
    return Viewer(call.agent, call.csrf, DASHBOARD_ACCESS[call.agent.role])


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


def _summary_csv(args: Mapping[str, str], db: Connection) -> tuple[str, str]:
    view = parse_view(args, _newest_day(db))
    groups = metrics.summary(db, start=view.start, end=view.end, by=view.by)
    return export.summary_csv(groups, view.by), f"kpis-{view.by}-{view.start}-{view.end}.csv"


def _drill_csv(access: str, args: Mapping[str, str], db: Connection) -> tuple[str, str]:
    view = parse_view(args, _newest_day(db))
    drill, _ = _drill_of(view, args)
    body = export.export_conversations(db, drill, access=access)
    return body, f"conversations-{drill.metric}-{view.start}-{view.end}.csv"
