"""The agents' live feed (socket.io namespace /agents): who may join, and who stays.

A socket joins only from the console's own origin (a browser always sends `Origin` with a
WebSocket, and the shop's page shares the console's site, so its cookie would come along),
with a live session of an agent or a supervisor (trainers review conversations but see
no live customer). It joins the rooms of what that agent may read (bot/channels/handoff.py).

Each process remembers the session behind each socket it holds. Before every push
(`HandoffRelay.agent_gate`) and every `interval_seconds`, it asks the store which of those
sessions still stand; the sockets of revoked sessions (logout, deactivation, a new
password) or expired ones are disconnected before anything else reaches them. With several
replicas, each checks the sockets it holds: its next push or its next round.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

from bot.blocking import in_thread
from bot.channels.handoff import AGENTS_NAMESPACE, agent_feed_rooms
from bot.console import origin, staff_cookies
from bot.console.guard import SERVING_ROLES, Staff
from bot.periodic import PeriodicTask

logger = logging.getLogger(__name__)


class AgentFeed:
    def __init__(
        self,
        emitter: Any,
        *,
        staff_for: Callable[[str | None], Any],
        live: Callable[[set[str]], set[str]],
        console_origin: str = "",
        interval_seconds: float = 0.0,
    ) -> None:
        self.emitter, self.staff_for, self.live = emitter, staff_for, live
        self.console_origin = console_origin
        self.sockets: dict[str, str] = {}  # socket id -> session id
        self.task = PeriodicTask(
            self.check,
            interval_seconds=interval_seconds,
            failure="Checking the agents' sockets failed; again in %(interval)ss.",
            logger=logger,
            first_run_now=False,
        )

    def install(self) -> None:
        """Serve the namespace: who joins and who leaves (the console does it when it is
        registered; starting the periodic check is the process bootstrap's)."""
        self.emitter.on("connect", self.connect, namespace=AGENTS_NAMESPACE)
        self.emitter.on("disconnect", self.disconnect, namespace=AGENTS_NAMESPACE)

    def start(self) -> None:
        """Check the sockets every `interval_seconds` from now on (0: before pushes only)."""
        self.task.start()

    async def connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        request = environ.get("sanic.request")
        if request is not None and origin.is_foreign(request, self.console_origin):
            return False
        morsel = SimpleCookie(environ.get("HTTP_COOKIE", "")).get(staff_cookies.SESSION_COOKIE)
        staff: Staff | None = await self.staff_for(morsel.value if morsel else None)
        if staff is None or staff.agent.role not in SERVING_ROLES:
            return False
        self.sockets[sid] = staff.session.session_id
        agent = staff.agent
        for room in agent_feed_rooms(agent.id, agent.role, agent.team):
            await self.emitter.enter_room(sid, room, namespace=AGENTS_NAMESPACE)
        return True

    async def disconnect(self, sid: str, *_: Any) -> None:
        self.sockets.pop(sid, None)

    async def check(self) -> None:
        """Disconnect this process's sockets whose session no longer stands."""
        if not self.sockets:
            return
        held = dict(self.sockets)
        standing = await in_thread(self.live, set(held.values()))
        for sid, session_id in held.items():
            if session_id not in standing:
                self.sockets.pop(sid, None)
                await self.emitter.disconnect(sid, namespace=AGENTS_NAMESPACE)

    async def stop(self) -> None:
        await self.task.stop()
