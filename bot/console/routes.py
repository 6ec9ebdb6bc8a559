"""The console's HTTP routes: pages, login/logout, and the JSON API the page calls.

Every API route needs a live session (else 401) of a role it allows (else 403; the queue
and the packets are for agents and supervisors); every state-changing one also needs the
CSRF token in the X-CSRF-Token header (bot/console/guard.py). No console route answers a
call from another origin (bot/console/origin.py). The login form has its own CSRF token,
bound to a short-lived cookie; logins are throttled per normalised name and per client.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.client_address import request_client_address
from bot.console import pages, staff_cookies
from bot.console.agent_actions import ConsoleActions, Reply
from bot.console.guard import SERVING_ROLES, SUPERVISOR_ROLES, error, guard
from bot.services.views import AgentView

if TYPE_CHECKING:
    from bot.console.channel import AgentConsoleInput

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {"console.js": "application/javascript", "console.css": "text/css"}
LOGIN_TTL_SECONDS = 3600
API = Callable[[ConsoleActions, AgentView, int, dict[str, Any]], Awaitable[Reply]]
ALL_ROLES = ("agent", "supervisor", "trainer")

ACTIONS: dict[str, API] = {
    "claim": lambda a, agent, hid, body: a.claim(agent, hid),
    "reply": lambda a, agent, hid, body: a.reply(agent, hid, body.get("text")),
    "typing": lambda a, agent, hid, body: a.typing(agent, hid),
    "notes": lambda a, agent, hid, body: a.note(agent, hid, body.get("text")),
    "transfer": lambda a, agent, hid, body: a.transfer(agent, hid, body.get("team")),
    "resolve": lambda a, agent, hid, body: a.resolve(
        agent, hid, body.get("disposition"), hand_back=False
    ),
    "handback": lambda a, agent, hid, body: a.resolve(
        agent, hid, body.get("disposition", "solved"), hand_back=True
    ),
}


def add_routes(bp: Blueprint, channel: AgentConsoleInput) -> None:
    async def index(request: Request) -> HTTPResponse:
        if not request.path.endswith("/"):
            return response.redirect(request.path + "/", status=308)
        return await _index(request, channel)

    async def login(request: Request) -> HTTPResponse:
        return await _login(request, channel)

    async def logout(request: Request) -> HTTPResponse:
        staff = await guard(
            request,
            channel,
            roles=ALL_ROLES,
            write=True,
            token=request.form.get(staff_cookies.CSRF_FIELD),
        )
        if isinstance(staff, HTTPResponse):
            return staff
        from bot.services.agent_sessions import end_session

        assert channel.new_uow is not None
        end = partial(end_session, channel.new_uow(), session_id=staff.session.session_id)
        await asyncio.get_running_loop().run_in_executor(None, end)
        redirect = response.redirect("./", status=303)
        del redirect.cookies[staff_cookies.SESSION_COOKIE]
        return redirect

    async def queue(request: Request) -> HTTPResponse:
        staff = await guard(request, channel, roles=SERVING_ROLES, write=False)
        if isinstance(staff, HTTPResponse):
            return staff
        assert channel.actions is not None
        return _json(await channel.actions.queue(staff.agent))

    async def packet(request: Request, handoff_id: int) -> HTTPResponse:
        staff = await guard(request, channel, roles=SERVING_ROLES, write=False)
        if isinstance(staff, HTTPResponse):
            return staff
        assert channel.actions is not None
        address = request_client_address(request)
        return _json(await channel.actions.packet(staff.agent, handoff_id, address=address))

    async def act(request: Request, handoff_id: int, action: str) -> HTTPResponse:
        token = request.headers.get(staff_cookies.CSRF_HEADER)
        staff = await guard(request, channel, roles=SERVING_ROLES, write=True, token=token)
        if isinstance(staff, HTTPResponse):
            return staff
        if action not in ACTIONS:
            return error(404, "unknown_action")
        body = json_body(request)
        assert channel.actions is not None
        return _json(await ACTIONS[action](channel.actions, staff.agent, handoff_id, body))

    async def access_log(request: Request) -> HTTPResponse:
        staff = await guard(request, channel, roles=SUPERVISOR_ROLES, write=False)
        if isinstance(staff, HTTPResponse):
            return staff
        assert channel.actions is not None
        address = request_client_address(request)
        return _json(await channel.actions.access_log(staff.agent, request.args, address))

    def static(name: str) -> Callable[[Request], Coroutine[Any, Any, HTTPResponse]]:
        async def serve(_: Request) -> HTTPResponse:
            return _static(name)

        return serve

    bp.add_route(index, "/", methods=["GET"])
    bp.add_route(login, "/login", methods=["POST"])
    bp.add_route(logout, "/logout", methods=["POST"])
    bp.add_route(queue, "/api/queue", methods=["GET"])
    bp.add_route(packet, "/api/handoffs/<handoff_id:int>", methods=["GET"])
    bp.add_route(act, "/api/handoffs/<handoff_id:int>/<action:str>", methods=["POST"])
    bp.add_route(access_log, "/api/access-log", methods=["GET"])
    for name in STATIC_TYPES:
        bp.add_route(static(name), "/" + name, methods=["GET"], name=name.replace(".", "_"))

    from bot.console.trainer_api import add_trainer_routes

    add_trainer_routes(bp, channel)


def _static(name: str) -> HTTPResponse:
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
    body = (STATIC_DIR / name).read_bytes()
    return response.raw(body, content_type=STATIC_TYPES[name] + "; charset=utf-8", headers=headers)


async def _index(request: Request, channel: AgentConsoleInput) -> HTTPResponse:
    staff = await channel.staff_for(request.cookies.get(staff_cookies.SESSION_COOKIE))
    if staff is not None and staff.agent.role not in SERVING_ROLES:
        return response.redirect("trainer", status=303)  # trainers take no conversations
    if staff is not None:
        csrf = staff_cookies.csrf_token(_secret(channel), staff.session.session_id)
        teams = channel.teams or ()
        page = pages.console_page(staff.agent, csrf, canned=channel.canned, teams=teams)
        return response.html(page, headers=pages.SECURITY_HEADERS)
    return _login_form(request, channel, None, status=200)


def _login_form(
    request: Request, channel: AgentConsoleInput, error: str | None, *, status: int
) -> HTTPResponse:
    nonce = staff_cookies.new_login_nonce()
    csrf = staff_cookies.csrf_token(_secret(channel), "login:" + nonce)
    page = response.html(
        pages.login_page(csrf, error), status=status, headers=pages.SECURITY_HEADERS
    )
    _set_cookie(page, staff_cookies.LOGIN_COOKIE, nonce, channel, max_age=LOGIN_TTL_SECONDS)
    return page


async def _login(request: Request, channel: AgentConsoleInput) -> HTTPResponse:
    from bot.services.agents import normalise_username

    nonce = request.cookies.get(staff_cookies.LOGIN_COOKIE) or ""
    token = request.form.get(staff_cookies.CSRF_FIELD)
    if not nonce or not staff_cookies.csrf_ok(_secret(channel), "login:" + nonce, token):
        return _login_form(request, channel, "The form expired; please try again.", status=403)
    username = normalise_username(request.form.get("username") or "")
    password = request.form.get("password") or ""
    address = request_client_address(request)
    wait = channel.login_throttle.retry_after(username, address)
    if wait is not None:
        return _too_many(request, channel, wait)
    agent = await _authenticate(channel, username, password)
    if agent is None:
        channel.login_throttle.failed(username, address)
        return _login_form(request, channel, "Wrong username or password.", status=401)
    channel.login_throttle.succeeded(username)
    return await _start_session(channel, agent, address)


def _too_many(request: Request, channel: AgentConsoleInput, wait: int) -> HTTPResponse:
    if wait < 60:
        when = f"{wait} second{'s' if wait > 1 else ''}"
    else:
        minutes = math.ceil(wait / 60)
        when = f"{minutes} minute{'s' if minutes > 1 else ''}"
    message = f"Too many failed attempts. Try again in {when}."
    refused = _login_form(request, channel, message, status=429)
    refused.headers["Retry-After"] = str(wait)
    return refused


async def _authenticate(
    channel: AgentConsoleInput, username: str | None, password: str
) -> AgentView | None:
    from bot.services.agents import authenticate

    assert channel.new_uow is not None
    check = partial(authenticate, channel.new_uow(), username=username or "", password=password)
    return await asyncio.get_running_loop().run_in_executor(None, check)


async def _start_session(
    channel: AgentConsoleInput, agent: AgentView, address: str
) -> HTTPResponse:
    """A new session, on the server (its row) and in the browser (the signed cookie)."""
    from bot.services.agent_sessions import start_session

    lifetime = channel.session_lifetime_seconds()
    cookie = staff_cookies.issue(_secret(channel), agent_id=agent.id, ttl_seconds=lifetime)
    session = staff_cookies.verify(_secret(channel), cookie)
    assert session is not None and channel.new_uow is not None
    record = partial(
        start_session,
        channel.new_uow(),
        agent_id=agent.id,
        session_id=session.session_id,
        lifetime_seconds=lifetime,
        address=address,
    )
    await asyncio.get_running_loop().run_in_executor(None, record)
    redirect = response.redirect("./", status=303)
    _set_cookie(redirect, staff_cookies.SESSION_COOKIE, cookie, channel, max_age=lifetime)
    del redirect.cookies[staff_cookies.LOGIN_COOKIE]
    return redirect


def _set_cookie(
    page: HTTPResponse, name: str, value: str, channel: AgentConsoleInput, *, max_age: int
) -> None:
    """HttpOnly, SameSite=Strict; path / so the socket.io handshake carries it too."""
    page.cookies[name] = value
    morsel = page.cookies[name]
    morsel["httponly"] = True
    morsel["samesite"] = "Strict"
    morsel["path"] = "/"
    morsel["max-age"] = max_age
    if channel.secure_cookie:
        morsel["secure"] = True


def _secret(channel: AgentConsoleInput) -> bytes:
    if channel.secret is None:
        raise RuntimeError("the console is not started")
    return channel.secret


def json_body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _json(reply: Reply) -> HTTPResponse:
    return response.json(reply.body, status=reply.status, headers={"Cache-Control": "no-store"})
