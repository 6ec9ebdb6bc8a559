"""What an agent can do from the console, over the store services and the live relay.

Each method takes the acting agent and returns a `Reply` (HTTP status + JSON body), so the
routes stay thin and these can be tested without HTTP. Every store call runs in a worker
thread (`bot.blocking.in_thread`), never on the event loop; the customer hears about every
change through the relay.

What an agent may read follows `bot.services.queue.may_read`; opening a packet is written
to the access log (bot/services/access_log.py) with the client's address. Only supervisors
get the conversation id (to look the tracker up); agents work with the handoff id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.blocking import in_thread
from bot.channels.handoff import HandoffRelay
from bot.console.context import build_packet
from bot.services import access_log, customers, orders, queue
from bot.services.views import AgentView, HandoffView, QueueEntry
from bot.store.models import ACTIVE_HANDOFF_STATES, HANDOFF_DISPOSITIONS

MAX_REPLY_LENGTH = 2000
REFUSALS = {"not_found": 404, "forbidden": 403}
BACK_TO_BOT = "You are back with our virtual assistant. Ask me anything."


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]


def refused(status: int, code: str) -> Reply:
    return Reply(status, {"error": code})


class ConsoleActions:
    def __init__(self, relay: HandoffRelay, new_uow: Callable[[], Any]) -> None:
        self.relay, self.new_uow = relay, new_uow

    async def queue(self, agent: AgentView) -> Reply:
        states = ("queued", "assigned", "ticket")
        entries = await in_thread(queue.list_queue, self.new_uow(), states=states, reader=agent)
        return Reply(200, {"queue": [_entry(entry, agent) for entry in entries]})

    async def packet(self, agent: AgentView, handoff_id: int, *, address: str) -> Reply:
        handoff, why = await self._readable(agent, handoff_id)
        if handoff is None:
            return refused(REFUSALS.get(str(why), 404), str(why))
        await self._log(agent, "view_handoff", address, handoff)
        events, slots = await self.relay.conversations.history(handoff.conversation_id)
        customer, recent = await in_thread(self._customer, handoff.customer_id)
        notes = await in_thread(queue.notes_for, self.new_uow(), handoff_id=handoff.id)
        packet = build_packet(handoff, events, slots, customer=customer, orders=recent)
        if agent.role != "supervisor":
            packet["handoff"].pop("conversation_id", None)
        packet["notes"] = [_note(note) for note in notes]
        packet["mine"] = handoff.assigned_agent_id == agent.id
        return Reply(200, packet)

    async def access_log(self, agent: AgentView, args: Mapping[str, Any], address: str) -> Reply:
        """The newest entries of the access log (supervisors), filtered by `handoff_id`,
        `customer_id` or `agent_id`; reading it is logged too."""
        filters = {name: _number(args.get(name)) for name in FILTERS}
        limit = _number(args.get("limit")) or 100
        entries = await in_thread(access_log.recent_access, self.new_uow(), limit=limit, **filters)
        detail = " ".join(f"{k}={v}" for k, v in filters.items() if v is not None) or None
        await self._log(agent, "read_access_log", address, None, detail=detail)
        return Reply(200, {"entries": [entry.as_json() for entry in entries]})

    async def claim(self, agent: AgentView, handoff_id: int) -> Reply:
        outcome = await in_thread(
            queue.claim, self.new_uow(), handoff_id=handoff_id, agent_id=agent.id
        )
        if not outcome.ok or outcome.handoff is None:
            return refused(REFUSALS.get(str(outcome.reason), 409), str(outcome.reason))
        name = agent.display_name
        await self.relay.announce(
            outcome.handoff.conversation_id,
            status="agent_joined",
            text=f"{name} from our team joined the chat.",
            agent_name=name,
        )
        await self.relay.to_agents("queue_changed", {"handoff_id": handoff_id})
        return Reply(200, {"ok": True})

    async def reply(self, agent: AgentView, handoff_id: int, text: object) -> Reply:
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_REPLY_LENGTH:
            return refused(400, "bad_text")
        handoff = await self._handoff(handoff_id)
        if handoff is None:
            return refused(404, "not_found")
        if handoff.state != "assigned" or handoff.assigned_agent_id != agent.id:
            return refused(409, "not_assignee")
        await self.relay.agent_says(handoff.conversation_id, text.strip(), agent.display_name)
        await self.relay.to_agents(
            "agent_message",
            {"handoff_id": handoff_id, "text": text.strip(), "agent": agent.display_name},
            handoff=handoff,
        )
        return Reply(200, {"ok": True})

    async def typing(self, agent: AgentView, handoff_id: int) -> Reply:
        """The assignee is writing: the customer's chat shows the typing indicator."""
        handoff = await self._handoff(handoff_id)
        if handoff is None:
            return refused(404, "not_found")
        if handoff.state != "assigned" or handoff.assigned_agent_id != agent.id:
            return refused(409, "not_assignee")
        await self.relay.agent_typing(handoff.conversation_id, agent.display_name)
        return Reply(200, {"ok": True})

    async def note(self, agent: AgentView, handoff_id: int, text: object) -> Reply:
        """Notes go on open handoffs the agent may read: 403/404, else 409 once closed."""
        handoff, why = await self._readable(agent, handoff_id)
        if handoff is None:
            return refused(REFUSALS.get(str(why), 404), str(why))
        if handoff.state not in ACTIVE_HANDOFF_STATES:
            return refused(409, "handoff_closed")
        note = await in_thread(
            queue.add_note,
            self.new_uow(),
            handoff_id=handoff_id,
            agent_id=agent.id,
            body=text if isinstance(text, str) else "",
        )
        if note is None:
            return refused(400, "bad_note")
        await self.relay.to_agents("note_added", {"handoff_id": handoff_id})
        return Reply(200, {"note": _note(note)})

    async def transfer(self, agent: AgentView, handoff_id: int, team: object) -> Reply:
        outcome = await in_thread(
            queue.transfer,
            self.new_uow(),
            handoff_id=handoff_id,
            agent_id=agent.id,
            team=team if isinstance(team, str) else "",
        )
        if not outcome.ok or outcome.handoff is None:
            return refused(REFUSALS.get(str(outcome.reason), 409), str(outcome.reason))
        await self.relay.announce(
            outcome.handoff.conversation_id,
            status="queued",
            text=f"You are being passed to our {outcome.handoff.team} team; please stay here.",
        )
        await self.relay.to_agents("queue_changed", {"handoff_id": handoff_id})
        return Reply(200, {"ok": True})

    async def resolve(
        self, agent: AgentView, handoff_id: int, disposition: object, *, hand_back: bool
    ) -> Reply:
        """Resolving ends the handoff; either way the bot answers the next message."""
        if disposition not in HANDOFF_DISPOSITIONS:
            return refused(400, "unknown_disposition")
        outcome = await in_thread(
            queue.resolve,
            self.new_uow(),
            handoff_id=handoff_id,
            agent_id=agent.id,
            disposition=str(disposition),
        )
        if not outcome.ok or outcome.handoff is None:
            return refused(409, str(outcome.reason))
        text = BACK_TO_BOT
        if not hand_back:
            text = f"{agent.display_name} closed the chat. Thank you! {BACK_TO_BOT}"
        await self.relay.announce(outcome.handoff.conversation_id, status="bot", text=text)
        await self.relay.to_agents("queue_changed", {"handoff_id": handoff_id})
        return Reply(200, {"ok": True})

    async def _readable(
        self, agent: AgentView, handoff_id: int
    ) -> tuple[HandoffView | None, str | None]:
        return await in_thread(
            queue.readable_handoff, self.new_uow(), handoff_id=handoff_id, agent_id=agent.id
        )

    async def _log(
        self,
        agent: AgentView,
        action: str,
        address: str,
        handoff: HandoffView | None,
        *,
        detail: str | None = None,
    ) -> None:
        await in_thread(
            access_log.record_access,
            self.new_uow(),
            agent_id=agent.id,
            action=action,
            address=address,
            handoff_id=handoff.id if handoff else None,
            customer_id=handoff.customer_id if handoff else None,
            detail=detail,
        )

    async def _handoff(self, handoff_id: int) -> HandoffView | None:
        ticket = await in_thread(queue.position_of, self.new_uow(), handoff_id=handoff_id)
        return ticket.handoff if ticket is not None else None

    def _customer(self, customer_id: int | None) -> tuple[Any, list[Any]]:
        if customer_id is None:
            return None, []
        profile = customers.get_customer(self.new_uow(), customer_id=customer_id)
        recent = orders.list_orders(self.new_uow(), customer_id=customer_id, limit=5)
        return profile, recent


def _entry(entry: QueueEntry, agent: AgentView) -> dict[str, Any]:
    handoff = entry.handoff
    return {
        "id": handoff.id,
        "state": handoff.state,
        "priority": handoff.priority,
        "vip": handoff.vip,
        "team": handoff.team,
        "reasons": list(handoff.reasons),
        "interaction_type": handoff.interaction_type,
        "intent": handoff.intent,
        "position": entry.position,
        "waited_minutes": entry.waited_minutes,
        "sla_breached": entry.sla_breached,
        "customer": entry.customer_name,
        "tier": entry.customer_tier,
        "agent": entry.agent_name,
        "mine": handoff.assigned_agent_id == agent.id,
        "queued_at": handoff.queued_at.isoformat() if handoff.queued_at else None,
    }


FILTERS = ("handoff_id", "customer_id", "agent_id")


def _number(raw: object) -> int | None:
    try:
        value = int(str(raw)) if raw is not None else None
    except ValueError:
        return None
    return value if value is not None and 0 < value < 2**31 else None


def _note(note: Any) -> dict[str, Any]:
    return {"agent": note.agent_name, "body": note.body, "at": note.created_at.isoformat()}
