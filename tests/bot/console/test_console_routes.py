"""The console over HTTP: login, sessions, CSRF, the agent's actions, escaping."""

from __future__ import annotations

import asyncio
from typing import Any

import socketio

from bot.services.queue import active_handoff_for
from tests.bot.console.conftest import CONVERSATION, Console, session_cookie

XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


async def test_the_login_page_has_a_csp_and_a_form_token(console: Console) -> None:
    async with console.http.get(console.url + "/") as page:
        assert page.status == 200
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert 'name="csrf_token"' in await page.text()


async def test_a_wrong_password_is_refused(console: Console) -> None:
    response = await console.login("anna", "not the password at all")
    assert response.status == 401
    assert "cim_agent_session" not in response.cookies
    assert "Wrong username or password" in await response.text()


async def test_guessing_a_password_is_throttled(console: Console) -> None:
    for _ in range(5):
        assert (await console.login("anna", "guess")).status == 401
    locked = await console.login("anna")  # even the right password, for now
    assert locked.status == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 300
    assert "Too many failed attempts" in await locked.text()
    assert "cim_agent_session" not in locked.cookies
    assert (await console.login("ben")).status == 303  # others can still log in


async def test_an_unknown_agent_is_refused_like_a_wrong_password(console: Console) -> None:
    response = await console.login("nobody", "correct horse battery")
    assert response.status == 401


async def test_a_login_without_the_form_token_is_refused(console: Console) -> None:
    response = await console.http.post(
        console.url + "/login",
        data={"username": "anna", "password": "correct horse battery"},
        allow_redirects=False,
    )
    assert response.status == 403
    assert "cim_agent_session" not in response.cookies


async def test_the_session_cookie_is_httponly_and_same_site_strict(console: Console) -> None:
    response = await console.login("anna")
    assert response.status == 303
    morsel = response.cookies["cim_agent_session"]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Strict"
    assert morsel["path"] == "/"


async def test_the_api_needs_a_session(console: Console) -> None:
    assert (await console.get(None, "/api/queue"))[0] == 401
    assert (await console.get(None, f"/api/handoffs/{console.handoff_id}"))[0] == 401
    assert (await console.act(None, "claim"))[0] == 401
    forged = ("e30.AAAA", "x")
    assert (await console.act(forged, "claim"))[0] == 401


async def test_a_missing_or_wrong_csrf_token_is_refused(console: Console) -> None:
    anna = await console.session("anna")
    assert await console.act(anna, "claim", csrf="") == (403, {"error": "bad_csrf_token"})
    assert await console.act(anna, "claim", csrf="forged") == (403, {"error": "bad_csrf_token"})
    origin = "http://evil.example"
    assert (await console.act(anna, "claim", origin=origin))[0] == 403
    assert active_handoff_for(console.uow(), conversation_id=CONVERSATION).state == "queued"  # type: ignore[union-attr]


async def test_the_queue_shows_priority_wait_reason_and_type(console: Console) -> None:
    anna = await console.session("anna")
    status, body = await console.get(anna, "/api/queue")
    assert status == 200
    entry = body["queue"][0]
    assert entry["id"] == console.handoff_id
    assert entry["reasons"] == ["explicit_request"]
    assert entry["interaction_type"] == "conflict"
    assert {"priority", "waited_minutes", "position"} <= set(entry)


async def test_claim_reply_note_and_hand_back(console: Console) -> None:
    anna, ben = await console.session("anna"), await console.session("ben")
    customer = socketio.AsyncClient(reconnection=False)
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    customer.on("bot_uttered", inbox.put_nowait)
    typing: asyncio.Queue[Any] = asyncio.Queue()
    customer.on("typing", typing.put_nowait)
    confirmed: asyncio.Queue[Any] = asyncio.Queue()
    customer.on("session_confirm", confirmed.put_nowait)
    await customer.connect(console.url.replace("/webhooks/console", ""), transports=["polling"])
    await customer.emit("session_request", {"session_id": CONVERSATION})
    await asyncio.wait_for(confirmed.get(), 5)
    try:
        assert await console.act(anna, "typing") == (409, {"error": "not_assignee"})
        assert await console.act(anna, "claim") == (200, {"ok": True})
        joined = await asyncio.wait_for(inbox.get(), 5)
        assert joined["handoff"] == {"status": "agent_joined", "agent": "Anna"}
        assert await console.act(ben, "claim") == (409, {"error": "already_assigned"})
        assert await console.act(ben, "reply", {"text": "hi"}) == (409, {"error": "not_assignee"})
        assert await console.act(ben, "typing") == (409, {"error": "not_assignee"})
        assert await console.act(anna, "typing") == (200, {"ok": True})
        assert await asyncio.wait_for(typing.get(), 5) == {"typing": True, "agent": "Anna"}

        assert await console.act(anna, "reply", {"text": "Hello, Anna here."}) == (
            200,
            {"ok": True},
        )
        assert await asyncio.wait_for(inbox.get(), 5) == {
            "text": "Hello, Anna here.",
            "agent": "Anna",
        }
        assert (await console.act(anna, "notes", {"text": "angry about #100002"}))[0] == 200
        status, packet = await console.get(anna, f"/api/handoffs/{console.handoff_id}")
        assert status == 200 and packet["notes"][0]["body"] == "angry about #100002"

        assert await console.act(anna, "handback", {"disposition": "solved"}) == (200, {"ok": True})
        back = await asyncio.wait_for(inbox.get(), 5)
        assert back["handoff"]["status"] == "bot"
        assert active_handoff_for(console.uow(), conversation_id=CONVERSATION) is None
    finally:
        await customer.eio.disconnect(abort=True)
    texts = [event.text for event in console.conversations.appended]  # type: ignore[attr-defined]
    assert texts[1] == "Hello, Anna here."


async def test_transfer_and_resolve_need_known_values(console: Console) -> None:
    anna = await console.session("anna")
    assert await console.act(anna, "transfer", {"team": "nope"}) == (409, {"error": "unknown_team"})
    assert (await console.act(anna, "transfer", {"team": "billing"}))[0] == 200
    assert (await console.act(anna, "claim"))[0] == 200
    assert await console.act(anna, "resolve", {"disposition": "meh"}) == (
        400,
        {"error": "unknown_disposition"},
    )
    assert (await console.act(anna, "resolve", {"disposition": "spam"}))[0] == 200


async def test_customer_text_is_data_never_markup(console: Console) -> None:
    console.conversations.events.append({"event": "user", "text": XSS, "parse_data": {}})
    anna = await console.session("anna")
    status, packet = await console.get(anna, f"/api/handoffs/{console.handoff_id}")
    assert status == 200
    assert packet["transcript"][0]["text"] == XSS  # JSON, shown with textContent
    ben = await console.session("ben")
    async with console.http.get(
        console.url + "/", headers={"Cookie": f"cim_agent_session={ben[0]}"}
    ) as page:
        html = await page.text()
    assert "&lt;b&gt;Ben&lt;/b&gt;" in html and "<b>Ben</b>" not in html
    script = (console.channel.__class__.__module__,)
    assert script
    async with console.http.get(console.url + "/console.js") as js:
        source = await js.text()
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source


async def test_the_agents_namespace_needs_a_session(console: Console) -> None:
    base = console.url.replace("/webhooks/console", "")
    stranger = socketio.AsyncClient(reconnection=False)
    try:
        await stranger.connect(base, namespaces=["/agents"], transports=["polling"])
        connected = True
    except socketio.exceptions.ConnectionError:
        connected = False
    assert not connected

    anna = await console.session("anna")
    agent = socketio.AsyncClient(reconnection=False)
    events: asyncio.Queue[Any] = asyncio.Queue()
    agent.on("handoff", events.put_nowait, namespace="/agents")
    await agent.connect(
        base,
        namespaces=["/agents"],
        transports=["polling"],
        headers={"Cookie": f"cim_agent_session={anna[0]}"},
    )
    try:
        await console.act(anna, "claim")
        event = await asyncio.wait_for(events.get(), 5)
        assert event["kind"] == "queue_changed"
    finally:
        await agent.eio.disconnect(abort=True)
        await stranger.eio.disconnect(abort=True)


async def test_a_malformed_body_or_an_unknown_action_gets_a_clear_error(console: Console) -> None:
    anna = await console.session("anna")
    assert (await console.act(anna, "claim"))[0] == 200
    headers = {
        "Cookie": session_cookie(anna[0]),
        "X-CSRF-Token": anna[1],
        "Content-Type": "application/json",
    }
    url = f"{console.url}/api/handoffs/{console.handoff_id}"
    async with console.http.post(url + "/reply", data=b'{"text": ', headers=headers) as answer:
        assert (answer.status, await answer.json()) == (400, {"error": "bad_text"})
    async with console.http.post(url + "/delete", json={}, headers=headers) as answer:
        assert (answer.status, await answer.json()) == (404, {"error": "unknown_action"})
    assert await console.act(anna, "reply", ["hello"]) == (400, {"error": "bad_text"})  # type: ignore[arg-type]
