"""The console's access rules over HTTP and socket.io, in the real Sanic server: no CORS and
no other origins, roles, teams, closed handoffs, server-side sessions, the access log."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import socketio

from bot.console.webhook import handoff_payload
from bot.services import queue
from bot.services.agents import create_agent, set_active, set_password
from tests.bot.console.conftest import CONVERSATION, PASSWORD, Console, session_cookie
from tests.waiting import until

SHOP = "http://shop.example"


def staff(console: Console, username: str, role: str, team: str | None = None) -> None:
    create_agent(
        console.uow(),
        username=username,
        password=PASSWORD,
        display_name=username.title(),
        role=role,
        team=team,
    )


async def fetch(
    console: Console, method: str, path: str, session: tuple[str, str] | None, **headers: str
) -> tuple[int, dict[str, str], str]:
    if session is not None:
        headers["Cookie"] = session_cookie(session[0])
    async with console.http.request(method, console.url + path, headers=headers) as answer:
        return answer.status, dict(answer.headers), await answer.text()


def cors_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower().startswith("access-control")}


async def feed(console: Console, session: tuple[str, str], **headers: str) -> Any:
    client = socketio.AsyncClient(reconnection=False)
    client.events = asyncio.Queue()  # type: ignore[attr-defined]
    client.on("handoff", client.events.put_nowait, namespace="/agents")  # type: ignore[attr-defined]
    base = console.url.replace("/webhooks/console", "")
    await client.connect(
        base,
        namespaces=["/agents"],
        transports=["polling"],
        headers={"Cookie": session_cookie(session[0]), **headers},
    )
    return client


async def refused_feed(console: Console, session: tuple[str, str], **headers: str) -> bool:
    try:
        client = await feed(console, session, **headers)
    except socketio.exceptions.ConnectionError:
        return True
    await client.eio.disconnect(abort=True)
    return False


# --- CORS and origins -------------------------------------------------------------------------


@pytest.mark.parametrize("rasa_cors", [SHOP])
async def test_under_rasas_cors_the_console_sends_no_cors_headers(console: Console) -> None:
    anna = await console.session("anna")
    preflight = await fetch(
        console,
        "OPTIONS",
        "/api/queue",
        None,
        Origin=SHOP,
        **{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x"},
    )
    assert cors_headers(preflight[1]) == {}
    for path in ("/api/queue", f"/api/handoffs/{console.handoff_id}", "/", "/console.js"):
        _, headers, _ = await fetch(console, "GET", path, anna, Origin=SHOP)
        assert cors_headers(headers) == {}, path
    # the widget's own channel keeps Rasa's CORS: only the console opted out
    web = console.url.replace("/webhooks/console", "/webhooks/web/webhook")
    options = {"Origin": SHOP, "Access-Control-Request-Method": "POST"}
    async with console.http.options(web, headers=options) as answer:
        assert answer.headers.get("Access-Control-Allow-Origin") == SHOP


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": SHOP},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"},
    ],
)
async def test_calls_from_another_origin_or_site_are_refused(
    console: Console, headers: dict[str, str]
) -> None:
    anna = await console.session("anna")
    for path in ("/api/queue", f"/api/handoffs/{console.handoff_id}"):
        status, _, body = await fetch(console, "GET", path, anna, **headers)
        assert (status, body) == (403, '{"error":"foreign_origin"}')
    status, _, _ = await fetch(
        console,
        "POST",
        f"/api/handoffs/{console.handoff_id}/claim",
        anna,
        **{**headers, "X-CSRF-Token": anna[1]},
    )
    assert status == 403
    assert queue.active_handoff_for(console.uow(), conversation_id=CONVERSATION).state == "queued"  # type: ignore[union-attr]


async def test_our_own_origin_and_plain_navigation_are_served(console: Console) -> None:
    anna = await console.session("anna")
    own = console.url.split("/webhooks")[0]
    assert (await fetch(console, "GET", "/api/queue", anna, Origin=own))[0] == 200
    same = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}
    assert (await fetch(console, "GET", "/api/queue", anna, **same))[0] == 200
    link = {
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "navigate",
        "Sec-Fetch-Dest": "document",
    }
    assert (await fetch(console, "GET", "/", None, **link))[0] == 200  # a link to the login


async def test_a_login_posted_from_another_origin_is_refused(console: Console) -> None:
    nonce, token = await console.login_form()
    async with console.http.post(
        console.url + "/login",
        data={"username": "anna", "password": PASSWORD, "csrf_token": token},
        headers={"Cookie": f"cim_agent_login={nonce}", "Origin": SHOP},
        allow_redirects=False,
    ) as answer:
        assert answer.status == 403 and "cim_agent_session" not in answer.cookies


async def test_a_page_of_another_origin_cannot_join_the_agents_feed(console: Console) -> None:
    anna = await console.session("anna")
    assert await refused_feed(console, anna, Origin=SHOP)
    assert not await refused_feed(console, anna, Origin=console.url.split("/webhooks")[0])


# --- roles and teams --------------------------------------------------------------------------


async def test_a_trainer_gets_no_queue_no_packet_no_action_and_no_feed(console: Console) -> None:
    staff(console, "tina", "trainer")
    tina = await console.session("tina")
    assert await console.get(tina, "/api/queue") == (403, {"error": "role_not_allowed"})
    assert (await console.get(tina, f"/api/handoffs/{console.handoff_id}"))[0] == 403
    assert (await console.act(tina, "claim"))[0] == 403
    assert await refused_feed(console, tina)


async def test_agents_read_their_teams_open_handoffs_and_their_own(console: Console) -> None:
    staff(console, "bea", "agent", team="billing")
    staff(console, "gil", "agent", team="general")
    staff(console, "sue", "supervisor")
    bea, gil, sue = [await console.session(name) for name in ("bea", "gil", "sue")]
    packet = f"/api/handoffs/{console.handoff_id}"

    assert await console.get(bea, packet) == (403, {"error": "forbidden"})
    assert (await console.get(bea, "/api/queue"))[1] == {"queue": []}
    assert await console.act(bea, "claim") == (403, {"error": "forbidden"})
    assert await console.act(bea, "notes", {"text": "hi"}) == (403, {"error": "forbidden"})

    status, seen = await console.get(gil, packet)
    assert status == 200 and "conversation_id" not in seen["handoff"]
    status, seen = await console.get(sue, packet)
    assert status == 200 and seen["handoff"]["conversation_id"] == CONVERSATION

    assert (await console.act(gil, "claim"))[0] == 200
    assert (await console.act(gil, "resolve", {"disposition": "solved"}))[0] == 200
    assert (await console.get(gil, packet))[0] == 200  # it was assigned to gil
    assert (await console.get(sue, packet))[0] == 200
    assert await console.get(await console.session("anna"), packet) == (403, {"error": "forbidden"})
    assert await console.act(gil, "notes", {"text": "late"}) == (409, {"error": "handoff_closed"})


async def test_the_live_feed_sends_what_customers_say_only_to_who_may_read_it(
    console: Console,
) -> None:
    staff(console, "bea", "agent", team="billing")
    staff(console, "gil", "agent", team="general")
    bea, gil = await console.session("bea"), await console.session("gil")
    bea_feed, gil_feed = await feed(console, bea), await feed(console, gil)
    try:
        handoff = queue.active_handoff_for(console.uow(), conversation_id=CONVERSATION)
        assert handoff is not None
        await console.relay.to_agents("customer_message", {"text": "secret"}, handoff=handoff)
        await console.relay.to_agents("queue_changed", {"handoff_id": handoff.id})
        got = await asyncio.wait_for(gil_feed.events.get(), 5)
        assert got == {"kind": "customer_message", "text": "secret"}
        assert (await asyncio.wait_for(bea_feed.events.get(), 5))["kind"] == "queue_changed"
        assert bea_feed.events.empty()
    finally:
        await bea_feed.eio.disconnect(abort=True)
        await gil_feed.eio.disconnect(abort=True)


# --- sessions on the server -------------------------------------------------------------------


async def test_logout_ends_the_session_on_the_server(console: Console) -> None:
    anna = await console.session("anna")
    async with console.http.post(
        console.url + "/logout",
        data={"csrf_token": anna[1]},
        headers={"Cookie": session_cookie(anna[0])},
        allow_redirects=False,
    ) as answer:
        assert answer.status == 303
    assert (await console.get(anna, "/api/queue"))[0] == 401  # the same cookie, replayed


async def test_a_new_password_ends_every_session(console: Console) -> None:
    first, second = await console.session("anna"), await console.session("anna")
    set_password(console.uow(), username="anna", password=PASSWORD + " again")
    assert (await console.get(first, "/api/queue"))[0] == 401
    assert (await console.get(second, "/api/queue"))[0] == 401


async def test_a_deactivated_agents_socket_is_cut_before_the_next_push(console: Console) -> None:
    anna = await console.session("anna")
    client = await feed(console, anna)
    gone: asyncio.Event = asyncio.Event()
    client.on("disconnect", lambda *_: gone.set(), namespace="/agents")
    try:
        set_active(console.uow(), username="anna", active=False)
        handoff = queue.active_handoff_for(console.uow(), conversation_id=CONVERSATION)
        assert handoff is not None
        await console.relay.to_agents("customer_message", {"text": "private"}, handoff=handoff)
        await asyncio.wait_for(gone.wait(), 5)
        assert client.events.empty()
        assert (await console.get(anna, "/api/queue"))[0] == 401
    finally:
        await client.eio.disconnect(abort=True)


async def test_the_server_ends_a_session_at_its_maximum_age(console: Console) -> None:
    console.channel.session_max_seconds = 1
    anna = await console.session("anna")
    assert (await console.get(anna, "/api/queue"))[0] == 200

    async def refused() -> bool:
        return (await console.get(anna, "/api/queue"))[0] == 401

    await until(refused, timeout=10, interval=0.1, what="the session refused after 1 s")


async def test_a_cookie_for_a_session_the_server_never_started_is_refused(
    console: Console,
) -> None:
    from bot.console import staff_cookies

    assert console.channel.secret is not None
    forged = staff_cookies.issue(console.channel.secret, agent_id=console.anna.id, ttl_seconds=60)
    assert (await console.get((forged, ""), "/api/queue"))[0] == 401


async def test_a_nul_or_padded_name_is_throttled_as_the_same_name(console: Console) -> None:
    for _ in range(5):
        assert (await console.login("anna", "guess")).status == 401
    for variant in ("anna\x00", "  ANNA\t", "\uff41\uff4e\uff4e\uff41", "anna" + " " * 70 + "x"):
        assert (await console.login(variant)).status in (401, 429), repr(variant)
    assert (await console.login("anna")).status == 429


# --- the access log ---------------------------------------------------------------------------


async def test_every_packet_view_is_logged_for_supervisors(console: Console) -> None:
    staff(console, "sue", "supervisor")
    anna, sue = await console.session("anna"), await console.session("sue")
    assert (await console.get(anna, f"/api/handoffs/{console.handoff_id}"))[0] == 200
    status, log = await console.get(sue, f"/api/access-log?handoff_id={console.handoff_id}")
    assert status == 200
    [entry] = log["entries"]
    assert (entry["agent"], entry["action"], entry["handoff_id"]) == (
        "anna",
        "view_handoff",
        console.handoff_id,
    )
    assert entry["address"] == "127.0.0.1" and entry["at"]
    assert await console.get(anna, "/api/access-log") == (403, {"error": "role_not_allowed"})


def test_the_webhook_gets_the_handoff_number_and_a_link_never_the_conversation() -> None:
    handoff = type(
        "H",
        (),
        {
            "id": 7,
            "conversation_id": "abc-secret",
            "state": "queued",
            "priority": 1,
            "team": "general",
            "reasons": ("explicit_request",),
            "interaction_type": "conflict",
        },
    )()
    payload = handoff_payload(handoff, "https://console.example/webhooks/console/#H-7")
    assert "abc-secret" not in str(payload) and "conversation_id" not in payload
    assert payload["handoff_id"] == 7
    assert payload["console_url"] == "https://console.example/webhooks/console/#H-7"


async def test_a_trainer_opening_the_console_is_sent_to_the_review_inbox(console: Console) -> None:
    staff(console, "tina", "trainer")
    tina, _ = await console.session("tina")
    async with console.http.get(
        console.url + "/", headers={"Cookie": session_cookie(tina)}, allow_redirects=False
    ) as page:
        assert page.status == 303 and page.headers["Location"] == "trainer"
