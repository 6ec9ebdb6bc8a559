"""What the console's routes need from the channel that serves them, and nothing more.

The routes (routes.py, dashboard.py, trainer_api.py) are added by the channel
(bot/console/channel.py, `AgentConsoleInput.blueprint`), so importing the channel back would
make a circle. They are written against this protocol instead: the channel satisfies it, and
a test or another host could too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from bot.console.agent_actions import ConsoleActions
from bot.console.guard import Staff
from bot.console.throttle import LoginThrottle


class ConsoleHost(Protocol):
    secret: bytes | None  # the session key; None until the channel starts
    new_uow: Callable[[], Any] | None  # a unit of work of the store; None until started
    actions: ConsoleActions | None  # the agents' actions over the relay; None until started
    canned: tuple[str, ...]
    teams: tuple[str, ...] | None
    secure_cookie: bool | None
    console_origin: str  # CIM_CONSOLE_ORIGIN; empty: each request's own
    login_throttle: LoginThrottle

    async def staff_for(self, cookie: str | None) -> Staff | None:
        """The member of staff whose live session this cookie carries; None otherwise."""

    def session_lifetime_seconds(self) -> int:
        """The cookie's lifetime, never past the server's maximum."""
