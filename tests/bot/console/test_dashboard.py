"""The KPI dashboard in the console's real Sanic server: who may see it, what a trainer
sees of the customer, CSV exports, customer text as text, and bad query strings."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.engine import Engine

from bot.kpis.refresh import refresh
from bot.services.agents import create_agent
from bot.services.ratings import record_rating
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tests.bot.console.conftest import PASSWORD, Console
from tests.bot.kpis import synthetic

XSS = "<img src=x onerror=alert(1)> write to kim0@example.com"
FORMULA = '=HYPERLINK("http://evil.example","click")'
RANGE = "from=2024-03-01&to=2024-03-30"


@dataclass
class KpiConsole:
    console: Console
    month: synthetic.Month

    async def get(self, username: str | None, path: str) -> tuple[int, str, dict[str, str]]:
        headers = {}
        if username is not None:
            cookie, _ = await self.console.session(username)
            headers["Cookie"] = f"cim_agent_session={cookie}"
        url = self.console.url + path
        async with self.console.http.get(url, headers=headers, allow_redirects=False) as reply:
            return reply.status, await reply.text(), dict(reply.headers)


def add_kpis(factory: object, engine: Engine) -> synthetic.Month:
    """The synthetic month, a customer comment with markup and one with a formula."""
    month = synthetic.write_month(factory, engine, days=8)  # type: ignore[arg-type]
    rated = [t for t in month.truths if t.customer is not None and t.csat is not None]
    for truth, comment in ((rated[0], XSS), (rated[1], FORMULA)):
        record_rating(
            SqlAlchemyUnitOfWork(factory),  # type: ignore[arg-type]
            conversation_id=truth.conversation_id,
            rating=1,
            comment=comment,
            now=truth.end,
        )
        truth.csat = 1
    refresh(engine, engine)
    for username, role in (("sue", "supervisor"), ("tom", "trainer")):
        create_agent(
            SqlAlchemyUnitOfWork(factory),  # type: ignore[arg-type]
            username=username,
            password=PASSWORD,
            display_name=username.title(),
            role=role,
        )
    return month


@pytest.fixture
async def kpis(console: Console) -> KpiConsole:
    return KpiConsole(console, add_kpis(console.factory, console.factory.kw["bind"]))


@pytest.mark.parametrize(
    "path",
    ["/dashboard", "/dashboard-conversations", "/dashboard.csv", "/dashboard-conversations.csv"],
)
async def test_without_a_session_the_dashboard_sends_you_to_the_login(
    kpis: KpiConsole, path: str
) -> None:
    status, _, headers = await kpis.get(None, path)
    assert status == 303 and headers["Location"] == "./"


@pytest.mark.parametrize(
    "path",
    ["/dashboard", "/dashboard-conversations", "/dashboard.csv", "/dashboard-conversations.csv"],
)
async def test_an_agent_without_the_supervisor_role_gets_403(kpis: KpiConsole, path: str) -> None:
    status, body, _ = await kpis.get("anna", path + "?" + RANGE)
    assert status == 403
    assert "@example.com" not in body and "month-" not in body


async def test_a_supervisor_sees_charts_and_numbers_with_the_consoles_headers(
    kpis: KpiConsole,
) -> None:
    status, body, headers = await kpis.get("sue", "/dashboard?" + RANGE)
    assert status == 200
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert headers["X-Frame-Options"] == "DENY" and headers["Cache-Control"] == "no-store"
    assert body.count("<svg") == 3 and "<script" not in body
    conversations = len(kpis.month.truths)
    assert re.search(rf'aria-label="Conversations: {conversations:,}"', body)
    assert "dashboard-conversations?" in body and "dashboard.csv?" in body


async def test_the_default_range_is_the_30_days_up_to_the_newest_data(kpis: KpiConsole) -> None:
    # The console fixture queued a handoff just now: the newest data is today's.
    status, body, _ = await kpis.get("sue", "/dashboard")
    newest = datetime.now(timezone.utc).date()
    assert status == 200
    assert f'name="to" value="{newest}"' in body
    assert f'name="from" value="{newest - timedelta(days=29)}"' in body


async def test_a_supervisor_drills_down_and_sees_customer_text_as_text(kpis: KpiConsole) -> None:
    status, body, _ = await kpis.get("sue", f"/dashboard-conversations?{RANGE}&drill=unsatisfied")
    assert status == 200
    unsatisfied = [t for t in kpis.month.truths if t.csat is not None and t.csat <= 3]
    assert f"{len(unsatisfied):,} conversations" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body and "<img" not in body
    assert "kim0@example.com" in body  # a supervisor sees who the customer is


async def test_a_trainer_sees_the_drill_down_with_the_customer_redacted(kpis: KpiConsole) -> None:
    status, body, _ = await kpis.get("tom", f"/dashboard-conversations?{RANGE}&drill=unsatisfied")
    assert status == 200
    assert "[redacted]" in body and "redacted for your role" in body
    assert "@example.com" not in body and "Kim" not in body
    assert "write to [EMAIL]" in body
    assert not any(t.conversation_id in body for t in kpis.month.truths)
    assert re.search(r"<td>K-\d+</td>", body)  # a reference instead of the conversation id


async def test_the_table_exports_as_csv_with_the_dashboards_counts(kpis: KpiConsole) -> None:
    status, body, headers = await kpis.get("sue", f"/dashboard.csv?{RANGE}&by=channel")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(body)))
    expected = synthetic.expected_sums(kpis.month.truths, "channel")
    assert {r["channel"]: int(r["conversations"]) for r in rows} == {
        key: sums["conversations"] for key, sums in expected.items()
    }
    assert {r["channel"]: int(r["handed_off"]) for r in rows} == {
        key: sums["handed_off"] for key, sums in expected.items()
    }


@pytest.mark.parametrize(("user", "sees_email"), [("sue", True), ("tom", False)])
async def test_conversations_export_as_csv_redacted_by_role_and_formula_safe(
    kpis: KpiConsole, user: str, sees_email: bool
) -> None:
    status, body, _ = await kpis.get(
        user, f"/dashboard-conversations.csv?{RANGE}&drill=unsatisfied"
    )
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(body)))
    unsatisfied = {t.conversation_id for t in kpis.month.truths if t.csat and t.csat <= 3}
    if sees_email:
        assert {r["conversation_id"] for r in rows} == unsatisfied
    else:  # a trainer gets a reference of the KPI row, never the conversation id
        assert len(rows) == len(unsatisfied)
        assert all(re.fullmatch(r"K-\d+", r["conversation_id"]) for r in rows)
        assert not any(conversation in body for conversation in unsatisfied)
    assert any("@example.com" in r["customer_email"] for r in rows) is sees_email
    assert ("@example.com" in body) is sees_email  # comments too
    comments = {r["csat_comment"] for r in rows}
    assert (XSS if sees_email else XSS.replace("kim0@example.com", "[EMAIL]")) in comments
    assert all(not r["csat_comment"].startswith("=") for r in rows)
    assert any(r["csat_comment"] == "'" + FORMULA for r in rows)


@pytest.mark.parametrize(
    "query",
    [
        "from=yesterday",
        "from=2024-03-10&to=2024-03-01",
        "from=2000-01-01&to=2024-01-01",
        "by=password",
        "metric=%3Cscript%3E",
        "drill=everything",
        "drill=handed_off&dim=secret&value=x",
        "drill=handed_off&dim=day&value=not-a-day",
        "page=0",
        "page=abc",
        "from=%00%ff",
    ],
)
async def test_a_bad_query_string_gets_a_clear_400(kpis: KpiConsole, query: str) -> None:
    path = "/dashboard-conversations" if "drill" in query or "page" in query else "/dashboard"
    status, body, _ = await kpis.get("sue", f"{path}?{query}")
    assert status == 400
    assert 'role="alert"' in body and "<script>" not in body


async def test_an_unknown_dimension_value_is_an_empty_drill_down(kpis: KpiConsole) -> None:
    value = "%3Cb%3E%F0%9F%98%80" + "x" * 500
    status, body, _ = await kpis.get(
        "sue", f"/dashboard-conversations?{RANGE}&drill=handed_off&dim=intent&value={value}"
    )
    assert status == 200 and ": 0 conversations" in body and "<b>😀" not in body


async def test_drill_downs_and_exports_are_in_the_access_log(kpis: KpiConsole) -> None:
    await kpis.get("tom", f"/dashboard-conversations?{RANGE}&drill=unsatisfied")
    await kpis.get("tom", f"/dashboard-conversations.csv?{RANGE}&drill=unsatisfied")
    await kpis.get("tom", f"/dashboard?{RANGE}")  # aggregates only: not logged
    status, body, _ = await kpis.get("sue", "/api/access-log")
    assert status == 200
    entries = json.loads(body)["entries"]
    assert [(e["agent"], e["action"]) for e in entries] == [
        ("tom", "export_conversations"),
        ("tom", "search_conversations"),
    ]
    assert all("drill=unsatisfied" in e["detail"] and e["address"] for e in entries)
