"""The queue sweep: present customers stay, customers who left are abandoned, and at
closing time the queue becomes tickets, each customer told in the chat."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from bot.channels.handoff import HandoffRelay, ServiceStore
from bot.console.sweeper import QueueSweeper, connected_rooms
from bot.services import queue
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from tests.bot.channels.conftest import ChannelServer
from tests.bot.channels.test_handoff_relay import FakeConversations
from tests.bot.services.queue_factories import NOW, POLICY, empty_store
from tests.bot.services.test_queue import enqueue
from tests.waiting import until
from tools.seed.databases import BACKENDS


@pytest.fixture(params=BACKENDS)
def factory(request: pytest.FixtureRequest) -> Iterator[sessionmaker]:
    with empty_store(request.param) as (_url, made):
        yield made


@dataclass
class Emitted:
    events: list[tuple[str, Any, Any]] = field(default_factory=list)

    async def emit(
        self, event: str, data: Any = None, *, room: Any = None, namespace: Any = None
    ) -> None:
        self.events.append((event, data, room))

    def to(self, room: str) -> list[Any]:
        return [data for _, data, target in self.events if target == room]


def sweeper(
    factory: sessionmaker, connected: set[str], at: datetime
) -> tuple[QueueSweeper, Emitted, FakeConversations]:
    emitted, conversations = Emitted(), FakeConversations()
    new_uow = partial(UoW, factory)
    relay = HandoffRelay(emitted, ServiceStore(new_uow), conversations)
    sweep = QueueSweeper(
        relay,
        new_uow,
        connected=connected.__contains__,
        policy=lambda: POLICY,
        clock=lambda: at,
    )
    return sweep, emitted, conversations


async def test_connected_customers_stay_and_the_others_are_abandoned(
    factory: sessionmaker,
) -> None:
    enqueue(UoW(factory), "still-here")
    enqueue(UoW(factory), "gone")
    later = NOW + timedelta(minutes=POLICY.abandon_after_minutes + 1)
    sweep, emitted, _ = sweeper(factory, {"still-here"}, later)

    abandoned, ticketed = await sweep.sweep()

    assert [ref.conversation_id for ref in abandoned] == ["gone"] and ticketed == []
    assert queue.conversation_state(UoW(factory), conversation_id="gone") == "bot"
    assert queue.conversation_state(UoW(factory), conversation_id="still-here") == "queued"
    agents = emitted.to("agents")
    assert agents[-1]["kind"] == "queue_changed"
    assert agents[-1]["handoff_ids"] == [abandoned[0].handoff_id]


async def test_a_quiet_sweep_tells_nobody(factory: sessionmaker) -> None:
    enqueue(UoW(factory), "waiting")
    sweep, emitted, _ = sweeper(factory, set(), NOW + timedelta(minutes=1))
    assert await sweep.sweep() == ([], [])
    assert emitted.events == []


async def test_at_closing_time_each_queued_customer_is_told_of_their_ticket(
    factory: sessionmaker,
) -> None:
    handoff_id = enqueue(UoW(factory), "late").handoff.id
    friday_evening = datetime(2024, 6, 7, 17, 0, tzinfo=NOW.tzinfo)
    sweep, emitted, conversations = sweeper(factory, {"late"}, friday_evening)

    abandoned, ticketed = await sweep.sweep()

    assert abandoned == [] and [ref.handoff_id for ref in ticketed] == [handoff_id]
    told = emitted.to("late")
    assert told[0]["handoff"]["status"] == "ticket"
    assert f"H-{handoff_id}" in told[0]["text"] and "Monday at 09:00" in told[0]["text"]
    assert conversations.appended[0].text == told[0]["text"]  # kept in the history
    assert queue.conversation_state(UoW(factory), conversation_id="late") == "ticket"


async def test_a_failing_store_does_not_stop_the_sweeps(factory: sessionmaker) -> None:
    calls: list[int] = []

    def broken() -> UoW:
        calls.append(1)
        raise RuntimeError("database down")

    emitted = Emitted()
    relay = HandoffRelay(emitted, ServiceStore(broken), FakeConversations())
    sweep = QueueSweeper(relay, broken, connected=lambda _: False, interval_seconds=0.01)
    sweep.start()
    await until(lambda: len(calls) > 1, timeout=5, what="a sweep after a failed one")
    await sweep.stop()
    assert emitted.events == []


async def test_connected_rooms_reads_the_socket_io_server(server: ChannelServer) -> None:
    connected = connected_rooms(server.channel.sio, server.channel.namespace)
    client = await server.client()
    room = await client.start_session("room-1")
    assert connected(room)
    assert not connected(room + "-other")
    await server.drop(client)
    await until(lambda: not connected(room), timeout=5, what="the room emptied by the drop")
