"""The relay in the web channel: while a person owns a conversation the bot is silent."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import BotUttered, Event

from bot.channels.handoff import AGENTS_NAMESPACE, HandoffRelay
from bot.services.views import HandoffView, QueueTicket
from tests.bot.channels.conftest import ChannelServer
from tests.waiting import until

SESSION = "handoff-session-1"


def handoff(state: str = "assigned") -> HandoffView:
    return HandoffView(
        id=7,
        conversation_id=SESSION,
        customer_id=None,
        state=state,
        reasons=("explicit",),
        interaction_type="conflict",
        intent="request_human",
        summary=None,
        created_at=datetime.now(timezone.utc),
    )


@dataclass
class FakeStore:
    live: HandoffView | None = None
    seen: list[str] = field(default_factory=list)

    def mark_seen(self, conversation_id: str) -> bool:
        self.seen.append(conversation_id)
        return True

    def has_active_handoff(self, conversation_id: str) -> bool:
        return self.live is not None

    def active_handoff(self, conversation_id: str) -> HandoffView | None:
        return self.live

    def queue_position(self, handoff_id: int) -> QueueTicket | None:
        assert self.live is not None
        return QueueTicket(self.live, 2, 6, False, None)


@dataclass
class FakeConversations:
    logged: list[str] = field(default_factory=list)
    appended: list[Event] = field(default_factory=list)

    async def log_user_message(self, message: UserMessage) -> dict[str, Any]:
        self.logged.append(message.text)
        return {"intent": {"name": "greet", "confidence": 0.9}}

    async def append(self, conversation_id: str, events: list[Event]) -> None:
        self.appended.extend(events)

    async def history(self, conversation_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        return [], {}


@dataclass
class Recorder:
    """An emitter that forwards to the real server and remembers what went to agents."""

    sio: Any
    to_agents: list[dict[str, Any]] = field(default_factory=list)

    async def emit(
        self, event: str, data: Any = None, *, room: Any = None, namespace: Any = None
    ) -> None:
        if namespace == AGENTS_NAMESPACE:
            self.to_agents.append(data)
        else:
            await self.sio.emit(event, data, room=room, namespace=namespace)


def install(server: ChannelServer, store: FakeStore) -> tuple[Recorder, FakeConversations]:
    recorder, conversations = Recorder(server.channel.sio), FakeConversations()
    server.channel.relay = HandoffRelay(recorder, store, conversations)
    return recorder, conversations


async def test_a_customer_message_goes_to_the_agent_and_not_to_the_bot(
    server: ChannelServer,
) -> None:
    recorder, conversations = install(server, FakeStore(handoff("assigned")))
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, "are you there?")

    assert await client.no_event(0.5)  # no bot reply, no apology
    assert server.rasa.received == []
    assert conversations.logged == ["are you there?"]
    assert recorder.to_agents[0]["kind"] == "customer_message"
    assert recorder.to_agents[0]["text"] == "are you there?"
    assert recorder.to_agents[0]["intent"] == "greet"


async def test_a_queued_customer_is_told_their_place(server: ChannelServer) -> None:
    store = FakeStore(handoff("queued"))
    install(server, store)
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, "hello?")

    name, data = await client.next_event()
    assert name == "bot_uttered"
    assert data["handoff"] == {"status": "queued", "position": 2, "wait_minutes": 6}
    assert "number 2" in data["text"]
    assert server.rasa.received == []
    assert store.seen == [SESSION]  # writing while queued: the customer has not left


async def test_without_a_handoff_the_bot_answers(server: ChannelServer) -> None:
    recorder, _ = install(server, FakeStore(None))
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, "hi")

    assert await client.next_event() == ("bot_uttered", {"text": "echo: hi"})
    assert len(server.rasa.received) == 1
    assert recorder.to_agents == []


async def test_an_agent_message_reaches_the_customer_and_the_history(
    server: ChannelServer,
) -> None:
    _, conversations = install(server, FakeStore(handoff()))
    client = await server.client()
    await client.start_session(SESSION)
    assert server.channel.relay is not None

    await server.channel.relay.agent_says(SESSION, "<b>Hi</b>, Anna here", "Anna")

    assert await client.next_event() == (
        "bot_uttered",
        {"text": "<b>Hi</b>, Anna here", "agent": "Anna"},
    )
    assert conversations.appended == [
        BotUttered("<b>Hi</b>, Anna here", metadata={"agent": "Anna"})
    ]


async def hand_off_during_a_turn(
    server: ChannelServer, state: str, reply: str
) -> tuple[Any, list[HandoffView], Any]:
    """The bot's turn creates a handoff in `state`: (recorder, announced handoffs, client)."""
    store = FakeStore(None)
    recorder, _ = install(server, store)
    announced: list[HandoffView] = []
    assert server.channel.relay is not None
    server.channel.relay.new_handoff_listeners.append(announced.append)

    async def bot_turn(message: UserMessage) -> None:
        store.live = handoff(state)
        await message.output_channel.send_text_message(message.sender_id, reply)

    server.rasa.reply = bot_turn
    client = await server.client()
    await client.start_session(SESSION)
    await client.say(SESSION, "a human please")
    assert (await client.next_event())[1] == {"text": reply}
    return recorder, announced, client


async def test_a_handoff_made_during_the_turn_is_announced_once(server: ChannelServer) -> None:
    recorder, announced, client = await hand_off_during_a_turn(server, "queued", "Queued.")

    assert (await client.next_event())[1]["handoff"]["status"] == "queued"
    assert [h.id for h in announced] == [7]
    assert [e["kind"] for e in recorder.to_agents] == ["queue_changed"]
    assert server.channel.expects_bot_reply(SESSION) is False


async def test_a_ticket_is_announced_but_the_bot_keeps_answering(server: ChannelServer) -> None:
    recorder, announced, _ = await hand_off_during_a_turn(server, "ticket", "Ticket created.")

    # No status line follows a ticket: wait for the turn to finish.
    await until(lambda: announced, timeout=5, what="the ticket announced")
    assert [h.id for h in announced] == [7]
    assert [e["kind"] for e in recorder.to_agents] == ["queue_changed"]
    assert server.channel.expects_bot_reply(SESSION) is True
    assert server.channel.relay is not None
    assert (
        await server.channel.relay.intercept(UserMessage("still there?", sender_id=SESSION))
        is False
    )


async def test_a_failing_listener_does_not_break_the_turn(server: ChannelServer) -> None:
    store = FakeStore(None)
    install(server, store)
    assert server.channel.relay is not None

    def broken(_: HandoffView) -> None:
        raise RuntimeError("webhook exploded")

    server.channel.relay.new_handoff_listeners.append(broken)

    async def hand_off(message: UserMessage) -> None:
        store.live = handoff("assigned")
        await message.output_channel.send_text_message(message.sender_id, "Queued.")

    server.rasa.reply = hand_off
    client = await server.client()
    await client.start_session(SESSION)
    await client.say(SESSION, "a human please")
    assert (await client.next_event())[1] == {"text": "Queued."}


async def test_with_the_store_down_the_bot_still_answers(server: ChannelServer) -> None:
    class DownStore(FakeStore):
        def has_active_handoff(self, conversation_id: str) -> bool:
            raise ConnectionError("database unreachable")

        def active_handoff(self, conversation_id: str) -> HandoffView | None:
            raise ConnectionError("database unreachable")

    install(server, DownStore())
    client = await server.client()
    await client.start_session(SESSION)

    await client.say(SESSION, "hi")

    assert await client.next_event() == ("bot_uttered", {"text": "echo: hi"})
