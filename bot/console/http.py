"""The console's HTTP plumbing, written once: the guard in front of every staff route, the
JSON body of a call, the JSON and file answers.

`require_agent(roles, write=...)` is to the console what Rasa's `requires_auth` is to its
HTTP API: one decorator that every staff route wears, so no handler can forget a check or
do them in another order. For each request, in this order:

1. a call made by a page of another origin: 403 `foreign_origin` (bot/console/origin.py;
   the blueprint's middleware refuses it first, this holds wherever a route is mounted);
2. no live session (bot/console/guard.py, `staff_for`): 401 `login_required`;
3. a role the route does not allow: 403 (`role_not_allowed`, or the route's own code);
4. for a change (`write=True`), the session's CSRF token missing or wrong: 403
   `bad_csrf_token` (the `X-CSRF-Token` header, or the form field for a form post).

Pages refuse with pages (a redirect to the login, an HTML 403) through `Refusal`. The
handler then gets a `StaffCall`: the request, who is asking, their CSRF token for a page,
and the JSON body (`{}` when it is missing, malformed or not an object, as before: each
handler refuses what it cannot use with its own 400).

Handlers are methods of a routes object that holds the `host` (bot/console/host.py);
`mount` adds them to the blueprint.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, partial, update_wrapper
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.blocking import in_thread
from bot.client_address import request_client_address
from bot.console import origin, staff_cookies
from bot.console.agent_actions import Reply
from bot.console.guard import NO_STORE, Staff, error
from bot.console.host import ConsoleHost
from bot.services.views import AgentView

ROLE_NOT_ALLOWED = "role_not_allowed"
STATIC_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
P = ParamSpec("P")
Answer = Coroutine[Any, Any, HTTPResponse]


@dataclass(frozen=True)
class Refusal:
    """How a route says no to who has no session, and to a role it does not serve."""

    login_required: Callable[[], HTTPResponse]
    not_allowed: Callable[[], HTTPResponse]


def api_refusal(denied: str = ROLE_NOT_ALLOWED) -> Refusal:
    """The JSON API's: 401 `login_required`, 403 `denied`."""
    return Refusal(partial(error, 401, "login_required"), partial(error, 403, denied))


def csrf_header(request: Request) -> str | None:
    return request.headers.get(staff_cookies.CSRF_HEADER)


def csrf_field(request: Request) -> str | None:
    """A plain HTML form (logout) carries the token in a hidden field instead."""
    return request.form.get(staff_cookies.CSRF_FIELD)


@dataclass(frozen=True)
class Rule:
    roles: tuple[str, ...]
    write: bool
    csrf: Callable[[Request], str | None]
    refusal: Refusal


@dataclass(frozen=True)
class StaffCall:
    """A request the guard let through, and who made it."""

    request: Request
    staff: Staff
    secret: bytes

    @property
    def agent(self) -> AgentView:
        return self.staff.agent

    @property
    def csrf(self) -> str:
        """The session's CSRF token, for a page to send back with its changes."""
        return staff_cookies.csrf_token(self.secret, self.staff.session.session_id)

    @property
    def address(self) -> str:
        """The client's address (behind a trusted proxy, the forwarded one)."""
        return request_client_address(self.request)

    @cached_property
    def body(self) -> dict[str, Any]:
        return json_body(self.request)


async def admit(host: ConsoleHost, request: Request, rule: Rule) -> StaffCall | HTTPResponse:
    """The call, or the refusal: origin, session, role, then (for a change) CSRF."""
    if origin.refused(request, host.console_origin):
        return error(403, "foreign_origin")
    staff = await host.staff_for(request.cookies.get(staff_cookies.SESSION_COOKIE))
    if staff is None or host.secret is None:
        return rule.refusal.login_required()
    if staff.agent.role not in rule.roles:
        return rule.refusal.not_allowed()
    token = rule.csrf(request) if rule.write else None
    if rule.write and not staff_cookies.csrf_ok(host.secret, staff.session.session_id, token):
        return error(403, "bad_csrf_token")
    return StaffCall(request, staff, host.secret)


class Routes(Protocol):
    """What a guarded handler's object holds: the host it serves."""

    @property
    def host(self) -> ConsoleHost: ...


R = TypeVar("R", bound=Routes)


def require_agent(
    roles: Iterable[str],
    *,
    write: bool = False,
    denied: str = ROLE_NOT_ALLOWED,
    csrf: Callable[[Request], str | None] = csrf_header,
    refusal: Refusal | None = None,
) -> Callable[
    [Callable[Concatenate[R, StaffCall, P], Answer]], Callable[Concatenate[R, Request, P], Answer]
]:
    """Guard a handler `(self, call, **path parameters)`: Sanic calls `(self, request, ...)`
    and the handler runs only for a live session of one of `roles` (and, for a `write`, with
    its CSRF token)."""
    rule = Rule(tuple(roles), write, csrf, refusal or api_refusal(denied))

    def decorate(
        handler: Callable[Concatenate[R, StaffCall, P], Answer],
    ) -> Callable[Concatenate[R, Request, P], Answer]:
        async def guarded(
            routes: R, request: Request, /, *args: P.args, **kwargs: P.kwargs
        ) -> HTTPResponse:
            call = await admit(routes.host, request, rule)
            if isinstance(call, HTTPResponse):
                return call
            return await handler(routes, call, *args, **kwargs)

        update_wrapper(guarded, handler)
        return guarded

    return decorate


Route = tuple[Callable[..., Answer], str, str, str]  # handler, path, method, route name


def mount(bp: Blueprint, routes: Iterable[Route]) -> None:
    for handler, path, method, name in routes:
        bp.add_route(_plain(handler), path, methods=[method], name=name)


def _plain(handler: Callable[..., Answer]) -> Callable[..., Answer]:
    """Sanic marks its handlers with attributes, which bound methods can't take."""

    async def serve(request: Request, **params: Any) -> HTTPResponse:
        return await handler(request, **params)

    return serve


def json_body(request: Request) -> dict[str, Any]:
    """The call's JSON object; `{}` for no body, malformed JSON or another JSON value."""
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def json_reply(body: Mapping[str, Any], status: int = 200) -> HTTPResponse:
    """A JSON answer of the API; staff data is never cached."""
    return response.json(body, status=status, headers=dict(NO_STORE))


def reply(answer: Reply) -> HTTPResponse:
    """An agent action's outcome (bot/console/agent_actions.py) as the API's answer."""
    return json_reply(answer.body, answer.status)


async def static_file(path: Path, content_type: str) -> HTTPResponse:
    """One of the console's own scripts or style sheets, read off the event loop."""
    body = await in_thread(path.read_bytes)
    content = f"{content_type}; charset=utf-8"
    return response.raw(body, content_type=content, headers=dict(STATIC_HEADERS))
