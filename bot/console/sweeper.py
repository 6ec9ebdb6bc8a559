"""The queue's housekeeping, run every few seconds in each Rasa process.

- A queued customer whose chat is connected to this process is *present*: their
  `customer_last_seen_at` moves on (messages move it too, in the relay). Each replica marks
  the sockets it holds, so with several replicas a customer is present if any replica has
  them.
- A queued customer not seen for `abandon_after_minutes` (escalation.yml) has left: the
  handoff is `abandoned` and drops out of the agents' queue.
- At closing time whoever is still queued gets a ticket, and is told so in the chat.

Every step fails soft: a database hiccup is logged and the next sweep tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from bot.blocking import in_thread
from bot.channels.handoff import HandoffRelay
from bot.escalation import EscalationPolicy, project_policy
from bot.periodic import PeriodicTask
from bot.services import queue
from bot.services.views import HandoffRef
from bot.store.columns import utcnow

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 30.0


def connected_rooms(sio: Any, namespace: str | None) -> Callable[[str], bool]:
    """Whether a socket of this process is in the customer's room (their session id).

    `python-socketio` keeps the rooms of the sockets this process holds in
    `manager.rooms[namespace][room]`; `get_participants` is its public reader.
    """

    def connected(conversation_id: str) -> bool:
        participants = sio.manager.get_participants(namespace or "/", conversation_id)
        return next(iter(participants), None) is not None

    return connected


class QueueSweeper(PeriodicTask):
    def __init__(
        self,
        relay: HandoffRelay,
        new_uow: Callable[[], Any],
        *,
        connected: Callable[[str], bool],
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
        policy: Callable[[], EscalationPolicy] = project_policy,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(
            self.sweep,
            interval_seconds=interval_seconds,
            failure="The queue sweep failed; trying again in %(interval)ss.",
            logger=logger,
        )
        self.relay, self.new_uow, self.connected = relay, new_uow, connected
        self.policy, self.clock = policy, clock

    async def sweep(self) -> tuple[list[HandoffRef], list[HandoffRef]]:
        """One round; returns the handoffs abandoned and those turned into tickets."""
        now, policy = self.clock(), await in_thread(self.policy)  # escalation.yml, once read
        waiting = await in_thread(queue.queued_conversations, self.new_uow())
        present = [conversation for conversation in waiting if self.connected(conversation)]
        await in_thread(queue.mark_present, self.new_uow(), conversation_ids=present, now=now)
        abandoned = await in_thread(queue.abandon_unseen, self.new_uow(), now=now, policy=policy)
        ticketed, opens = await in_thread(
            queue.queued_to_tickets, self.new_uow(), now=now, policy=policy
        )
        await self._announce(abandoned, ticketed, opens)
        return abandoned, ticketed

    async def _announce(
        self, abandoned: list[HandoffRef], ticketed: list[HandoffRef], opens: datetime | None
    ) -> None:
        for ref in abandoned:
            logger.info("Handoff %s abandoned: the customer left.", ref.handoff_id)
            self.relay.forget(ref.conversation_id)
        for ref in ticketed:
            await self.relay.announce(
                ref.conversation_id,
                status="ticket",
                text=ticket_text(ref, opens),
            )
        if abandoned or ticketed:
            await self.relay.to_agents(
                "queue_changed", {"handoff_ids": _ids([*abandoned, *ticketed])}
            )


def ticket_text(ref: HandoffRef, opens: datetime | None) -> str:
    when = f"{opens:%A} at {opens:%H:%M} {opens.tzname() or ''}".rstrip() if opens else "soon"
    return (
        "Our team has closed for today, so your request is now a ticket "
        f"(reference H-{ref.handoff_id}) with everything we've talked about. "
        f"A person will get back to you from {when}. Meanwhile I'm here to help."
    )


def _ids(refs: Iterable[HandoffRef]) -> list[int]:
    return [ref.handoff_id for ref in refs]
