"""The guard every staff route wears (bot/console/http.py, `require_agent`), on routes of its
own: mounted on a bare Sanic app, without the console blueprint's origin middleware, with
the real console channel as their host (real sessions in a real SQLite store)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sanic import Blueprint, Sanic, response
from sanic.response import HTTPResponse

from bot.console.guard import SERVING_ROLES, TRAINER_ROLES
from bot.console.host import ConsoleHost
from bot.console.http import (
    Refusal,
    StaffCall,
    csrf_field,
    json_reply,
    mount,
    require_agent,
)
from bot.services.agent_sessions import end_session
from bot.services.agents import create_agent
from tests.bot.channels.conftest import loopback_socket
from tests.bot.console.conftest import PASSWORD, Console, session_cookie

PAGE = Refusal(
    login_required=lambda: response.redirect("./", status=303),
    not_allowed=lambda: response.html("not for you", status=403),
)


@dataclass
class Probe:
    """Routes that answer who called and what they sent, and count the calls let through."""

    host: ConsoleHost
    calls: list[str] = field(default_factory=list)

    @require_agent(SERVING_ROLES)
    async def read(self, call: StaffCall) -> HTTPResponse:
        self.calls.append("read")
        return json_reply({"agent": call.agent.username, "role": call.agent.role})

    @require_agent(SERVING_ROLES, write=True)
    async def write(self, call: StaffCall, item: int) -> HTTPResponse:
        self.calls.append("write")
        return json_reply({"item": item, "body": call.body})

    @require_agent(TRAINER_ROLES, denied="trainer_role_required")
    async def trainers(self, call: StaffCall) -> HTTPResponse:
        self.calls.append("trainers")
        return json_reply({"agent": call.agent.username})

    @require_agent(SERVING_ROLES, write=True, csrf=csrf_field)
    async def form(self, call: StaffCall) -> HTTPResponse:
        self.calls.append("form")
        return json_reply({"ok": True})

    @require_agent(TRAINER_ROLES, refusal=PAGE)
    async def page(self, call: StaffCall) -> HTTPResponse:
        self.calls.append("page")
        return response.html(f"<p>{call.csrf}</p>")


@dataclass
class Guarded:
    console: Console
    probe: Probe
    url: str

    async def call(
        self,
        method: str,
        path: str,
        session: tuple[str, str] | None,
        *,
        csrf: str | None = None,
        data: Any = None,
        **headers: str,
    ) -> tuple[int, Any]:
        if session is not None:
            headers["Cookie"] = session_cookie(session[0])
        if csrf is not None:
            headers["X-CSRF-Token"] = csrf
        http = self.console.http
        async with http.request(
            method, self.url + path, headers=headers, data=data, allow_redirects=False
        ) as answer:
            is_json = answer.content_type == "application/json"
            return answer.status, await (answer.json() if is_json else answer.text())


@pytest.fixture
async def guarded(console: Console) -> AsyncIterator[Guarded]:
    probe = Probe(console.channel)
    bp = Blueprint("probe")
    mount(
        bp,
        [
            (probe.read, "/read", "GET", "read"),
            (probe.write, "/write/<item:int>", "POST", "write"),
            (probe.trainers, "/trainers", "GET", "trainers"),
            (probe.form, "/form", "POST", "form"),
            (probe.page, "/page", "GET", "page"),
        ],
    )
    app = Sanic(f"test_guard_{uuid.uuid4().hex}")
    app.blueprint(bp, url_prefix="/probe")
    server = await app.create_server(
        sock=loopback_socket(), return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.start_serving()
    assert server.server is not None
    port = server.server.sockets[0].getsockname()[1]
    yield Guarded(console, probe, f"http://127.0.0.1:{port}/probe")
    server.close()
    await server.wait_closed()


def add_trainer(console: Console) -> None:
    create_agent(
        console.uow(), username="tina", password=PASSWORD, display_name="Tina", role="trainer"
    )


async def test_a_role_the_route_serves_gets_the_call_with_who_made_it(guarded: Guarded) -> None:
    anna = await guarded.console.session("anna")
    assert await guarded.call("GET", "/read", anna) == (200, {"agent": "anna", "role": "agent"})
    assert guarded.probe.calls == ["read"]


async def test_without_a_live_session_the_handler_never_runs(guarded: Guarded) -> None:
    assert await guarded.call("GET", "/read", None) == (401, {"error": "login_required"})
    anna = await guarded.console.session("anna")
    end_session(guarded.console.uow(), session_id=_session_id(guarded, anna))
    assert await guarded.call("GET", "/read", anna) == (401, {"error": "login_required"})
    forged = ("e30.AAAA", "x")
    assert (await guarded.call("POST", "/write/1", forged, csrf="x"))[0] == 401
    assert guarded.probe.calls == []


async def test_another_role_is_refused_with_the_routes_code(guarded: Guarded) -> None:
    add_trainer(guarded.console)
    anna, tina = await guarded.console.session("anna"), await guarded.console.session("tina")
    assert await guarded.call("GET", "/read", tina) == (403, {"error": "role_not_allowed"})
    assert await guarded.call("GET", "/trainers", anna) == (
        403,
        {"error": "trainer_role_required"},
    )
    assert await guarded.call("GET", "/trainers", tina) == (200, {"agent": "tina"})
    assert guarded.probe.calls == ["trainers"]


async def test_a_write_without_the_sessions_csrf_token_is_refused(guarded: Guarded) -> None:
    anna, ben = await guarded.console.session("anna"), await guarded.console.session("ben")
    refused = (403, {"error": "bad_csrf_token"})
    assert await guarded.call("POST", "/write/7", anna) == refused  # no header
    assert await guarded.call("POST", "/write/7", anna, csrf="") == refused
    assert await guarded.call("POST", "/write/7", anna, csrf="forged") == refused
    assert await guarded.call("POST", "/write/7", anna, csrf=ben[1]) == refused  # another's
    assert guarded.probe.calls == []
    assert await guarded.call("POST", "/write/7", anna, csrf=anna[1]) == (
        200,
        {"item": 7, "body": {}},
    )


async def test_a_form_post_carries_its_token_in_the_form_field(guarded: Guarded) -> None:
    anna = await guarded.console.session("anna")
    assert await guarded.call("POST", "/form", anna, csrf=anna[1]) == (
        403,
        {"error": "bad_csrf_token"},
    )  # the header is not where a form's token is read
    assert await guarded.call("POST", "/form", anna, data={"csrf_token": anna[1]}) == (
        200,
        {"ok": True},
    )


@pytest.mark.parametrize(
    ("sent", "received"),
    [
        (b'{"text": "hi", "n": [1]}', {"text": "hi", "n": [1]}),
        (b"", {}),
        (b"{not json", {}),
        (b"[1, 2]", {}),
        (b'"text"', {}),
        (b"\xff\xfe", {}),
    ],
)
async def test_the_body_is_the_calls_json_object_or_empty(
    guarded: Guarded, sent: bytes, received: dict[str, Any]
) -> None:
    anna = await guarded.console.session("anna")
    status, answer = await guarded.call(
        "POST",
        "/write/3",
        anna,
        csrf=anna[1],
        data=sent,
        **{"Content-Type": "application/json"},
    )
    assert (status, answer) == (200, {"item": 3, "body": received})


async def test_a_call_from_another_origin_is_refused_wherever_the_route_is_mounted(
    guarded: Guarded,
) -> None:
    anna = await guarded.console.session("anna")
    for headers in ({"Origin": "http://shop.example"}, {"Sec-Fetch-Site": "same-site"}):
        assert await guarded.call("GET", "/read", anna, **headers) == (
            403,
            {"error": "foreign_origin"},
        )
        status, _ = await guarded.call("POST", "/write/1", anna, csrf=anna[1], **headers)
        assert status == 403
    assert guarded.probe.calls == []
    own = guarded.url.split("/probe")[0]
    assert (await guarded.call("GET", "/read", anna, Origin=own))[0] == 200


async def test_a_page_refuses_with_its_own_answers(guarded: Guarded) -> None:
    add_trainer(guarded.console)
    status, _ = await guarded.call("GET", "/page", None)
    assert status == 303
    assert await guarded.call("GET", "/page", await guarded.console.session("anna")) == (
        403,
        "not for you",
    )
    tina = await guarded.console.session("tina")  # with the trainer page's CSRF token
    assert await guarded.call("GET", "/page", tina) == (200, f"<p>{tina[1]}</p>")
    assert guarded.probe.calls == ["page"]


def _session_id(guarded: Guarded, session: tuple[str, str]) -> str:
    from bot.console.staff_cookies import verify

    assert guarded.console.channel.secret is not None
    verified = verify(guarded.console.channel.secret, session[0])
    assert verified is not None
    return verified.session_id
