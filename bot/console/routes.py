"""The console's HTTP routes: pages, login/logout, and the JSON API the page calls.

Every API route needs a session (else 401); every state-changing one also needs the
CSRF token in the X-CSRF-Token header and, when the browser sends one, our own Origin
(else 403). The login form has its own CSRF token, bound to a short-lived cookie.
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

from bot.console import pages, sessions
from bot.console.actions import ConsoleActions, Reply
from bot.services.views import AgentView

if TYPE_CHECKING:
    from bot.console.channel import AgentConsoleInput

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {"console.js": "application/javascript", "console.css": "text/css"}
LOGIN_TTL_SECONDS = 3600
API = Callable[[ConsoleActions, AgentView, int, dict[str, Any]], Awaitable[Reply]]

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


async def load_agent(new_uow: Callable[[], Any], agent_id: int) -> AgentView | None:
    from bot.services.agents import get_agent

    loop = asyncio.get_running_loop()
    agent = await loop.run_in_executor(None, partial(get_agent, new_uow(), agent_id=agent_id))
    return agent if agent is not None and agent.active else None


def add_routes(bp: Blueprint, channel: AgentConsoleInput) -> None:
    async def index(request: Request) -> HTTPResponse:
        if not request.path.endswith("/"):
            return response.redirect(request.path + "/", status=308)
        return await _index(request, channel)

    async def login(request: Request) -> HTTPResponse:
        return await _login(request, channel)

    async def logout(request: Request) -> HTTPResponse:
        guard = await _guard(request, channel, token=request.form.get(sessions.CSRF_FIELD))
        if isinstance(guard, HTTPResponse):
            return guard
        redirect = response.redirect("./", status=303)
        del redirect.cookies[sessions.SESSION_COOKIE]
        return redirect

    async def queue(request: Request) -> HTTPResponse:
        guard = await _guard(request, channel, write=False)
        if isinstance(guard, HTTPResponse):
            return guard
        assert channel.actions is not None
        return _json(await channel.actions.queue(guard))

    async def packet(request: Request, handoff_id: int) -> HTTPResponse:
        guard = await _guard(request, channel, write=False)
        if isinstance(guard, HTTPResponse):
            return guard
        assert channel.actions is not None
        return _json(await channel.actions.packet(guard, handoff_id))

    async def act(request: Request, handoff_id: int, action: str) -> HTTPResponse:
        guard = await _guard(request, channel, token=request.headers.get(sessions.CSRF_HEADER))
        if isinstance(guard, HTTPResponse):
            return guard
        if action not in ACTIONS:
            return _error(404, "unknown_action")
        body = _body(request)
        assert channel.actions is not None
        return _json(await ACTIONS[action](channel.actions, guard, handoff_id, body))

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
    for name in STATIC_TYPES:
        bp.add_route(static(name), "/" + name, methods=["GET"], name=name.replace(".", "_"))

    from bot.console.trainer import add_trainer_routes

    add_trainer_routes(bp, channel)


def _static(name: str) -> HTTPResponse:
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
    body = (STATIC_DIR / name).read_bytes()
    return response.raw(body, content_type=STATIC_TYPES[name] + "; charset=utf-8", headers=headers)


async def _index(request: Request, channel: AgentConsoleInput) -> HTTPResponse:
    session = channel.session_for(request.cookies.get(sessions.SESSION_COOKIE))
    agent = await channel.agent_for(request.cookies.get(sessions.SESSION_COOKIE))
    if agent is not None and session is not None:
        csrf = sessions.csrf_token(_secret(channel), session.session_id)
        teams = channel.teams or ()
        page = pages.console_page(agent, csrf, canned=channel.canned, teams=teams)
        return response.html(page, headers=pages.SECURITY_HEADERS)
    return _login_form(request, channel, None, status=200)


def _login_form(
    request: Request, channel: AgentConsoleInput, error: str | None, *, status: int
) -> HTTPResponse:
    nonce = sessions.new_login_nonce()
    csrf = sessions.csrf_token(_secret(channel), "login:" + nonce)
    page = response.html(
        pages.login_page(csrf, error), status=status, headers=pages.SECURITY_HEADERS
    )
    _set_cookie(page, sessions.LOGIN_COOKIE, nonce, channel, max_age=LOGIN_TTL_SECONDS)
    return page


async def _login(request: Request, channel: AgentConsoleInput) -> HTTPResponse:
    from bot.services.agents import authenticate

    nonce = request.cookies.get(sessions.LOGIN_COOKIE) or ""
    token = request.form.get(sessions.CSRF_FIELD)
    if not nonce or not sessions.csrf_ok(_secret(channel), "login:" + nonce, token):
        return _login_form(request, channel, "The form expired; please try again.", status=403)
    username = request.form.get("username") or ""
    password = request.form.get("password") or ""
    address = request.remote_addr or request.ip
    wait = channel.login_throttle.retry_after(username, address)
    if wait is not None:
        minutes = math.ceil(wait / 60)
        refused = _login_form(
            request,
            channel,
            f"Too many failed attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
            status=429,
        )
        refused.headers["Retry-After"] = str(wait)
        return refused
    assert channel.new_uow is not None
    check = partial(authenticate, channel.new_uow(), username=username, password=password)
    agent = await asyncio.get_running_loop().run_in_executor(None, check)
    if agent is None:
        channel.login_throttle.failed(username, address)
        return _login_form(request, channel, "Wrong username or password.", status=401)
    channel.login_throttle.succeeded(username)
    cookie = sessions.issue(
        _secret(channel), agent_id=agent.id, ttl_seconds=channel.session_ttl_seconds
    )
    redirect = response.redirect("./", status=303)
    _set_cookie(
        redirect, sessions.SESSION_COOKIE, cookie, channel, max_age=channel.session_ttl_seconds
    )
    del redirect.cookies[sessions.LOGIN_COOKIE]
    return redirect


async def _guard(
    request: Request,
    channel: AgentConsoleInput,
    *,
    token: str | None = None,
    write: bool = True,
) -> AgentView | HTTPResponse:
    cookie = request.cookies.get(sessions.SESSION_COOKIE)
    session = channel.session_for(cookie)
    agent = await channel.agent_for(cookie) if session is not None else None
    if agent is None or session is None:
        return _error(401, "login_required")
    if not write:
        return agent
    origin = request.headers.get("Origin")
    if origin is not None and origin != f"{request.scheme}://{request.host}":
        return _error(403, "bad_origin")
    if not sessions.csrf_ok(_secret(channel), session.session_id, token):
        return _error(403, "bad_csrf_token")
    return agent


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


def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _json(reply: Reply) -> HTTPResponse:
    return response.json(reply.body, status=reply.status, headers={"Cache-Control": "no-store"})


def _error(status: int, code: str) -> HTTPResponse:
    return response.json({"error": code}, status=status, headers={"Cache-Control": "no-store"})
