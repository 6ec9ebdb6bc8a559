"""Attacks on the staff side, replayed against the real processes (issue 14).

Findings 2 (conversation ids shown to trainers and sent in the handoff webhook), 4 (the
console under Rasa's `--cors`), 5 (trainers read the queue, the context packet and the live
feed), 7 (console secrets), 8 (login throttling), 11 (sessions outlive logout and
deactivation), 12 (any agent reads any handoff; no access log) and 19 (password hashing).

`console_stack` is Rasa and the action server in production mode, with four strong secrets,
HAProxy's address (127.0.0.1) as the trusted proxy, a webhook receiver and a fast KPI refresh.
The shop is not started: its port serves the attacker's page instead, on the shop's origin.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import dataclasses
import hashlib
import io
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio

from bot.console import staff_cookies
from bot.customer_tokens import sign_token
from bot.services import queue
from bot.services.agents import create_agent, set_active, set_password
from bot.services.views import HandoffView
from bot.store.db import session_factory
from bot.store.models import Agent
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tests.browser import CHROMIUM_ARGS, chromium_executable, expect
from tests.e2e.stack import Stack, running_stack
from tests.e2e.test_socketio import Customer
from tests.waiting import until, wait_until
from tools.processes.supervisor import ServiceFailed
from tools.seed.demo_store import ensure_seeded

PASSWORD = "staff password for the attack tests"
ASK_FOR_HUMAN = "I want to talk to a human agent"
MARIA_EMAIL = "maria.garcia@example.com"
CONSOLE = "/webhooks/console"


def strong_secrets() -> dict[str, str]:
    return {
        "CIM_TOKEN_SECRET": secrets.token_urlsafe(36),
        "CIM_RASA_AUTH_TOKEN": secrets.token_urlsafe(36),
        "CIM_CONSOLE_SECRET": secrets.token_urlsafe(36),
        "CIM_ACTION_TOKEN": secrets.token_urlsafe(36),
    }


class Receiver:
    """A tiny HTTP server: records JSON posts (the handoff webhook) and serves one page."""

    def __init__(self, port: int = 0) -> None:
        self.posts: list[dict[str, Any]] = []
        self.page = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                receiver.posts.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(204)
                self.end_headers()

            def do_GET(self) -> None:
                body = receiver.page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def webhook() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory, webhook: Receiver) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("console-stack")
    database_url = f"sqlite:///{tmp / 'shop.db'}"
    ensure_seeded(database_url)
    env = {
        "CIM_ENV": "production",
        **strong_secrets(),
        "CIM_TRUSTED_PROXIES": "127.0.0.1",
        "CIM_HANDOFF_WEBHOOK_URL": webhook.url + "/hook",
        "CIM_KPI_REFRESH_SECONDS": "2",
    }
    with running_stack(tmp, database_url=database_url, only={"rasa", "actions"}, env=env) as s:
        s.settings = dataclasses.replace(s.settings, token_secret=env["CIM_TOKEN_SECRET"])
        yield s


def uow(stack: Stack) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(session_factory(stack.settings.database_url))


def staff(stack: Stack, role: str = "agent", team: str | None = None) -> str:
    """A new member of staff (the CLI does the same), with PASSWORD; returns the username."""
    username = f"{role[:3]}{secrets.token_hex(4)}"
    create_agent(
        uow(stack),
        username=username,
        password=PASSWORD,
        display_name=username.title(),
        role=role,
        team=team,
    )
    return username


class Staff:
    """One member of staff's HTTP session with the console, through the proxy as `client`
    (X-Forwarded-For, believed from 127.0.0.1 only). Cookies are kept by hand: production
    marks them Secure, and this is plain HTTP on loopback."""

    def __init__(self, stack: Stack, client: str = "192.0.2.10") -> None:
        self.base = stack.rasa_url + CONSOLE
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = client
        self.cookie = ""
        self.csrf = ""
        self.username = ""

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        form = self.http.get(self.base + "/", timeout=10)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token is not None, form.text
        nonce = _set_cookie(form, staff_cookies.LOGIN_COOKIE)
        answer = self.http.post(
            self.base + "/login",
            data={"username": username, "password": password, "csrf_token": token.group(1)},
            headers={"Cookie": f"{staff_cookies.LOGIN_COOKIE}={nonce}"},
            allow_redirects=False,
            timeout=30,
        )
        if answer.status_code == 303:
            self.username = username
            self.cookie = _set_cookie(answer, staff_cookies.SESSION_COOKIE)
            page = self.get_page("/")
            csrf = re.search(r'data-csrf="([^"]+)"', page.text)
            self.csrf = csrf.group(1) if csrf else ""
        return answer

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Cookie": f"{staff_cookies.SESSION_COOKIE}={self.cookie}", **extra}

    def get_page(self, path: str, **headers: str) -> requests.Response:
        return self.http.get(self.base + path, headers=self.headers(**headers), timeout=10)

    def get(self, path: str) -> tuple[int, Any]:
        answer = self.get_page(path)
        try:
            return answer.status_code, answer.json()
        except ValueError:
            return answer.status_code, answer.text

    def act(self, handoff_id: int, action: str, **body: Any) -> tuple[int, Any]:
        answer = self.http.post(
            f"{self.base}/api/handoffs/{handoff_id}/{action}",
            json=body,
            headers=self.headers(**{"X-CSRF-Token": self.csrf}),
            timeout=30,
        )
        return answer.status_code, answer.json()


def _set_cookie(answer: requests.Response, name: str) -> str:
    found = re.search(rf"{name}=([^;]*)", answer.headers.get("Set-Cookie", ""))
    assert found is not None, answer.headers
    return found.group(1)


def logged_in(stack: Stack, username: str, client: str = "192.0.2.10") -> Staff:
    member = Staff(stack, client)
    answer = member.login(username)
    assert answer.status_code == 303, answer.text
    return member


async def waiting_customer(stack: Stack, customer: str = "C0001") -> tuple[Customer, HandoffView]:
    """A signed-in customer who asked for a person; the handoff is queued."""
    token = sign_token(customer, secret=stack.settings.token_secret, ttl_seconds=3600)
    chat = Customer(stack, secrets.token_hex(16), {"customer_token": token})
    await chat.__aenter__()
    await chat.say(ASK_FOR_HUMAN)
    handoff = queue.active_handoff_for(uow(stack), conversation_id=chat.session_id)
    assert handoff is not None and handoff.state == "queued", handoff
    return chat, handoff


async def agents_socket(
    stack: Stack, member: Staff, origin: str | None = None
) -> tuple[socketio.AsyncClient, asyncio.Queue[Any]]:
    """The /agents live feed as the console page opens it (cookie, and the page's Origin)."""
    client = socketio.AsyncClient(reconnection=False)
    events: asyncio.Queue[Any] = asyncio.Queue()
    client.on("handoff", events.put_nowait, namespace="/agents")
    client.on("disconnect", lambda *_: events.put_nowait({"kind": "disconnected"}), "/agents")
    headers = member.headers()
    if origin is not None:
        headers["Origin"] = origin
    await client.connect(
        stack.rasa_url, namespaces=["/agents"], transports=["polling"], headers=headers
    )
    return client, events


async def feed_until(events: asyncio.Queue[Any], kind: str, timeout: float = 8.0) -> list[Any]:
    """Everything the feed pushed until an event of `kind` (or the time-out)."""
    seen: list[Any] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = await asyncio.wait_for(events.get(), deadline - time.monotonic())
        except asyncio.TimeoutError:
            break
        seen.append(event)
        if event.get("kind") == kind:
            break
    return seen


# --- finding 4: the console under Rasa's --cors, from the shop's origin, in Chromium -------

ATTACK_PAGE = """<!doctype html><meta charset="utf-8"><title>shop</title><script>
const q = new URLSearchParams(location.search);
const base = q.get("console"), handoff = q.get("handoff");
window.results = {}; window.frames_ = [];
async function grab(name, url, init) {
  try {
    const r = await fetch(url, Object.assign({credentials: "include"}, init || {}));
    window.results[name] = {status: r.status, body: await r.text()};
  } catch (e) { window.results[name] = {error: String(e)}; }
}
function feed() {
  return new Promise((resolve) => {
    const ws = new WebSocket(base.replace(/^http/, "ws").replace(/\\/webhooks\\/console$/, "")
      + "/socket.io/?EIO=4&transport=websocket");
    ws.onmessage = (m) => {
      const data = String(m.data); window.frames_.push(data);
      if (data.startsWith("0")) ws.send("40/agents,");
      else if (data === "2") ws.send("3");
      if (/^4[04].agents,/.test(data)) window.feedAnswered = true;
    };
    ws.onerror = () => { window.frames_.push("error"); window.feedAnswered = true; };
    ws.onclose = () => { window.feedAnswered = true; resolve(); };
    window.closeFeed = () => { ws.close(); resolve(); };
  });
}
(async () => {
  await grab("packet", base + "/api/handoffs/" + handoff);
  await grab("queue", base + "/api/queue");
  await grab("page", base + "/");
  const token = /data-csrf="([^"]+)"/.exec((window.results.page || {}).body || "");
  await grab("claim", base + "/api/handoffs/" + handoff + "/claim", {method: "POST",
    headers: {"Content-Type": "application/json", "X-CSRF-Token": token ? token[1] : "x"},
    body: "{}"});
  await grab("note", base + "/api/handoffs/" + handoff + "/notes", {method: "POST",
    mode: "no-cors", headers: {"Content-Type": "text/plain"},
    body: JSON.stringify({text: "planted by the shop page"})});
  window.fetched = true;
  await feed();
})();
</script>"""


async def test_a_page_on_the_shops_origin_can_read_or_change_nothing_in_the_console(
    console_stack: Stack,
) -> None:
    """Finding 4. Before: the page read the packet (Maria's email and phone), the queue and
    the CSRF token, and joined the agents' live feed; after: nothing."""
    from playwright.async_api import async_playwright

    stack = console_stack
    shop = Receiver(stack.ports.web)  # the shop's origin (in Rasa's --cors list)
    shop.page = ATTACK_PAGE
    username = staff(stack, "agent")
    chat, handoff = await waiting_customer(stack)
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=chromium_executable(), args=CHROMIUM_ARGS
            )
            try:
                context = await browser.new_context()
                console_page = await context.new_page()
                feed: list[str] = []  # what the agent's own console page receives
                console_page.on(
                    "websocket", lambda ws: ws.on("framereceived", lambda f: feed.append(str(f)))
                )
                await console_page.goto(stack.rasa_url + CONSOLE + "/")
                await console_page.get_by_label("Username").fill(username)
                await console_page.get_by_label("Password").fill(PASSWORD)
                await console_page.get_by_role("button", name="Log in").click()
                live = console_page.locator("#connection")  # the console's own page: live
                await expect()(live).to_have_text("live", timeout=10_000)
                cookies = [c["name"] for c in await context.cookies(stack.rasa_url)]
                assert staff_cookies.SESSION_COOKIE in cookies  # the agent is logged in

                page = await context.new_page()
                target = f"{stack.rasa_url}{CONSOLE}"
                await page.goto(f"{shop.url}/attack.html?console={target}&handoff={handoff.id}")
                await page.wait_for_function("window.fetched === true", timeout=15_000)
                await page.wait_for_function("window.feedAnswered === true", timeout=10_000)
                await chat.client.emit(
                    "user_uttered", {"message": "my card is on file", "session_id": chat.session_id}
                )
                await until(  # relayed to the agents: the shop's page would have it too
                    lambda: any("my card is on file" in frame for frame in feed),
                    timeout=30,
                    what="the message on the agent's own feed",
                )
                results = await page.evaluate("window.results")
                frames = await page.evaluate("window.frames_")
                await page.evaluate("window.closeFeed && window.closeFeed()")
            finally:
                await browser.close()
    finally:
        shop.close()
        await chat.__aexit__()

    achieved = [
        f"read {name}: {result['body'][:120]}"
        for name, result in results.items()
        if result.get("body")
    ]
    joined = [f for f in frames if f.startswith(("40/agents,{", "42/agents,"))]  # 44: refused
    achieved += [f"feed frame: {frame[:160]}" for frame in joined]
    after = queue.position_of(uow(stack), handoff_id=handoff.id)
    assert after is not None
    if after.handoff.state != "queued":
        achieved.append(f"the handoff was {after.handoff.state} by the shop's page")
    if queue.notes_for(uow(stack), handoff_id=handoff.id):
        achieved.append("the shop's page added a note")
    assert not achieved, " | ".join(achieved)


def test_the_console_sends_no_cors_headers_and_refuses_other_origins(
    console_stack: Stack,
) -> None:
    """Finding 4 without a browser: what sanic-cors answered before (Access-Control-Allow-*
    for the shop's origin, with credentials) is gone, preflights included, and a request
    that says it comes from another origin or site is refused."""
    stack = console_stack
    sue = logged_in(stack, staff(stack, "supervisor"))
    shop = f"http://127.0.0.1:{stack.ports.web}"
    preflight = requests.options(
        sue.base + "/api/queue",
        headers={"Origin": shop, "Access-Control-Request-Method": "GET"},
        timeout=10,
    )
    cors = {k: v for k, v in preflight.headers.items() if k.lower().startswith("access-control")}
    assert cors == {}, f"preflight allowed: {cors}"
    for headers in ({"Origin": shop}, {"Sec-Fetch-Site": "same-site"}, {"Origin": "null"}):
        answer = sue.get_page("/api/queue", **headers)
        allowed = {k: v for k, v in answer.headers.items() if k.lower().startswith("access-")}
        assert allowed == {}, allowed
        assert answer.status_code == 403, (headers, answer.status_code, answer.text[:200])
    own = sue.get_page("/api/queue", Origin=stack.rasa_url, **{"Sec-Fetch-Site": "same-origin"})
    assert own.status_code == 200


# --- finding 5: trainers and the personal data of the queue ---------------------------------


async def test_a_trainer_gets_no_queue_no_packet_and_no_live_feed(console_stack: Stack) -> None:
    """Before: the trainer read the queue (names), the packet (email, phone) and the feed."""
    stack = console_stack
    tina = logged_in(stack, staff(stack, "trainer"))
    chat, handoff = await waiting_customer(stack)
    achieved = []
    try:
        for path in ("/api/queue", f"/api/handoffs/{handoff.id}"):
            status, body = tina.get(path)
            if status != 403:
                achieved.append(f"{path}: {status} {str(body)[:160]}")
        try:
            client, events = await agents_socket(stack, tina)
            await chat.client.emit(
                "user_uttered", {"message": "for the trainer?", "session_id": chat.session_id}
            )
            feed = await feed_until(events, "customer_message", timeout=6)
            await client.eio.disconnect(abort=True)
            achieved.append(f"/agents feed: {feed}")
        except socketio.exceptions.ConnectionError:
            pass
    finally:
        await chat.__aexit__()
    assert not achieved, " | ".join(achieved)


# --- finding 2: conversation ids to roles that don't need them --------------------------------


async def test_trainers_and_the_webhook_see_no_conversation_ids(
    console_stack: Stack, webhook: Receiver
) -> None:
    """Before: the trainer's drill-down and CSV listed the conversation ids (the signed
    widget session ids), and the webhook posted them; supervisors keep them."""
    stack = console_stack
    chat, handoff = await waiting_customer(stack)
    await chat.__aexit__()
    conversation = chat.session_id
    tina = logged_in(stack, staff(stack, "trainer"))
    sue = logged_in(stack, staff(stack, "supervisor"))
    today = date.today()
    query = f"?from={today - timedelta(days=2)}&to={today + timedelta(days=1)}"
    wait_until(
        lambda: conversation in sue.get_page("/dashboard-conversations" + query).text,
        timeout=30,
        interval=0.5,
        what="the KPI refresh to see the conversation",
    )
    assert conversation in sue.get_page("/dashboard-conversations.csv" + query).text
    drill = tina.get_page("/dashboard-conversations" + query)
    export = tina.get_page("/dashboard-conversations.csv" + query)
    assert drill.status_code == 200 and export.status_code == 200
    assert list(csv.DictReader(io.StringIO(export.text)))
    achieved = [
        f"{where} shows it"
        for where, text in (("the trainer's drill-down", drill.text), ("their CSV", export.text))
        if conversation in text
    ]
    post = wait_until(
        lambda: next((p for p in webhook.posts if p.get("handoff_id") == handoff.id), None),
        timeout=15,
        interval=0.1,
        what="the webhook's call",
    )
    if conversation in json.dumps(post):
        achieved.append(f"the webhook got it: {post}")
    assert not achieved, f"conversation {conversation}: " + " | ".join(achieved)
    assert post["console_url"] is None or post["console_url"].endswith(f"#H-{handoff.id}")


# --- finding 12: who reads which handoff ---------------------------------------------------


async def test_agents_read_only_their_teams_open_handoffs_and_every_view_is_logged(
    console_stack: Stack,
) -> None:
    """Before: an agent of another team read Maria's packet, anyone read a closed handoff
    and added notes to it, and there was no access log."""
    stack = console_stack
    chat, handoff = await waiting_customer(stack)
    await chat.__aexit__()
    gil = logged_in(stack, staff(stack, "agent", team=handoff.team), client="198.51.100.21")
    bea = logged_in(stack, staff(stack, "agent", team="elsewhere"), client="198.51.100.22")
    other = logged_in(stack, staff(stack, "agent", team=handoff.team), client="198.51.100.23")
    sue = logged_in(stack, staff(stack, "supervisor"), client="198.51.100.24")
    achieved = []

    outsider = bea.get(f"/api/handoffs/{handoff.id}")
    if outsider[0] not in (403, 404):
        achieved.append(f"another team's agent read: {str(outsider[1])[:160]}")
    if handoff.id in [e["id"] for e in bea.get("/api/queue")[1].get("queue", [])]:
        achieved.append("another team's agent saw it in the queue")
    assert gil.get(f"/api/handoffs/{handoff.id}")[0] == 200

    assert gil.act(handoff.id, "claim")[0] == 200
    assert gil.act(handoff.id, "resolve", disposition="solved")[0] == 200
    closed = other.get(f"/api/handoffs/{handoff.id}")
    if closed[0] not in (403, 404):
        achieved.append(f"a team mate read the closed handoff: {str(closed[1])[:120]}")
    assert gil.get(f"/api/handoffs/{handoff.id}")[0] == 200  # the agent who had it
    assert sue.get(f"/api/handoffs/{handoff.id}")[0] == 200
    noted = gil.act(handoff.id, "notes", text="added after closing")
    if noted[0] != 409:
        achieved.append(f"a note on the closed handoff: {noted}")

    status, log = sue.get(f"/api/access-log?handoff_id={handoff.id}")
    if status != 200:
        achieved.append(f"no access log for the supervisor: HTTP {status}")
    assert not achieved, " | ".join(achieved)
    views = [(e["agent"], e["action"], e["address"]) for e in log["entries"]]
    assert (gil.username, "view_handoff", "198.51.100.21") in views
    assert (sue.username, "view_handoff", "198.51.100.24") in views
    assert all(e["customer_id"] == handoff.customer_id for e in log["entries"])
    assert gil.get("/api/access-log")[0] == 403


# --- finding 11: sessions that outlive logout, password change and deactivation ---------------


async def test_logout_and_a_password_change_revoke_the_session(console_stack: Stack) -> None:
    """Before: the cookie of a logged-out agent still read the queue, and so did the cookie
    of one whose password had been changed."""
    stack = console_stack
    username = staff(stack, "agent")
    member = logged_in(stack, username)
    kept = member.cookie
    answer = member.http.post(
        member.base + "/logout",
        data={"csrf_token": member.csrf},
        headers=member.headers(),
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303
    member.cookie = kept
    achieved = []
    if member.get("/api/queue")[0] != 401:
        achieved.append("the cookie still worked after logging out")
    second = logged_in(stack, username)
    set_password(uow(stack), username=username, password=PASSWORD + " changed")
    if second.get("/api/queue")[0] != 401:
        achieved.append("the cookie still worked after a new password")
    assert not achieved, " | ".join(achieved)


async def test_a_deactivated_agents_socket_is_cut_off(console_stack: Stack) -> None:
    """Before: the deactivated agent's socket kept receiving the customer's messages."""
    stack = console_stack
    username = staff(stack, "agent")
    dora = logged_in(stack, username)
    chat, _ = await waiting_customer(stack)
    client, events = await agents_socket(stack, dora)
    try:
        set_active(uow(stack), username=username, active=False)
        await chat.client.emit(
            "user_uttered", {"message": "after deactivation", "session_id": chat.session_id}
        )
        seen = await feed_until(events, "disconnected", timeout=8)
    finally:
        await client.eio.disconnect(abort=True)
        await chat.__aexit__()
    texts = [event.get("text") for event in seen]
    assert "after deactivation" not in texts, f"a deactivated agent still received: {seen}"
    assert {"kind": "disconnected"} in seen


# --- finding 7: the console's key and the secrets policy --------------------------------------


def test_a_supervisor_cookie_forged_with_the_shops_secret_is_refused(console_stack: Stack) -> None:
    """The shop's backend holds CIM_TOKEN_SECRET; a key derived from it signs nothing."""
    stack = console_stack
    sue = staff(stack, "supervisor")
    with uow(stack) as work:
        agent_id = work.agents.get_by_username(username=sue).id  # type: ignore[union-attr]
    forged = staff_cookies.issue(
        staff_cookies.derive_secret(stack.settings.token_secret),
        agent_id=agent_id,
        ttl_seconds=3600,
    )
    answer = requests.get(
        stack.rasa_url + CONSOLE + "/api/queue",
        headers={"Cookie": f"{staff_cookies.SESSION_COOKIE}={forged}"},
        timeout=10,
    )
    assert answer.status_code == 401, answer.text[:200]


WEAK = {
    "console secret missing": {"CIM_CONSOLE_SECRET": ""},
    "console secret x": {"CIM_CONSOLE_SECRET": "x"},
    "one repeated character": {"CIM_CONSOLE_SECRET": "z" * 48},
    "a short repeated pattern": {"CIM_CONSOLE_SECRET": "Ab3$" * 12},
    "action token missing": {"CIM_ACTION_TOKEN": ""},
}


@pytest.mark.parametrize("weakness", sorted(WEAK))
def test_production_refuses_weak_or_shared_console_secrets(tmp_path: Path, weakness: str) -> None:
    """Before: Rasa started in production with each of these, and with no console secret the
    session key came from CIM_TOKEN_SECRET, so the shop could sign a supervisor's cookie."""
    env = {"CIM_ENV": "production", **strong_secrets(), **WEAK[weakness]}
    _expect_refusal(tmp_path, env)


def test_production_refuses_the_same_value_for_every_secret(tmp_path: Path) -> None:
    shared = secrets.token_urlsafe(36)
    env = {"CIM_ENV": "production", **{name: shared for name in strong_secrets()}}
    _expect_refusal(tmp_path, env)


def _expect_refusal(tmp: Path, env: dict[str, str]) -> None:
    database_url = f"sqlite:///{tmp / 'shop.db'}"
    ensure_seeded(database_url)
    achieved = ""
    try:
        with running_stack(tmp, database_url=database_url, only={"rasa"}, env=env) as stack:
            achieved = "Rasa started"
            if not env["CIM_CONSOLE_SECRET"]:
                achieved += "; " + _forge_supervisor(stack, env["CIM_TOKEN_SECRET"])
    except ServiceFailed:
        log = (tmp / "stack.log").read_text()
        assert "InsecureSettingsError" in log or "secret" in log.lower()
        return
    pytest.fail(f"production accepted {sorted(k for k in env if k.startswith('CIM_'))}: {achieved}")


def _forge_supervisor(stack: Stack, token_secret: str) -> str:
    agent = create_agent(
        uow(stack), username="boss", password=PASSWORD, display_name="Boss", role="supervisor"
    )
    cookie = staff_cookies.issue(
        staff_cookies.derive_secret(token_secret), agent_id=agent.id, ttl_seconds=60
    )
    answer = requests.get(
        stack.rasa_url + CONSOLE + "/api/queue",
        headers={"Cookie": f"{staff_cookies.SESSION_COOKIE}={cookie}"},
        timeout=10,
    )
    return f"a supervisor cookie signed with CIM_TOKEN_SECRET got HTTP {answer.status_code}"


def test_the_server_ends_a_session_at_its_maximum_age(tmp_path: Path) -> None:
    """The cookie says 8 hours (credentials.yml); the server's cap says 4 seconds."""
    database_url = f"sqlite:///{tmp_path / 'shop.db'}"
    ensure_seeded(database_url)
    env = {"CIM_CONSOLE_SESSION_MAX_SECONDS": "4"}
    with running_stack(tmp_path, database_url=database_url, only={"rasa"}, env=env) as stack:
        member = logged_in(stack, staff(stack, "agent"))
        assert member.get("/api/queue")[0] == 200
        time.sleep(5)  # lets the server's 4 s cap run out, on purpose
        assert member.get("/api/queue")[0] == 401, "the session outlived the server's cap"


# --- finding 19: password hashing -------------------------------------------------------------


def test_a_weak_stored_hash_is_raised_to_the_owasp_cost_on_login(console_stack: Stack) -> None:
    """Before: N = 2^14 for new hashes, and old hashes stayed as they were."""
    stack = console_stack
    username = staff(stack, "agent")
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    weak = "$".join(
        (
            "scrypt",
            str(2**14),
            "8",
            "1",
            base64.b64encode(salt).decode(),
            base64.b64encode(key).decode(),
        )
    )
    with uow(stack) as work:
        agent = work.agents.get_by_username(username=username)
        assert agent is not None
        agent.password_hash = weak
        work.commit()
    logged_in(stack, username)
    with uow(stack) as work:
        stored = work.session.get(Agent, agent.id).password_hash  # type: ignore[union-attr]
    assert int(stored.split("$")[1]) >= 2**17, f"still {stored.split('$')[1]}"


# --- finding 8: login throttling (last: before the fix every client shared one address) -------


def test_a_nul_or_padded_username_does_not_escape_the_lock(console_stack: Stack) -> None:
    """Before: after five wrong passwords for `fay`, `fay\\x00` logged in."""
    stack = console_stack
    username = staff(stack, "agent")
    attacker = Staff(stack, client="203.0.113.7")
    for _ in range(5):
        assert attacker.login(username, "wrong guess").status_code == 401
    for variant in (username + "\x00", f"  {username.upper()}\t", username + " " * 70 + "x"):
        answer = Staff(stack, client="203.0.113.8").login(variant)
        assert answer.status_code in (401, 429), f"{variant!r} logged in: {answer.status_code}"


def test_junk_logins_from_one_client_do_not_lock_out_the_others(console_stack: Stack) -> None:
    """Before: behind the proxy every client was 127.0.0.1, so 20 junk logins locked out
    every agent; now the junk client gets a growing wait, and the others log in."""
    stack = console_stack
    junk = Staff(stack, client="203.0.113.66")
    statuses = [junk.login(f"nobody{i}", "junk").status_code for i in range(22)]
    assert 429 in statuses
    waits = junk.login("nobody-else", "junk")
    assert waits.status_code == 429 and int(waits.headers["Retry-After"]) <= 60
    colleague = Staff(stack, client="198.51.100.7").login(staff(stack, "agent"))
    assert colleague.status_code == 303, "one client's junk logins locked out a colleague"
