"""A signed-in customer's "download my chat" and "delete my chat", over real HTTP.

The web channel runs on a real Sanic server (tests/bot/channels/conftest.py) with a seeded
SQLite store and a tracker database written by our own tracker store, so the routes read and
erase real `events` rows.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import AwaitableTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from sqlalchemy.engine import Engine

from bot.channels.handoff import RasaConversations
from bot.channels.my_chat_records import product_locations
from bot.channels.session_ids import SessionKeys
from bot.customer_data.locations import DataLocations
from bot.customer_tokens import sign_token
from bot.kpis.sources import events_table
from bot.services.customers import find_customer_by_public_id
from bot.store.db import get_engine
from bot.store.privacy_models import ErasureRecord
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from bot.trackers.store import CachedSQLTrackerStore
from tests.waiting import until
from tools.seed.databases import seeded_database, temporary_database

if TYPE_CHECKING:
    from conftest import ChannelServer

SECRET = "my-chat-test-secret-0123456789"
KEYS = SessionKeys(SECRET)
SHOP = "http://shop.test"
NOTICE = "https://shop.test/privacy"


def token(customer: str, ttl: int = 600) -> str:
    return sign_token(customer, secret=SECRET, ttl_seconds=ttl)


@pytest.fixture
def backend() -> str:
    """SQLite; a test parametrized with "postgresql" runs on PostgreSQL (marked postgres)."""
    return "sqlite"


@pytest.fixture
def tracker(backend: str) -> Iterator[Engine]:
    with temporary_database(backend) as url:
        engine = get_engine(url)
        SQLTrackerStore.SQLEvent.__table__.create(engine, checkfirst=True)
        yield engine


@pytest.fixture
def locations(tracker: Engine, tmp_path: Path, backend: str) -> Iterator[DataLocations]:
    with seeded_database(backend, customers=5, orders=5) as factory:
        yield DataLocations(
            new_uow=lambda: SqlAlchemyUnitOfWork(factory),
            tracker_engine=tracker,
            data_dir=tmp_path / "data",
        )


@pytest.fixture
def channel_options(locations: DataLocations) -> dict[str, Any]:
    return {
        "token_secret": SECRET,
        "data_locations": locations,
        "cors_allowed_origins": [SHOP],
        "privacy_notice_url": NOTICE,
    }


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def chatted(
    tracker: Engine, conversation: str, *said: str, identified: int | None = None
) -> None:
    """The conversation as our tracker store writes it: each text answered by the bot; with
    `identified`, an action found the customer (store id) and set the slot, as ours do."""
    url = tracker.url.render_as_string(hide_password=False)
    store = CachedSQLTrackerStore(Domain.empty(), host=url, cache_size=0)
    tracker_ = await store.get_or_create_tracker(conversation, append_action_listen=False)
    for text in said:
        metadata = {"customer_token": token("C0001")}
        tracker_.update(UserUttered(text, {"name": "greet"}, metadata=metadata))
        if identified is not None:
            tracker_.update(SlotSet("customer_id", str(identified)))
        tracker_.update(BotUttered(f"echo: {text}"))
    await store.save(tracker_)


def receipts(locations: DataLocations) -> list[tuple[str, str]]:
    with locations.new_uow() as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        rows = uow.session.execute(sa.select(ErasureRecord.kind, ErasureRecord.actor))
        return [(kind, actor) for kind, actor in rows]


def store_id(locations: DataLocations, public_id: str) -> int:
    customer = find_customer_by_public_id(locations.new_uow(), public_id=public_id)
    assert customer is not None
    return customer.id


def stored(tracker: Engine, conversation: str) -> int:
    query = sa.select(sa.func.count()).where(events_table.c.sender_id == conversation)
    with tracker.connect() as connection:
        return int(connection.scalar(query) or 0)


async def call(
    http: aiohttp.ClientSession,
    server: ChannelServer,
    action: str,
    body: Any,
    *,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body)
    url = f"{server.url}/webhooks/web/my-chat/{action}"
    sent = {"Content-Type": "application/json", **(headers or {})}
    async with http.post(url, data=data, headers=sent) as resp:
        text = await resp.text()
        try:
            answer = json.loads(text)
        except ValueError:
            answer = text
        return resp.status, answer, resp.headers


@pytest.mark.parametrize("action", ["transcript", "delete"])
@pytest.mark.parametrize(
    "customer_token",
    [
        None,
        "",
        "v1.forged.token",
        sign_token("C0001", secret="another-secret-012345", ttl_seconds=60),
    ],
)
async def test_without_a_valid_token_the_answer_is_401(
    server: ChannelServer,
    http: aiohttp.ClientSession,
    tracker: Engine,
    action: str,
    customer_token: str | None,
) -> None:
    marias = KEYS.issue("C0001")
    await chatted(tracker, marias, "where is my order?")

    status, body, _ = await call(
        http, server, action, {"session_id": marias, "customer_token": customer_token}
    )

    assert (status, body["error"]["code"]) == (401, "not_signed_in")
    assert stored(tracker, marias) > 0


async def test_an_expired_token_is_401(server: ChannelServer, http: aiohttp.ClientSession) -> None:
    expired = sign_token("C0001", secret=SECRET, ttl_seconds=60, now=time.time() - 3600)
    body = {"session_id": KEYS.issue("C0001"), "customer_token": expired}

    status, _, _ = await call(http, server, "transcript", body)

    assert status == 401


@pytest.mark.parametrize("action", ["transcript", "delete"])
@pytest.mark.parametrize(
    "session_id",
    [
        KEYS.issue("C0002"),  # another customer's
        KEYS.issue(None),  # an anonymous visitor's
        "0f8fad5b-d9cb-469f-a165-70867728950e",  # a third-party client's own id
        SessionKeys("another-secret-0123456789").issue("C0001"),  # another server's
    ],
)
async def test_a_conversation_not_held_by_the_token_is_403_and_untouched(
    server: ChannelServer,
    http: aiohttp.ClientSession,
    tracker: Engine,
    action: str,
    session_id: str,
) -> None:
    await chatted(tracker, session_id, "my address is 1 Elm Street")

    status, body, _ = await call(
        http, server, action, {"session_id": session_id, "customer_token": token("C0001")}
    )

    assert (status, body["error"]["code"]) == (403, "session_not_held")
    assert "Elm" not in json.dumps(body)
    assert stored(tracker, session_id) > 0


async def test_the_owner_downloads_the_transcript_of_that_conversation(
    server: ChannelServer, http: aiohttp.ClientSession, tracker: Engine
) -> None:
    marias, other = KEYS.issue("C0001"), KEYS.issue("C0001")
    await chatted(tracker, marias, "where is my order?", "thanks")
    await chatted(tracker, other, "another chat")

    status, body, headers = await call(
        http, server, "transcript", {"session_id": marias, "customer_token": token("C0001")}
    )

    assert status == 200
    assert body["conversation_id"] == marias
    assert [(m["from"], m["text"]) for m in body["messages"]] == [
        ("customer", "where is my order?"),
        ("bot", "echo: where is my order?"),
        ("customer", "thanks"),
        ("bot", "echo: thanks"),
    ]
    assert "customer_token" not in json.dumps(body) and "v1." not in json.dumps(body)
    assert headers["Content-Disposition"].startswith('attachment; filename="chat-')
    assert headers["Cache-Control"] == "no-store"


async def test_the_transcript_as_text_for_people(
    server: ChannelServer, http: aiohttp.ClientSession, tracker: Engine
) -> None:
    marias = KEYS.issue("C0001")
    await chatted(tracker, marias, "where is my order?")
    body = {"session_id": marias, "customer_token": token("C0001"), "format": "text"}

    status, text, headers = await call(http, server, "transcript", body)

    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "You: where is my order?" in text and "Assistant: echo: where is my order?" in text
    assert headers["Content-Disposition"].endswith('.txt"')


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_delete_removes_the_events_of_that_conversation_only(
    server: ChannelServer, http: aiohttp.ClientSession, tracker: Engine, locations: DataLocations
) -> None:
    maria, john = store_id(locations, "C0001"), store_id(locations, "C0002")
    marias, her_other, johns = KEYS.issue("C0001"), KEYS.issue("C0001"), KEYS.issue("C0002")
    for conversation, owner in ((marias, maria), (her_other, maria), (johns, john)):
        await chatted(tracker, conversation, "hello", identified=owner)
    kept = {c: stored(tracker, c) for c in (her_other, johns)}

    status, body, _ = await call(
        http, server, "delete", {"session_id": marias, "customer_token": token("C0001")}
    )

    assert status == 200 and body["deleted"] is True
    assert stored(tracker, marias) == 0
    assert receipts(locations) == [("conversation", "customer")]  # the deletion's record
    assert {c: stored(tracker, c) for c in (her_other, johns)} == kept
    status, transcript, _ = await call(
        http, server, "transcript", {"session_id": marias, "customer_token": token("C0001")}
    )
    assert (status, transcript["messages"]) == (200, [])


async def test_deleting_twice_is_safe(
    server: ChannelServer, http: aiohttp.ClientSession, tracker: Engine, locations: DataLocations
) -> None:
    marias = KEYS.issue("C0001")
    await chatted(tracker, marias, "hello", identified=store_id(locations, "C0001"))
    body = {"session_id": marias, "customer_token": token("C0001")}

    first, _, _ = await call(http, server, "delete", body)
    second, answer, _ = await call(http, server, "delete", body)

    assert (first, second, answer["deleted"]) == (200, 200, True)


async def test_a_chat_no_row_links_to_the_customer_is_erased_on_the_signed_session_id(
    server: ChannelServer, http: aiohttp.ClientSession, tracker: Engine
) -> None:
    """A chat in which the bot never identified the customer has no store row linking it; the
    session id signed for them (and their token) is the proof that it is theirs."""
    marias = KEYS.issue("C0001")
    await chatted(tracker, marias, "hello")
    others = KEYS.issue("C0002")
    await chatted(tracker, others, "hello too")

    status, body, _ = await call(
        http, server, "delete", {"session_id": marias, "customer_token": token("C0001")}
    )

    assert (status, body["deleted"]) == (200, True)
    assert stored(tracker, marias) == 0
    assert stored(tracker, others) > 0


async def test_a_token_for_no_customer_in_the_store_cannot_delete(
    server: ChannelServer, http: aiohttp.ClientSession, tracker: Engine
) -> None:
    ghost = KEYS.issue("C9999")
    await chatted(tracker, ghost, "hello")

    status, body, _ = await call(
        http, server, "delete", {"session_id": ghost, "customer_token": token("C9999")}
    )

    assert (status, body["error"]["code"]) == (404, "unknown_customer")
    assert stored(tracker, ghost) > 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"[]", 400),
        ({"session_id": "../../etc", "customer_token": "x"}, 400),
        ({"session_id": KEYS.issue("C0001"), "customer_token": "x" * 5000}, 413),
    ],
)
async def test_malformed_or_oversized_requests_are_refused(
    server: ChannelServer, http: aiohttp.ClientSession, body: Any, status: int
) -> None:
    answer, _, _ = await call(http, server, "transcript", body)

    assert answer == status


async def test_a_script_asking_again_and_again_waits(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    body = {"session_id": KEYS.issue("C0001"), "customer_token": token("C0001")}
    statuses = [(await call(http, server, "transcript", body))[0] for _ in range(3)]

    assert statuses == [200, 200, 200]
    status, answer, headers = await call(http, server, "transcript", body)
    assert (status, answer["error"]["code"]) == (429, "too_many_requests")
    assert int(headers["Retry-After"]) >= 1


async def test_requests_without_the_token_do_not_use_up_the_owners_allowance(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    marias = KEYS.issue("C0001")
    for _ in range(5):
        refused = await call(http, server, "transcript", {"session_id": marias})
        assert refused[0] == 401

    statuses = [
        (await call(http, server, "transcript", {"session_id": marias, "customer_token": t}))[0]
        for t in [token("C0001")] * 3
    ]

    assert statuses == [200, 200, 200]


async def test_only_the_chats_origins_get_cors(
    server: ChannelServer, http: aiohttp.ClientSession
) -> None:
    url = f"{server.url}/webhooks/web/my-chat/delete"
    preflight = {"Origin": SHOP, "Access-Control-Request-Method": "POST"}
    async with http.options(url, headers=preflight) as resp:
        assert resp.status == 204
        assert resp.headers["Access-Control-Allow-Origin"] == SHOP
        assert "Content-Type" in resp.headers["Access-Control-Allow-Headers"]
    body = {"session_id": KEYS.issue("C0001"), "customer_token": token("C0001")}

    status, _, headers = await call(http, server, "transcript", body, headers={"Origin": SHOP})
    assert (status, headers["Access-Control-Allow-Origin"]) == (200, SHOP)

    foreign = {"Origin": "http://evil.test"}
    status, answer, headers = await call(http, server, "delete", body, headers=foreign)
    assert (status, answer["error"]["code"]) == (403, "foreign_origin")
    assert "Access-Control-Allow-Origin" not in headers


@pytest.mark.parametrize("rasa_cors", ["*"])
async def test_rasas_cors_for_any_origin_does_not_open_these_routes(
    server: ChannelServer, http: aiohttp.ClientSession, rasa_cors: str
) -> None:
    url = f"{server.url}/webhooks/web/my-chat/transcript"
    for origin, allowed in ((SHOP, SHOP), ("http://evil.test", None)):
        preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}
        async with http.options(url, headers=preflight) as resp:
            assert resp.headers.get("Access-Control-Allow-Origin") == allowed


async def test_the_widget_is_told_the_privacy_notice_with_the_history(
    server: ChannelServer,
) -> None:
    client = await server.client()
    histories: list[Any] = []
    client.sio.on("chat_history", histories.append)

    await client.start_session(None, history=True)

    await until(lambda: histories, timeout=5, what="the chat history")
    assert histories[0]["privacy_notice_url"] == NOTICE


def test_the_product_reads_and_erases_where_the_rasa_agent_keeps_its_trackers(
    tmp_path: Path,
) -> None:
    """Production may keep trackers in a database CIM_TRACKER_DB does not name: the agent's
    own SQL tracker store (wrapped by Rasa or not) is where the chat is."""
    store = CachedSQLTrackerStore(Domain.empty(), host=f"sqlite:///{tmp_path / 'agent.db'}")
    for tracker_store in (store, AwaitableTrackerStore(store)):
        agent = SimpleNamespace(tracker_store=tracker_store)  # what the channel reads of Agent
        app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))
        assert product_locations(RasaConversations(app)).tracker_engine is store.engine
    not_loaded = RasaConversations(SimpleNamespace(ctx=SimpleNamespace()))
    assert product_locations(not_loaded).tracker_engine is not store.engine
