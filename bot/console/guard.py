"""Who is asking: the member of staff behind a session cookie, and the roles of the routes.

A request is served for a member of staff when its cookie carries a session we signed and
the server still holds that session (bot/services/agent_sessions.py: not logged out, not
revoked, not older than the maximum age, agent active). Whether their role may use a route,
and the CSRF check of a change, are the guard decorator's (bot/console/http.py,
`require_agent`); requests from other origins are refused before either (bot/console/origin.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sanic import response
from sanic.response import HTTPResponse

from bot.blocking import in_thread
from bot.console import staff_cookies
from bot.services.views import AgentView

SERVING_ROLES = ("agent", "supervisor")  # the queue, the packets, the live feed
TRAINER_ROLES = ("trainer", "supervisor")  # the review inbox and retraining
SUPERVISOR_ROLES = ("supervisor",)  # the access log
ALL_ROLES = ("agent", "supervisor", "trainer")  # logging out
NO_STORE = {"Cache-Control": "no-store"}


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
    agent = await in_thread(
        session_agent,
        new_uow(),
        agent_id=session.agent_id,
        session_id=session.session_id,
        max_age_seconds=max_age_seconds,
    )
    return Staff(session, agent) if agent is not None else None


def error(status: int, code: str) -> HTTPResponse:
    """A refusal as the console's JSON API gives it: `{"error": code}`, never cached."""
    return response.json({"error": code}, status=status, headers=NO_STORE)
