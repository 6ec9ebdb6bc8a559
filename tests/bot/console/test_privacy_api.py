"""The supervisors' privacy routes on a real server: roles, CSRF, the typed confirmation, the
lookup, export and erasure of a customer with a whole footprint, and the access trail."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.orm import sessionmaker

from bot.console.customer_lookup import summary
from bot.customer_data.locations import DataLocations
from bot.customer_data.retention import load_policy, purge
from bot.services.access_log import AccessEntryView, recent_access
from bot.services.agents import create_agent
from bot.settings import get_settings
from bot.store.db import get_engine
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tests.bot.console.conftest import PASSWORD, Console, session_cookie
from tests.bot.customer_data.footprints import Footprint, make_footprint
from tools.seed.databases import temporary_database

Session = tuple[str, str]
CUSTOMER = "/api/privacy/customers/C0001"


@dataclass(frozen=True)
class Shop:
    console: Console
    locations: DataLocations
    footprint: Footprint

    def trail(self) -> list[AccessEntryView]:
        return recent_access(self.console.uow())

    def exists(self, public_id: str) -> bool:
        return summary(self.locations, public_id=public_id) is not None


@pytest.fixture
def tracker_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The trackers in a database of their own (CIM_TRACKER_DB), the training files in a
    temporary root: the console finds both as the running product does."""
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("CIM_TRAINING_ROOT", str(tmp_path))
    get_settings.cache_clear()
    with temporary_database("sqlite") as url:
        SQLTrackerStore.SQLEvent.__table__.create(get_engine(url))
        monkeypatch.setenv("CIM_TRACKER_DB", url.removeprefix("sqlite:///"))
        yield url
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
async def shop(console: Console, store: sessionmaker, tracker_url: str, tmp_path: Path) -> Shop:
    locations = DataLocations(
        new_uow=lambda: SqlAlchemyUnitOfWork(store),
        tracker_engine=get_engine(tracker_url),
        data_dir=tmp_path / "data",
    )
    store_url = store.kw["bind"].url.render_as_string(hide_password=False)
    footprint = await make_footprint(
        locations, store_url=store_url, tracker_url=tracker_url, public_id="C0001", tag="console"
    )
    return Shop(console, locations, footprint)


async def staff(console: Console, username: str, role: str) -> Session:
    create_agent(
        console.uow(), username=username, password=PASSWORD, display_name=username, role=role
    )
    return await console.session(username)


async def call(
    console: Console,
    session: Session | None,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    csrf: bool = True,
) -> tuple[int, Any, Any]:
    headers = {"Content-Type": "application/json"}
    if session is not None:
        headers["Cookie"] = session_cookie(session[0])
        if csrf:
            headers["X-CSRF-Token"] = session[1]
    async with console.http.request(
        method, console.url + path, json=body or {}, headers=headers, allow_redirects=False
    ) as response:
        raw = await response.read()
        kind = response.content_type
        data = json.loads(raw) if kind == "application/json" else raw
        return response.status, data, response.headers


ROUTES = [
    ("GET", "/api/privacy/customer?q=C0001"),
    ("GET", "/api/privacy/customer?q=maria@example.com"),
    ("POST", CUSTOMER + "/export"),
    ("POST", CUSTOMER + "/erase"),
    ("GET", "/api/privacy/retention-runs"),
]


@pytest.mark.parametrize("role", ["agent", "trainer"])
async def test_agents_and_trainers_get_403_on_every_privacy_route(shop: Shop, role: str) -> None:
    session = await staff(shop.console, "someone", role)
    for method, path in ROUTES:
        status, body, _ = await call(shop.console, session, method, path, {"confirm": "C0001"})
        assert (status, body) == (403, {"error": "role_not_allowed"}), path
    status, page, _ = await call(shop.console, session, "GET", "/privacy")
    assert status == 403 and b"for supervisors" in page
    assert shop.exists("C0001") and shop.trail() == []


async def test_without_a_session_every_privacy_route_is_401(shop: Shop) -> None:
    for method, path in ROUTES:
        status, body, _ = await call(shop.console, None, method, path)
        assert (status, body) == (401, {"error": "login_required"}), path
    assert (await call(shop.console, None, "GET", "/privacy"))[0] == 303


async def test_a_supervisor_looks_a_customer_up_by_id_and_by_email(shop: Shop) -> None:
    sue = await staff(shop.console, "sue", "supervisor")
    email = shop.footprint.customer.email
    status, by_id, headers = await call(shop.console, sue, "GET", "/api/privacy/customer?q=c0001")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert by_id["customer"]["public_id"] == "C0001" and by_id["customer"]["email"] == email
    counts = by_id["counts"]
    assert counts["conversations"] == 2 and counts["handoffs"] == 1 and counts["orders"] > 0
    path = f"/api/privacy/customer?q={email.upper()}"
    assert (await call(shop.console, sue, "GET", path))[1] == by_id
    assert (await call(shop.console, sue, "GET", "/api/privacy/customer?q=C9999"))[:2] == (
        404,
        {"error": "unknown_customer"},
    )
    for bad in ("", "not%20an%20id", "a@b"):
        path = f"/api/privacy/customer?q={bad}"
        assert (await call(shop.console, sue, "GET", path))[:2] == (400, {"error": "bad_query"})
    trail = shop.trail()
    assert [(e.agent, e.action, e.customer_id, e.address) for e in trail] == [
        ("sue", "view_customer", None, "127.0.0.1"),
        ("sue", "search_customers", shop.footprint.customer.id, "127.0.0.1"),
        ("sue", "view_customer", shop.footprint.customer.id, "127.0.0.1"),
    ]
    assert all(email not in (e.detail or "") and "C0001" not in (e.detail or "") for e in trail)


async def test_a_supervisor_exports_the_customers_data_as_a_zip(shop: Shop) -> None:
    sue = await staff(shop.console, "sue", "supervisor")
    status, body, headers = await call(shop.console, sue, "POST", CUSTOMER + "/export")
    assert status == 200 and headers["Content-Type"] == "application/zip"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Content-Disposition"].startswith('attachment; filename="C0001-export-')
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        document = json.loads(archive.read("customer.json"))
        assert "summary.html" in archive.namelist()
    assert document["customer"] == "C0001" and shop.footprint.note in json.dumps(document)
    [entry] = shop.trail()
    assert (entry.agent, entry.action, entry.customer_id, entry.address) == (
        "sue",
        "export_customer",
        shop.footprint.customer.id,
        "127.0.0.1",
    )


async def test_an_export_needs_the_csrf_token_and_a_known_customer(shop: Shop) -> None:
    sue = await staff(shop.console, "sue", "supervisor")
    path = CUSTOMER + "/export"
    no_token = await call(shop.console, sue, "POST", path, csrf=False)
    assert no_token[:2] == (403, {"error": "bad_csrf_token"})
    unknown = await call(shop.console, sue, "POST", "/api/privacy/customers/C9999/export")
    assert unknown[:2] == (404, {"error": "unknown_customer"})
    bad = await call(shop.console, sue, "POST", "/api/privacy/customers/x'y/export")
    assert bad[:2] == (400, {"error": "bad_customer_id"})
    assert shop.trail() == []


@pytest.mark.parametrize("body", [{}, {"confirm": "C0002"}, {"confirm": ""}, {"confirm": 1}])
async def test_an_erasure_without_the_typed_id_is_refused_and_changes_nothing(
    shop: Shop, body: dict[str, Any]
) -> None:
    sue = await staff(shop.console, "sue", "supervisor")
    before = summary(shop.locations, public_id="C0001")
    status, answer, _ = await call(shop.console, sue, "POST", CUSTOMER + "/erase", body)
    assert (status, answer) == (400, {"error": "confirmation_required"})
    assert summary(shop.locations, public_id="C0001") == before
    assert shop.trail() == []


async def test_an_erasure_needs_the_csrf_token(shop: Shop) -> None:
    sue = await staff(shop.console, "sue", "supervisor")
    path, body = CUSTOMER + "/erase", {"confirm": "C0001"}
    refused = await call(shop.console, sue, "POST", path, body, csrf=False)
    assert refused[:2] == (403, {"error": "bad_csrf_token"}) and shop.exists("C0001")


async def test_a_supervisor_erases_a_customer_with_the_typed_id(shop: Shop) -> None:
    sue = await staff(shop.console, "sue", "supervisor")
    path = CUSTOMER + "/erase"
    status, answer, _ = await call(shop.console, sue, "POST", path, {"confirm": " c0001 "})
    assert status == 200 and sum(answer["receipt"]["removed"].values()) > 0
    assert not shop.exists("C0001") and shop.exists("C0002")
    again = await call(shop.console, sue, "POST", path, {"confirm": "C0001"})
    assert again[0] == 200 and sum(again[1]["receipt"]["removed"].values()) == 0
    assert [(e.agent, e.action, e.customer_id, e.address) for e in shop.trail()] == [
        ("sue", "erase_customer", None, "127.0.0.1"),
        ("sue", "erase_customer", shop.footprint.customer.id, "127.0.0.1"),
    ]
    status, log, _ = await call(shop.console, sue, "GET", "/api/access-log")
    assert [e["action"] for e in log["entries"]][:2] == ["erase_customer", "erase_customer"]


async def test_a_supervisor_sees_the_recent_retention_runs(shop: Shop) -> None:
    sue = await staff(shop.console, "sue", "supervisor")
    assert (await call(shop.console, sue, "GET", "/api/privacy/retention-runs"))[1] == {"runs": []}
    later = datetime(2031, 1, 1, tzinfo=timezone.utc)
    run = purge(shop.locations, load_policy(), now=later, batch_size=100)
    sue = await shop.console.session("sue")  # the run, years ahead, expired her session
    status, body, _ = await call(shop.console, sue, "GET", "/api/privacy/retention-runs")
    [shown] = body["runs"]
    assert status == 200 and shown["id"] == run.id and shown["removed"] == run.removed > 0
    assert shown["as_of"].startswith("2031-01-01")


async def test_the_page_and_its_script_are_served_to_supervisors(shop: Shop) -> None:
    sue = await staff(shop.console, "sue", "supervisor")
    status, page, headers = await call(shop.console, sue, "GET", "/privacy")
    assert status == 200 and "script-src 'self'" in headers["Content-Security-Policy"]
    text = page.decode()
    assert '<script src="privacy.js"></script>' in text and f'data-csrf="{sue[1]}"' in text
    assert "<script>" not in text and "style=" not in text
    status, script, headers = await call(shop.console, sue, "GET", "/privacy.js")
    assert status == 200 and headers["Content-Type"].startswith("application/javascript")
    assert b"textContent" in script and b"innerHTML" not in script


async def test_the_page_escapes_what_it_shows_of_the_supervisor(shop: Shop) -> None:
    create_agent(
        shop.console.uow(),
        username="sly",
        password=PASSWORD,
        display_name='<img src=x onerror="alert(1)">',
        role="supervisor",
    )
    sly = await shop.console.session("sly")
    status, page, _ = await call(shop.console, sly, "GET", "/privacy")
    assert status == 200 and b"<img" not in page and b"&lt;img src=x" in page
