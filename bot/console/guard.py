"""Who is asking, and may they: the one check in front of every staff route.

A request is served for a member of staff when its cookie carries a session we signed and
the server still holds that session (bot/services/agent_sessions.py: not logged out, not
revoked, not older than the maximum age, agent active); when their role is one the route
allows; and, for a change, when the CSRF token matches the session. Requests from other
origins never get this far (bot/console/origin.py, the blueprint's middleware).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.console import staff_cookies
from bot.services.views import AgentView

SERVING_ROLES = ("agent", "supervisor")  # the queue, the packets, the live feed
TRAINER_ROLES = ("trainer", "supervisor")  # the review inbox and retraining
SUPERVISOR_ROLES = ("supervisor",)  # the access log


@dataclass(frozen=True)
class Staff:
    """A request's member of staff: their live session and who they are."""

    session: staff_cookies.AgentSession
    agent: AgentView


async def staff_for(
    secret: bytes | None,
    new_uow: Callable[[], Any] | None,
    cookie: str | None,
    *,
    max_age_seconds: int,
) -> Staff | None:
    """The member of staff whose live session this cookie carries; None otherwise."""
    from bot.services.agent_sessions import session_agent

    session = staff_cookies.verify(secret, cookie) if secret else None
    if session is None or new_uow is None:
        return None
    check = partial(
        session_agent,
        new_uow(),
        agent_id=session.agent_id,
        session_id=session.session_id,
        max_age_seconds=max_age_seconds,
    )
    agent = await asyncio.get_running_loop().run_in_executor(None, check)
    return Staff(session, agent) if agent is not None else None


async def guard(
    request: Request,
    channel: Any,
    *,
    roles: tuple[str, ...],
    write: bool,
    token: str | None = None,
    denied: str = "role_not_allowed",
) -> Staff | HTTPResponse:
    """The member of staff, or the refusal: 401 without a live session, 403 for another
    role or (for a change) without the session's CSRF token."""
    staff = await channel.staff_for(request.cookies.get(staff_cookies.SESSION_COOKIE))
    if staff is None:
        return error(401, "login_required")
    if staff.agent.role not in roles:
        return error(403, denied)
    if write and not staff_cookies.csrf_ok(channel.secret, staff.session.session_id, token):
        return error(403, "bad_csrf_token")
    return staff


def error(status: int, code: str) -> HTTPResponse:
    return response.json({"error": code}, status=status, headers={"Cache-Control": "no-store"})
