"""The widget's events on the web channel: history only for the holder of a session, typing,
handoff state and ratings; a real socket.io client, a real SQLite store, a fake Rasa."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from bot.channels.session_ids import SessionKeys
from bot.channels.widget_events import handoff_state
from bot.customer_tokens import sign_token
from bot.services.ratings import rating_for
from bot.services.views import HandoffView, QueueTicket
from bot.settings import get_settings
from bot.store.models import NpsResponse
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tools.seed.databases import seeded_database

if TYPE_CHECKING:
    from conftest import ChannelServer, Client

SECRET = "widget-test-secret-0123456789"
KEYS = SessionKeys(SECRET)
JOINED = {"status": "agent_joined"}


def token(customer: str) -> str:
    return sign_token(customer, secret=SECRET, ttl_seconds=600)


@dataclass
class FakeConversations:
    """Trackers as Rasa stores them, with the customer token in the user event's metadata."""

    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    async def history(self, conversation_id: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        self.asked.append(conversation_id)
        return self.events.get(conversation_id, []), {"secret_slot": "x"}

    def chatted(self, conversation_id: str) -> str:
        """The customer wrote and the bot answered: a conversation that may be rated."""
        self.events[conversation_id] = [
            {"event": "action", "name": "action_session_start"},
            {"event": "user", "text": "what is your return policy?"},
            {"event": "bot", "text": "30 days."},
        ]
        return conversation_id


@pytest.fixture
def store() -> Iterator[SqlAlchemyUnitOfWork]:
    with seeded_database("sqlite", customers=5, orders=5) as factory:
        yield SqlAlchemyUnitOfWork(factory)


@pytest.fixture(autouse=True)
def _no_nps_question(no_nps_question: None) -> None:
    """tests/conftest.py: nobody is asked the NPS question unless a test says so."""


@pytest.fixture
def conversations() -> FakeConversations:
    return FakeConversations()


@pytest.fixture
def channel_options(
    conversations: FakeConversations, store: SqlAlchemyUnitOfWork
) -> dict[str, Any]:
    factory = store._session_factory
    return {
        "token_secret": SECRET,
        "conversations": conversations,
        "new_uow": lambda: SqlAlchemyUnitOfWork(factory),
    }


async def widget(server: ChannelServer) -> Client:
    """A client that also records the widget's own events."""
    client = await server.client()
    for name in ("chat_history", "typing", "rating_saved", "chat_state", "nps_saved"):
        client.sio.on(name, client._recorder(name))
    return client


def maria_events() -> list[dict[str, Any]]:
    buttons = [{"title": "Track my order", "payload": "/order_status"}]
    return [
        {"event": "action", "name": "action_session_start"},
        {
            "event": "user",
            "text": "where is my order?",
            "timestamp": 1.0,
            "metadata": {"customer_token": token("C0001")},
            "parse_data": {"intent": {"name": "order_status"}},
        },
        {
            "event": "bot",
            "text": "Found it.\n\nOrder **#100001** is on its way.",
            "data": {"buttons": buttons},
        },
        {"event": "user", "text": "/order_status"},
        {"event": "bot", "text": "Anna joined.", "metadata": {"handoff": JOINED}},
        {"event": "bot", "text": "Hi, Anna here.", "metadata": {"agent": "Anna"}},
        {"event": "slot", "name": "email", "value": "maria@example.com"},
    ]


async def session(client: Client, session_id: str | None, customer: str | None) -> dict[str, Any]:
    """session_request with history; returns {confirmed, history}."""
    data = {"customer_token": token(customer)} if customer else {}
    await client.sio.emit(
        "session_request", {"session_id": session_id, "customData": data, "history": True}
    )
    name, confirmed = await client.next_event()
    assert name == "session_confirm"
    name, history = await client.next_event()
    assert name == "chat_history"
    return {"confirmed": confirmed, "history": history}


async def test_the_holder_gets_the_history_as_the_customer_saw_it(
    server: ChannelServer, conversations: FakeConversations
) -> None:
    session_id = KEYS.issue("C0001")
    conversations.events[session_id] = maria_events()
    client = await widget(server)

    reply = await session(client, session_id, "C0001")

    assert reply["confirmed"] == session_id
    assert reply["history"] == {
        "session_id": session_id,
        "state": None,  # no handoff relay in this channel
        "max_message_length": 2000,
        "messages": [
            {"from": "user", "text": "where is my order?", "at": 1.0},
            {"from": "bot", "text": "Found it."},  # split at blank lines, as Rasa sends it
            {
                "from": "bot",
                "text": "Order **#100001** is on its way.",
                "buttons": [{"title": "Track my order", "payload": "/order_status"}],
            },
            {"from": "user", "text": "Track my order"},  # the clicked button's title
            {"from": "bot", "text": "Anna joined.", "handoff": {"status": "agent_joined"}},
            {"from": "bot", "text": "Hi, Anna here.", "agent": "Anna"},
        ],
    }
    assert "customer_token" not in str(reply) and "secret_slot" not in str(reply)


async def test_another_customers_session_id_gives_a_new_conversation_and_no_history(
    server: ChannelServer, conversations: FakeConversations
) -> None:
    marias = KEYS.issue("C0001")
    conversations.events[marias] = maria_events()
    james = await widget(server)

    reply = await session(james, marias, "C0002")

    assert reply["confirmed"] != marias
    assert KEYS.verify(reply["confirmed"], "C0002")
    assert reply["history"]["messages"] == []
    assert marias not in conversations.asked


async def test_an_identified_customers_id_without_their_token_is_not_resumed(
    server: ChannelServer, conversations: FakeConversations
) -> None:
    marias = KEYS.issue("C0001")
    conversations.events[marias] = maria_events()
    anonymous = await widget(server)

    reply = await session(anonymous, marias, None)

    assert reply["confirmed"] != marias and reply["history"]["messages"] == []
    assert KEYS.verify(reply["confirmed"], None)


@pytest.mark.parametrize(
    "unknown",
    [
        "0" * 32 + "-" + "0" * 24,  # our shape, forged MAC
        SessionKeys("another-secret-0123456789").issue("C0001"),  # another server's id
    ],
)
async def test_an_unknown_session_id_gets_a_new_conversation(
    server: ChannelServer, conversations: FakeConversations, unknown: str
) -> None:
    conversations.events[unknown] = maria_events()
    client = await widget(server)

    reply = await session(client, unknown, "C0001")

    assert reply["confirmed"] != unknown and reply["history"]["messages"] == []
    assert conversations.asked == [reply["confirmed"]]


async def test_a_third_party_clients_own_id_resumes_but_gets_no_history(
    server: ChannelServer, conversations: FakeConversations
) -> None:
    legacy = "0f8fad5b-d9cb-469f-a165-70867728950e"  # rasa-webchat makes uuids like this
    conversations.events[legacy] = maria_events()
    client = await widget(server)

    reply = await session(client, legacy, "C0001")

    assert reply["confirmed"] == legacy
    assert reply["history"] == {
        "session_id": legacy,
        "messages": [],
        "state": None,
        "max_message_length": 2000,
    }
    assert conversations.asked == []


@pytest.mark.parametrize(
    "payload",
    [
        ["session_id", "history"],
        {"session_id": {"$ne": None}, "history": True},
        {"session_id": "x" * 10_000, "history": True},
        {"session_id": "\u202e" + "a" * 40, "history": True},
    ],
)
async def test_malformed_session_requests_never_reveal_a_history(
    server: ChannelServer, conversations: FakeConversations, payload: Any
) -> None:
    client = await widget(server)

    await client.sio.emit("session_request", payload)

    name, data = await client.next_event()
    if name == "error":
        assert data["code"] == "bad_request"
        return
    assert name == "session_confirm" and KEYS.verify(data, None)
    name, history = await client.next_event()
    assert (name, history["messages"]) == ("chat_history", [])


async def test_history_is_only_sent_when_asked(server: ChannelServer) -> None:
    client = await widget(server)

    await client.start_session(KEYS.issue(None))

    assert await client.no_event()


async def test_a_turn_is_wrapped_in_typing_events_for_every_tab(server: ChannelServer) -> None:
    session_id = KEYS.issue(None)
    tab, other_tab = await widget(server), await widget(server)
    await tab.start_session(session_id)
    await other_tab.start_session(session_id)

    await tab.say(session_id, "hello")

    for client in (tab, other_tab):
        assert await client.next_event() == ("typing", {"typing": True})
        assert await client.next_event() == ("bot_uttered", {"text": "echo: hello"})
        assert await client.next_event() == ("typing", {"typing": False})


async def test_the_token_reaches_rasa_with_every_message(server: ChannelServer) -> None:
    client = await widget(server)
    reply = await session(client, None, "C0003")

    await client.say(reply["confirmed"], "my orders")
    await client.next_event()

    received = server.rasa.received[0]
    assert received.metadata["customer_token"] == token("C0003")
    assert received.sender_id == reply["confirmed"]


async def test_a_rating_is_stored_with_the_conversation_and_the_customer(
    server: ChannelServer, store: SqlAlchemyUnitOfWork, conversations: FakeConversations
) -> None:
    client = await widget(server)
    session_id = conversations.chatted((await session(client, None, "C0001"))["confirmed"])

    await client.sio.emit(
        "rating", {"session_id": session_id, "rating": 4, "comment": "Quick <b>help</b> 👍"}
    )

    assert await client.next_event() == ("rating_saved", {"session_id": session_id, "rating": 4})
    saved = rating_for(store, conversation_id=session_id)
    assert saved is not None and (saved.rating, saved.comment) == (4, "Quick <b>help</b> 👍")
    with store:
        assert store.customers.get(customer_id=saved.customer_id).public_id == "C0001"  # type: ignore[union-attr, arg-type]


async def test_a_signed_in_customer_may_be_asked_nps_once_after_rating(
    server: ChannelServer,
    store: SqlAlchemyUnitOfWork,
    conversations: FakeConversations,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CIM_NPS_SHARE_PERCENT", "100")
    get_settings.cache_clear()
    client = await widget(server)
    session_id = conversations.chatted((await session(client, None, "C0002"))["confirmed"])

    await client.sio.emit("rating", {"session_id": session_id, "rating": 5})
    assert await client.next_event() == (
        "rating_saved",
        {"session_id": session_id, "rating": 5, "nps": True},
    )
    for bad in (11, -1, "9", 9.5, True, None):
        await client.sio.emit("nps", {"session_id": session_id, "score": bad})
        name, error = await client.next_event()
        assert (name, error["code"]) == ("error", "bad_nps")
    await client.sio.emit("nps", {"session_id": session_id, "score": 9, "comment": "great"})
    assert await client.next_event() == ("nps_saved", {"score": 9})
    await client.sio.emit("nps", {"session_id": session_id, "score": 3})  # answered already
    assert (await client.next_event())[1]["code"] == "nps_not_asked"

    later = conversations.chatted((await session(client, None, "C0002"))["confirmed"])
    await client.sio.emit("rating", {"session_id": later, "rating": 4})  # asked recently
    assert await client.next_event() == ("rating_saved", {"session_id": later, "rating": 4})
    with store:
        answers = store.session.scalars(select(NpsResponse)).all()
        assert [(a.score, a.comment) for a in answers] == [(9, "great")]


async def test_anonymous_customers_are_never_asked_nps(
    server: ChannelServer, conversations: FakeConversations, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIM_NPS_SHARE_PERCENT", "100")
    get_settings.cache_clear()
    client = await widget(server)
    session_id = conversations.chatted((await session(client, None, None))["confirmed"])
    await client.sio.emit("rating", {"session_id": session_id, "rating": 2})
    assert await client.next_event() == ("rating_saved", {"session_id": session_id, "rating": 2})
    await client.sio.emit("nps", {"session_id": session_id, "score": 9})
    assert (await client.next_event())[1]["code"] == "session_not_held"


@pytest.mark.parametrize("rating", [0, 6, "5", 4.5, True, None, [5]])
async def test_a_bad_rating_is_refused(
    server: ChannelServer, store: SqlAlchemyUnitOfWork, rating: Any
) -> None:
    client = await widget(server)
    session_id = (await session(client, None, None))["confirmed"]

    await client.sio.emit("rating", {"session_id": session_id, "rating": rating})

    name, error = await client.next_event()
    assert (name, error["code"]) == ("error", "bad_rating")
    assert rating_for(store, conversation_id=session_id) is None


@pytest.mark.parametrize(
    "events",
    [
        [],
        [{"event": "action", "name": "action_session_start"}],
        [{"event": "user", "text": "hello"}],  # no answer (yet)
        [{"event": "bot", "text": "Hi!"}, {"event": "user", "text": "hello"}],
    ],
)
async def test_a_conversation_without_an_answered_message_cannot_be_rated(
    server: ChannelServer,
    store: SqlAlchemyUnitOfWork,
    conversations: FakeConversations,
    events: list[dict[str, Any]],
) -> None:
    client = await widget(server)
    session_id = (await session(client, None, None))["confirmed"]
    conversations.events[session_id] = events

    await client.sio.emit("rating", {"session_id": session_id, "rating": 1})

    name, error = await client.next_event()
    assert (name, error["code"]) == ("error", "rating_not_allowed")
    assert rating_for(store, conversation_id=session_id) is None


async def test_a_conversation_is_rated_once(
    server: ChannelServer, store: SqlAlchemyUnitOfWork, conversations: FakeConversations
) -> None:
    client = await widget(server)
    session_id = conversations.chatted((await session(client, None, None))["confirmed"])

    await client.sio.emit("rating", {"session_id": session_id, "rating": 5})
    assert (await client.next_event())[0] == "rating_saved"
    await client.sio.emit("rating", {"session_id": session_id, "rating": 1, "comment": "x"})

    name, error = await client.next_event()
    assert (name, error["code"]) == ("error", "rating_already_given")
    saved = rating_for(store, conversation_id=session_id)
    assert saved is not None and (saved.rating, saved.comment) == (5, None)


async def test_two_ratings_at_once_store_one(
    server: ChannelServer, store: SqlAlchemyUnitOfWork, conversations: FakeConversations
) -> None:
    client = await widget(server)
    session_id = conversations.chatted((await session(client, None, None))["confirmed"])

    for rating in (2, 4):
        await client.sio.emit("rating", {"session_id": session_id, "rating": rating})

    answers = sorted([(await client.next_event())[0], (await client.next_event())[0]])
    assert answers == ["error", "rating_saved"]
    assert rating_for(store, conversation_id=session_id) is not None


async def test_nps_is_answered_only_in_the_conversation_that_asked(
    server: ChannelServer, conversations: FakeConversations, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIM_NPS_SHARE_PERCENT", "100")
    get_settings.cache_clear()
    asked, other = await widget(server), await widget(server)
    session_id = conversations.chatted((await session(asked, None, "C0003"))["confirmed"])
    await asked.sio.emit("rating", {"session_id": session_id, "rating": 3})
    assert (await asked.next_event())[1]["nps"] is True
    elsewhere = (await session(other, None, "C0003"))["confirmed"]

    await other.sio.emit("nps", {"session_id": elsewhere, "score": 0})
    await asked.sio.emit("nps", {"session_id": session_id, "score": 7})

    assert (await other.next_event())[1]["code"] == "nps_not_asked"
    assert await asked.next_event() == ("nps_saved", {"score": 7})


async def test_only_the_holder_may_rate_a_conversation(
    server: ChannelServer, store: SqlAlchemyUnitOfWork
) -> None:
    legacy, client = "session_0001", await widget(server)
    await client.start_session(legacy)
    other = await widget(server)

    await client.sio.emit("rating", {"session_id": legacy, "rating": 1})
    await other.sio.emit("rating", {"session_id": legacy, "rating": 1})

    assert (await client.next_event())[1]["code"] == "session_not_held"
    assert (await other.next_event())[1]["code"] == "bad_session"
    assert rating_for(store, conversation_id=legacy) is None


@dataclass
class FakeQueue:
    """The relay's store: one conversation queued at place 2, another failing."""

    def has_active_handoff(self, conversation_id: str) -> bool:
        return self.active_handoff(conversation_id) is not None

    def active_handoff(self, conversation_id: str) -> HandoffView | None:
        if conversation_id == "broken":
            raise ConnectionError("database down")
        if conversation_id != "queued":
            return None
        return HandoffView(
            id=3,
            conversation_id="queued",
            customer_id=None,
            state="queued",
            reasons=("explicit",),
            interaction_type="service",
            intent="request_human",
            summary=None,
            created_at=datetime.now(timezone.utc),
        )

    def queue_position(self, handoff_id: int) -> QueueTicket | None:
        handoff = self.active_handoff("queued")
        assert handoff is not None and handoff_id == handoff.id
        return QueueTicket(handoff, 2, 6, outside_hours=False, next_open=None)


async def test_the_handoff_state_tells_the_queue_position_and_fails_soft() -> None:
    relay: Any = SimpleNamespace(store=FakeQueue())

    assert await handoff_state(relay, "queued") == {
        "status": "queued",
        "position": 2,
        "wait_minutes": 6,
    }
    assert await handoff_state(relay, "other") == {"status": "bot"}
    assert await handoff_state(relay, "broken") is None
    assert await handoff_state(None, "queued") is None
