"""The console's front door: its page, logging in and logging out.

The page is the console for an agent or a supervisor with a live session, a redirect to the
review inbox for a trainer (trainers take no conversations), and the login form for anyone
else. The login form has its own CSRF token, bound to a short-lived cookie; logins are
throttled per normalised name and per client (bot/console/throttle.py). A login starts a
session on the server (its row) and in the browser (the signed cookie, HttpOnly,
SameSite=Strict); logging out ends it on the server, so the cookie is worthless if replayed.
"""

from __future__ import annotations

import math
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.blocking import in_thread
from bot.client_address import request_client_address
from bot.console import pages, staff_cookies
from bot.console.guard import ALL_ROLES, SERVING_ROLES
from bot.console.host import ConsoleHost
from bot.console.http import StaffCall, csrf_field, require_agent
from bot.services.agent_sessions import end_session, start_session
from bot.services.agents import authenticate, normalise_username
from bot.services.views import AgentView

LOGIN_TTL_SECONDS = 3600
FORM_EXPIRED = "The form expired; please try again."
WRONG_PASSWORD = "Wrong username or password."


class LoginRoutes:
    def __init__(self, host: ConsoleHost) -> None:
        self.host = host

    async def index(self, request: Request) -> HTTPResponse:
        if not request.path.endswith("/"):
            return response.redirect(request.path + "/", status=308)
        staff = await self.host.staff_for(request.cookies.get(staff_cookies.SESSION_COOKIE))
        if staff is None:
            return self.login_form(None, status=200)
        if staff.agent.role not in SERVING_ROLES:
            return response.redirect("trainer", status=303)
        csrf = staff_cookies.csrf_token(self.secret, staff.session.session_id)
        teams = self.host.teams or ()
        page = pages.console_page(staff.agent, csrf, canned=self.host.canned, teams=teams)
        return response.html(page, headers=pages.SECURITY_HEADERS)

    async def login(self, request: Request) -> HTTPResponse:
        nonce = request.cookies.get(staff_cookies.LOGIN_COOKIE) or ""
        token = request.form.get(staff_cookies.CSRF_FIELD)
        if not nonce or not staff_cookies.csrf_ok(self.secret, "login:" + nonce, token):
            return self.login_form(FORM_EXPIRED, status=403)
        username = normalise_username(request.form.get("username") or "")
        address = request_client_address(request)
        throttle = self.host.login_throttle
        wait = throttle.retry_after(username, address)
        if wait is not None:
            return self.too_many(wait)
        agent = await self.authenticate(username, request.form.get("password") or "")
        if agent is None:
            throttle.failed(username, address)
            return self.login_form(WRONG_PASSWORD, status=401)
        throttle.succeeded(username)
        return await self.start_session(agent, address)

    @require_agent(ALL_ROLES, write=True, csrf=csrf_field)
    async def logout(self, call: StaffCall) -> HTTPResponse:
        await in_thread(end_session, self.new_uow(), session_id=call.staff.session.session_id)
        redirect = response.redirect("./", status=303)
        del redirect.cookies[staff_cookies.SESSION_COOKIE]
        return redirect

    def login_form(self, error: str | None, *, status: int) -> HTTPResponse:
        nonce = staff_cookies.new_login_nonce()
        csrf = staff_cookies.csrf_token(self.secret, "login:" + nonce)
        page = response.html(
            pages.login_page(csrf, error), status=status, headers=pages.SECURITY_HEADERS
        )
        self.set_cookie(page, staff_cookies.LOGIN_COOKIE, nonce, max_age=LOGIN_TTL_SECONDS)
        return page

    def too_many(self, wait: int) -> HTTPResponse:
        refused = self.login_form(
            f"Too many failed attempts. Try again in {_when(wait)}.", status=429
        )
        refused.headers["Retry-After"] = str(wait)
        return refused

    async def authenticate(self, username: str | None, password: str) -> AgentView | None:
        return await in_thread(
            authenticate, self.new_uow(), username=username or "", password=password
        )

    async def start_session(self, agent: AgentView, address: str) -> HTTPResponse:
        """A new session, on the server (its row) and in the browser (the signed cookie)."""
        lifetime = self.host.session_lifetime_seconds()
        cookie = staff_cookies.issue(self.secret, agent_id=agent.id, ttl_seconds=lifetime)
        session = staff_cookies.verify(self.secret, cookie)
        assert session is not None
        await in_thread(
            start_session,
            self.new_uow(),
            agent_id=agent.id,
            session_id=session.session_id,
            lifetime_seconds=lifetime,
            address=address,
        )
        redirect = response.redirect("./", status=303)
        self.set_cookie(redirect, staff_cookies.SESSION_COOKIE, cookie, max_age=lifetime)
        del redirect.cookies[staff_cookies.LOGIN_COOKIE]
        return redirect

    def set_cookie(self, page: HTTPResponse, name: str, value: str, *, max_age: int) -> None:
        """HttpOnly, SameSite=Strict; path / so the socket.io handshake carries it too."""
        page.cookies[name] = value
        morsel = page.cookies[name]
        morsel["httponly"] = True
        morsel["samesite"] = "Strict"
        morsel["path"] = "/"
        morsel["max-age"] = max_age
        if self.host.secure_cookie:
            morsel["secure"] = True

    @property
    def secret(self) -> bytes:
        if self.host.secret is None:
            raise RuntimeError("the console is not started")
        return self.host.secret

    def new_uow(self) -> Any:
        if self.host.new_uow is None:
            raise RuntimeError("the console is not started")
        return self.host.new_uow()


def _when(wait: int) -> str:
    """'5 seconds', '2 minutes': how long a throttled login waits, for the form."""
    if wait < 60:
        return f"{wait} second{'s' if wait > 1 else ''}"
    minutes = math.ceil(wait / 60)
    return f"{minutes} minute{'s' if minutes > 1 else ''}"
