"""The cached SQL tracker store against Rasa's own, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.trackers.store import CachedSQLTrackerStore
from tests.db import rows as db_rows
from tests.db import scalar
from tools.seed.databases import BACKENDS, temporary_database

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, order_status]
slots:
  customer_id:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
responses:
  utter_greet: [{text: "Hi!"}]
"""
)


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest) -> Iterator[str]:
    with temporary_database(request.param) as database_url:
        yield database_url


def ours(url: str, **options: Any) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(DOMAIN, host=url, **options)


def rasas(url: str) -> SQLTrackerStore:
    return SQLTrackerStore(DOMAIN, host=url)


def turn(text: str, n: int) -> list[Event]:
    now = time.time()
    return [
        UserUttered(text, {"name": "greet", "confidence": 0.9}, timestamp=now),
        SlotSet("customer_id", f"C{n:04d}", timestamp=now),
        ActionExecuted("utter_greet", timestamp=now),
        BotUttered(f"Hi {n}!", timestamp=now),
        ActionExecuted("action_listen", timestamp=now),
    ]


async def stored(store: CachedSQLTrackerStore, sender: str) -> DialogueStateTracker:
    """The tracker `store` has for `sender` (the tests saved it first)."""
    tracker = await store.retrieve(sender)
    assert tracker is not None
    return tracker


def dicts(tracker: DialogueStateTracker | None) -> list[dict]:
    assert tracker is not None
    return [event.as_dict() for event in tracker.events]


async def converse(store: CachedSQLTrackerStore | SQLTrackerStore, sender: str, turns: int) -> None:
    tracker = await store.get_or_create_tracker(sender)
    for n in range(turns):
        tracker = await store.retrieve(sender) or tracker
        tracker.update_with_events(turn(f"hello {n}", n), DOMAIN)
        await store.save(tracker)


def rows(url: str, sender: str) -> int:
    return int(scalar(url, "SELECT count(*) FROM events WHERE sender_id = :s", s=sender))


async def test_writes_the_rows_rasas_store_reads(url: str) -> None:
    store = ours(url)
    await converse(store, "alice", 3)
    cached = await stored(store, "alice")
    assert dicts(await rasas(url).retrieve("alice")) == dicts(cached)
    assert rows(url, "alice") == len(cached.events) == 1 + 3 * 5


async def test_reads_what_rasas_store_wrote(url: str) -> None:
    await converse(rasas(url), "bob", 2)
    assert dicts(await ours(url).retrieve("bob")) == dicts(await rasas(url).retrieve("bob"))


async def test_a_turn_on_a_cached_tracker_adds_only_its_rows(url: str) -> None:
    store = ours(url)
    await converse(store, "carol", 1)
    first = await stored(store, "carol")
    await store.save(first)
    again = await stored(store, "carol")
    assert again is first  # served from memory
    again.update_with_events(turn("where is my order", 9), DOMAIN)
    await store.save(again)
    assert rows(url, "carol") == len(again.events) == 11
    assert dicts(await rasas(url).retrieve("carol")) == dicts(again)


async def test_another_writer_makes_the_cache_miss(url: str) -> None:
    store, replica = ours(url), rasas(url)
    await converse(store, "dave", 1)
    await converse(replica, "dave", 1)  # another Rasa process took a turn
    seen = await stored(store, "dave")
    assert dicts(seen) == dicts(await replica.retrieve("dave"))
    assert len(seen.events) == 11


async def test_a_failed_turn_is_not_served_from_memory(url: str) -> None:
    store = ours(url)
    await converse(store, "erin", 1)
    broken = await stored(store, "erin")
    broken.update_with_events(turn("never saved", 7), DOMAIN)  # the turn fails: no save
    fresh = await stored(store, "erin")
    assert fresh is not broken
    assert dicts(fresh) == dicts(await rasas(url).retrieve("erin"))
    assert len(fresh.events) == 6


async def test_a_second_reader_gets_the_saved_state_while_a_turn_runs(url: str) -> None:
    store = ours(url)
    await converse(store, "fay", 1)
    await store.save(await stored(store, "fay"))
    in_turn = await stored(store, "fay")
    in_turn.update(UserUttered("half-way", {"name": "greet", "confidence": 1.0}))
    reader = await stored(store, "fay")  # e.g. the agent console, without the lock
    assert reader is not in_turn and len(reader.events) == 6
    await store.save(in_turn)
    assert len((await stored(store, "fay")).events) == 7
    assert rows(url, "fay") == 7


async def test_a_new_session_reads_back_as_with_rasas_store(url: str) -> None:
    store = ours(url)
    await converse(store, "gus", 2)
    tracker = await stored(store, "gus")
    tracker.update_with_events(
        [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")],
        DOMAIN,
    )
    await store.save(tracker)
    ours_now, rasa_now = await stored(store, "gus"), await rasas(url).retrieve("gus")
    assert dicts(ours_now) == dicts(rasa_now)
    assert len(dicts(await store.retrieve_full_tracker("gus"))) == rows(url, "gus") == 14


async def test_the_cache_is_bounded_and_a_dropped_conversation_still_reads(url: str) -> None:
    store = ours(url, cache_size=2)
    for sender in ("h1", "h2", "h3"):
        await converse(store, sender, 1)
    assert store.cached == 2
    assert dicts(await stored(store, "h1")) == dicts(await rasas(url).retrieve("h1"))


async def test_without_a_cache_it_is_rasas_store(url: str) -> None:
    store = ours(url, cache_size=0)
    await converse(store, "ivy", 2)
    assert store.cached == 0
    assert dicts(await stored(store, "ivy")) == dicts(await rasas(url).retrieve("ivy"))


async def test_a_restarted_process_sees_the_whole_conversation(url: str) -> None:
    await converse(ours(url), "jo", 3)
    assert len(dicts(await ours(url).retrieve("jo"))) == 16


async def test_an_unknown_conversation_is_none(url: str) -> None:
    assert await ours(url).retrieve("nobody-here") is None


def test_a_negative_cache_size_is_refused(tmp_path: object) -> None:
    with pytest.raises(ValueError, match="cache_size"):
        CachedSQLTrackerStore(DOMAIN, db=":memory:", cache_size=-1)


def test_building_the_store_patches_nothing_in_rasa() -> None:
    from bot import rasa_patches

    rasa_patches.uninstall()  # whatever an earlier test left
    CachedSQLTrackerStore(DOMAIN, db=":memory:")
    assert rasa_patches.installed() == []


def test_the_old_runtime_overrides_key_is_ignored_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot import rasa_patches

    rasa_patches.uninstall()
    with caplog.at_level("WARNING", logger="bot.trackers.store"):
        CachedSQLTrackerStore(DOMAIN, db=":memory:", runtime_overrides=True)
    assert rasa_patches.installed() == []
    assert "runtime_overrides is no longer read" in caplog.text


async def test_a_long_burst_of_events_is_written_in_batches(url: str) -> None:
    store = ours(url)
    await converse(store, "kim", 1)
    tracker = await stored(store, "kim")
    for n in range(50):  # 250 events in one save: one executemany and the last row alone
        tracker.update_with_events(turn(f"burst {n}", n), DOMAIN)
    await store.save(tracker)
    assert rows(url, "kim") == len(tracker.events) == 256
    assert dicts(await rasas(url).retrieve("kim")) == dicts(tracker)
    again = await stored(store, "kim")
    assert again is tracker  # the newest id was recorded right


class Collecting:
    """An event broker that keeps what it is given (Rasa calls `publish` per event)."""

    def __init__(self) -> None:
        self.published: list[dict] = []

    def publish(self, event: dict) -> None:
        self.published.append(event)


async def test_the_event_broker_gets_each_new_event_once_as_from_rasas_store(url: str) -> None:
    from rasa.core.brokers.broker import EventBroker

    class Broker(Collecting, EventBroker):  # type: ignore[misc]
        pass

    ours_broker, rasa_broker = Broker(), Broker()
    store = ours(url, event_broker=ours_broker)
    await converse(store, "lee", 3)
    with temporary_database("sqlite") as other:
        await converse(SQLTrackerStore(DOMAIN, host=other, event_broker=rasa_broker), "lee", 3)
    strip = [{k: v for k, v in e.items() if k != "timestamp"} for e in ours_broker.published]
    expected = [{k: v for k, v in e.items() if k != "timestamp"} for e in rasa_broker.published]
    assert strip == expected and len(strip) == 16


@pytest.mark.postgres
async def test_after_the_database_server_drops_its_connections_the_next_turn_works() -> None:
    """As after a PostgreSQL restart: every pooled connection is dead. The next retrieve must
    read the conversation, not fail (Rasa's fail-safe store would start it afresh)."""
    import sqlalchemy as sa

    with temporary_database("postgresql") as database_url:
        store = ours(database_url, cache_size=0)
        await converse(store, "restart", 2)
        with store.engine.connect() as pooled:  # back to the pool afterwards
            pid = pooled.execute(sa.text("SELECT pg_backend_pid()")).scalar()
        admin = sa.create_engine(database_url)
        with admin.connect() as connection:  # only the store's own connection is killed
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
        tracker = await stored(store, "restart")
        assert tracker is not None
        assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == [
            "hello 0",
            "hello 1",
        ]


@pytest.mark.postgres
async def test_on_postgresql_statements_are_bounded_and_the_schema_kept() -> None:
    """A held lock on `events` must fail a turn after CIM_DB_STATEMENT_TIMEOUT_MS, not stop
    the replica's event loop until the lock goes."""
    import sqlalchemy as sa

    from bot.settings import get_settings

    with temporary_database("postgresql") as database_url:
        store = ours(database_url)
        await converse(store, "bounded", 1)
        with store.engine.connect() as connection:
            timeout = connection.execute(sa.text("SHOW statement_timeout")).scalar()
        ms = get_settings().db_statement_timeout_ms
        assert timeout == (f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms")
        tracker = await stored(store, "bounded")
        assert tracker is not None and rows(database_url, "bounded") == len(tracker.events)


TOKEN = "v1.eyJzdWIiOiJDMDAwMSJ9.c2lnbmF0dXJlLW9mLXRoZS1zaG9w"
CARRIED = {"customer_token": TOKEN, "cim_client": "0123456789abcdef", "page": "/cart"}


def signed_in_turn() -> list[Event]:
    """What Rasa records for a message from the widget of a signed-in customer."""
    parse_data = {"intent": {"name": "greet", "confidence": 1.0}, "metadata": dict(CARRIED)}
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(metadata=dict(CARRIED)),
        SlotSet("session_started_metadata", dict(CARRIED)),
        ActionExecuted("action_listen"),
        UserUttered("hello", parse_data["intent"], parse_data=parse_data, metadata=dict(CARRIED)),
        BotUttered("Hi Maria!"),
    ]


@pytest.mark.parametrize("cache_size", [1000, 0])
async def test_tokens_and_client_keys_are_never_written(url: str, cache_size: int) -> None:
    store = ours(url, cache_size=cache_size)
    tracker = await store.get_or_create_tracker("kim")
    tracker.update_with_events(signed_in_turn(), DOMAIN)
    await store.save(tracker)

    stored = "\n".join(row[0] for row in data_rows(url, "kim"))
    assert TOKEN not in stored and "customer_token" not in stored and "cim_client" not in stored
    assert '"page": "/cart"' in stored  # the rest of the metadata is kept
    assert tracker.latest_message is not None
    assert tracker.latest_message.metadata == CARRIED  # the turn itself still has it all
    read_back = await rasas(url).retrieve("kim")
    assert read_back is not None and read_back.latest_message is not None
    assert read_back.latest_message.metadata == {"page": "/cart"}
    assert read_back.get_slot("session_started_metadata") == {"page": "/cart"}


def data_rows(url: str, sender: str) -> list[tuple[Any, ...]]:
    return db_rows(url, "SELECT data FROM events WHERE sender_id = :s", s=sender)
