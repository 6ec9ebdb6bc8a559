"""The live relay while a person owns a conversation, in the Rasa process.

The web channel asks `HandoffRelay.intercept` before each customer turn. While the
conversation has a live handoff (queued or assigned), the message is logged on the
tracker without predicting (the bot stays silent) and pushed to the agents' socket.io
namespace; agents' messages are appended to the tracker as `BotUttered` and pushed to
the customer's room. Tickets (outside business hours) are not live: the bot keeps talking.

Everything is sent through `Emitter`. One Rasa process needs nothing else; with several
replicas, give the `AsyncServer` a `socketio.AsyncRedisManager` (client_manager=...) and
every emit reaches the sockets held by the other replicas unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any, Protocol

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, Event

from bot.blocking import in_thread
from bot.services.views import HandoffView, QueueTicket

logger = logging.getLogger(__name__)

AGENTS_NAMESPACE = "/agents"
AGENTS_ROOM = "agents"  # every agent's socket: events that carry no customer data
# Events that carry what a customer said go only to those who may read that handoff: the
# "all teams" room (supervisors, agents of no team), the handoff's team, its assignee.
ALL_TEAMS_ROOM = "agents:all"
LIVE_STATES = ("queued", "assigned")
HANDOFF_EVT = "handoff"  # agents: a customer message, an agent reply, a queue change
TYPING_EVT = "typing"  # customers: {typing, agent}, as bot.channels.web sends it for the bot


class Emitter(Protocol):
    """Where live events go: `socketio.AsyncServer` satisfies it (with any client manager)."""

    async def emit(
        self,
        event: str,
        data: Any = None,
        *,
        room: str | list[str] | None = None,
        namespace: str | None = None,
    ) -> None: ...


class HandoffStore(Protocol):
    """The store calls the relay needs; blocking, so the relay runs them in a thread
    (`bot.blocking.in_thread`), all but the index probe before every turn (see `_active`)."""

    def has_active_handoff(self, conversation_id: str) -> bool: ...

    def active_handoff(self, conversation_id: str) -> HandoffView | None: ...

    def queue_position(self, handoff_id: int) -> QueueTicket | None: ...

    def mark_seen(self, conversation_id: str) -> bool: ...


class Conversations(Protocol):
    """The conversation history (Rasa's trackers), written under the conversation's lock."""

    async def log_user_message(self, message: UserMessage) -> dict[str, Any]: ...

    async def append(self, conversation_id: str, events: list[Event]) -> None: ...

    async def history(self, conversation_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The conversation's events (as dicts) and its current slot values."""
        ...


class ServiceStore:
    """`HandoffStore` over `bot.services.queue`, one unit of work per call."""

    def __init__(self, new_uow: Callable[[], Any] | None = None) -> None:
        from bot.store.unit_of_work import SqlAlchemyUnitOfWork

        self.new_uow = new_uow or SqlAlchemyUnitOfWork

    def has_active_handoff(self, conversation_id: str) -> bool:
        from bot.services.queue import has_active_handoff

        return has_active_handoff(self.new_uow(), conversation_id=conversation_id)

    def active_handoff(self, conversation_id: str) -> HandoffView | None:
        from bot.services.queue import active_handoff_for

        return active_handoff_for(self.new_uow(), conversation_id=conversation_id)

    def queue_position(self, handoff_id: int) -> QueueTicket | None:
        from bot.services.queue import position_of

        return position_of(self.new_uow(), handoff_id=handoff_id)

    def mark_seen(self, conversation_id: str) -> bool:
        from bot.services.queue import mark_seen

        return mark_seen(self.new_uow(), conversation_id=conversation_id)


class RasaConversations:
    """`Conversations` on the Rasa agent of the running app (`app.ctx.agent`)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def log_user_message(self, message: UserMessage) -> dict[str, Any]:
        """NLU runs and the `UserUttered` is saved; no action is predicted."""
        agent = self.app.ctx.agent
        quiet = UserMessage(
            message.text,
            CollectingOutputChannel(),  # a session restart must not talk to the customer
            message.sender_id,
            input_channel=message.input_channel,
            metadata=message.metadata,
        )
        async with agent.lock_store.lock(message.sender_id):
            tracker = await agent.processor.log_message(quiet, should_save_tracker=True)
        return dict(tracker.latest_message.parse_data) if tracker.latest_message else {}

    async def append(self, conversation_id: str, events: list[Event]) -> None:
        agent = self.app.ctx.agent
        async with agent.lock_store.lock(conversation_id):
            tracker = await agent.processor.get_tracker(conversation_id)
            for event in events:
                tracker.update(event)
            await agent.processor.save_tracker(tracker)

    async def history(self, conversation_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        tracker = await self.app.ctx.agent.tracker_store.retrieve(conversation_id)
        if tracker is None:
            return [], {}
        return [event.as_dict() for event in tracker.events], tracker.current_slot_values()


class HandoffRelay:
    """Customer <-> agent while a handoff is live; see the module docstring."""

    def __init__(
        self,
        emitter: Emitter,
        store: HandoffStore,
        conversations: Conversations,
        *,
        bot_message_evt: str = "bot_uttered",
        customer_namespace: str | None = None,
    ) -> None:
        self.emitter, self.store, self.conversations = emitter, store, conversations
        self.bot_message_evt = bot_message_evt
        self.customer_namespace = customer_namespace
        self.new_handoff_listeners: list[Callable[[HandoffView], object]] = []
        # Set by the agent console: drops agents' sockets whose session ended, before a push.
        self.agent_gate: Callable[[], Awaitable[None]] | None = None
        self._silenced: set[str] = set()
        self._turn_started: dict[str, datetime] = {}

    def is_silenced(self, conversation_id: str) -> bool:
        """Seen with a live handoff in this process; the reply guard stays quiet for it."""
        return conversation_id in self._silenced

    async def intercept(self, message: UserMessage) -> bool:
        """True when a person owns the conversation: the message went to them, not Rasa."""
        conversation_id = message.sender_id
        handoff = await self._active(conversation_id)
        if handoff is None or handoff.state not in LIVE_STATES:
            self._silenced.discard(conversation_id)
            self._turn_started[conversation_id] = _now()
            return False
        self._silenced.add(conversation_id)
        parse_data = await self.conversations.log_user_message(message)
        await self.to_agents(
            "customer_message",
            {
                "handoff_id": handoff.id,
                "text": message.text,
                "intent": (parse_data.get("intent") or {}).get("name"),
                "at": _now().isoformat(),
            },
            handoff=handoff,
        )
        if handoff.state == "queued":
            await self._seen(conversation_id)
            await self._tell_position(conversation_id, handoff.id)
        return True

    def forget(self, conversation_id: str) -> None:
        """The handoff ended outside the relay (abandoned, ticketed): the bot may talk."""
        self._silenced.discard(conversation_id)

    async def after_turn(self, conversation_id: str) -> None:
        """A handoff that went live during the bot's turn (there was none before it) is
        announced to the agents, the customer (their place in the queue) and listeners."""
        if self._turn_started.pop(conversation_id, None) is None:
            return  # intercept() did not run (or found a live handoff): nothing new
        handoff = await self._active(conversation_id)
        if handoff is None:
            return
        if handoff.state in LIVE_STATES:  # a ticket is announced, but the bot keeps answering
            self._silenced.add(conversation_id)
        await self.to_agents("queue_changed", {"handoff_id": handoff.id})
        if handoff.state == "queued":
            await self._tell_position(conversation_id, handoff.id)
        for listener in self.new_handoff_listeners:
            try:
                listener(handoff)
            except Exception:  # a listener (the webhook) must never break the chat
                logger.exception("A new-handoff listener failed.")

    async def agent_says(self, conversation_id: str, text: str, agent_name: str) -> None:
        """An agent's message: into the history, then live to the customer."""
        await self.conversations.append(
            conversation_id, [BotUttered(text, metadata={"agent": agent_name})]
        )
        await self.to_customer(conversation_id, {"text": text, "agent": agent_name})

    async def agent_typing(self, conversation_id: str, agent_name: str) -> None:
        """The widget's typing indicator (the `typing` event the web channel sends for the
        bot), while a person writes; it hides itself after a few seconds."""
        await self.emitter.emit(
            TYPING_EVT,
            {"typing": True, "agent": agent_name},
            room=conversation_id,
            namespace=self.customer_namespace,
        )

    async def announce(
        self, conversation_id: str, *, status: str, text: str, agent_name: str | None = None
    ) -> None:
        """A status line for the customer (agent joined, back to the bot), kept in history.

        Clients that ignore the `handoff` field still show the text.
        """
        details = {"status": status, "agent": agent_name}
        await self.conversations.append(
            conversation_id, [BotUttered(text, metadata={"handoff": details})]
        )
        if status in ("bot", "ticket"):
            self._silenced.discard(conversation_id)
        await self.to_customer(conversation_id, {"text": text, "handoff": details})

    async def to_customer(self, conversation_id: str, payload: dict[str, Any]) -> None:
        await self.emitter.emit(
            self.bot_message_evt, payload, room=conversation_id, namespace=self.customer_namespace
        )

    async def to_agents(
        self, kind: str, payload: dict[str, Any], *, handoff: HandoffView | None = None
    ) -> None:
        """An event for the agents' feed: with `handoff`, only for those who may read it
        (it carries what was said); without, for every agent (ids and states only). Sockets
        whose session has ended are dropped first (`agent_gate`)."""
        if self.agent_gate is not None:
            await self.agent_gate()
        rooms = handoff_rooms(handoff.team, handoff.assigned_agent_id) if handoff else AGENTS_ROOM
        await self.emitter.emit(
            HANDOFF_EVT, {"kind": kind, **payload}, room=rooms, namespace=AGENTS_NAMESPACE
        )

    async def _active(self, conversation_id: str) -> HandoffView | None:
        """Fails open: with the store down the bot keeps answering (and says it can't
        reach the order system) rather than the customer getting an error."""
        try:
            # Nearly every turn has none: one index probe, then the handoff only if any. The
            # probe runs on the loop, the one store call that does: a read that no lock can
            # hold up (PostgreSQL's MVCC, SQLite's WAL), about 0.3 ms, cheaper than the hop
            # to a worker thread it would take on every turn (measured: bench-chat, Rasa CPU
            # per turn and p95 at 100 turns/s, bench/results/chat-issue15.md).
            if not self.store.has_active_handoff(conversation_id):
                return None
            return await in_thread(self.store.active_handoff, conversation_id)
        except Exception:
            logger.exception("No handoff state for %s; the bot answers.", conversation_id)
            return None

    async def _seen(self, conversation_id: str) -> None:
        """A queued customer who writes has not left (see bot.console.sweeper)."""
        try:
            await in_thread(self.store.mark_seen, conversation_id)
        except Exception:
            logger.exception("Could not mark %s as seen.", conversation_id)

    async def _tell_position(self, conversation_id: str, handoff_id: int) -> None:
        try:
            ticket = await in_thread(self.store.queue_position, handoff_id)
        except Exception:
            logger.exception("No queue position for handoff %s.", handoff_id)
            return
        if ticket is None or ticket.position is None:
            return
        wait = ticket.expected_wait_minutes
        text = f"You are number {ticket.position} in the queue for a person."
        if wait:
            text += f" The expected wait is about {wait} minute{'s' if wait != 1 else ''}."
        details = {"status": "queued", "position": ticket.position, "wait_minutes": wait}
        await self.to_customer(conversation_id, {"text": text, "handoff": details})


def team_room(team: str) -> str:
    return f"agents:team:{team}"


def agent_room(agent_id: int) -> str:
    return f"agents:id:{agent_id}"


def handoff_rooms(team: str, assignee: int | None) -> list[str]:
    """The rooms of those who may read a live handoff of `team` (bot.services.queue's rule)."""
    rooms = [ALL_TEAMS_ROOM, team_room(team)]
    return [*rooms, agent_room(assignee)] if assignee is not None else rooms


def agent_feed_rooms(agent_id: int, role: str, team: str | None) -> list[str]:
    """The rooms an agent's socket joins: everyone's, and what their role and team read."""
    scope = ALL_TEAMS_ROOM if role == "supervisor" or team is None else team_room(team)
    return [AGENTS_ROOM, scope, agent_room(agent_id)]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def attach_relay(app: Any, channel: Any) -> HandoffRelay:
    """The relay for the web channel mounted on `app`; the agent console finds it on
    `app.ctx.handoff_relay` (with the socket.io server, `relay.emitter`)."""
    relay = HandoffRelay(
        channel.sio,
        ServiceStore(),
        RasaConversations(app),
        bot_message_evt=channel.bot_message_evt,
        customer_namespace=channel.namespace,
    )
    app.ctx.handoff_relay = relay
    return relay
