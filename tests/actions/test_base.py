"""The template runs an action's store calls on a worker thread (bot.blocking.in_thread): an
action waiting on a lock in the store holds up its own conversation, never the action
server's event loop and the other conversations on it. Real PostgreSQL, real row locks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from actions import deps
from actions.confirmation import ActionHandleAffirm
from actions.orders import ActionCancelOrder, ActionOrderStatus
from bot.blocking import in_thread
from bot.settings import get_settings
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tests.actions.conftest import entity, make_tracker, run, token_metadata
from tests.db import order_status, scalar
from tools.seed.databases import seeded_database

# Should the loop ever be stuck behind the waiting action again, PostgreSQL ends the lock
# holder's session after this long, so the test fails instead of hanging.
HOLD_AT_MOST = "10s"
# The store's statement time-out (2 s by default) must not end the wait first on a busy machine.
STATEMENT_TIMEOUT_MS = "15000"


@pytest.fixture
def postgres_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CIM_DB_STATEMENT_TIMEOUT_MS", STATEMENT_TIMEOUT_MS)
    get_settings.cache_clear()
    with seeded_database("postgresql", customers=20, orders=80) as factory:
        deps.override_uow_factory(lambda: SqlAlchemyUnitOfWork(factory))
        yield factory.kw["bind"].url.render_as_string(hide_password=False)
        deps.override_uow_factory(None)
    get_settings.cache_clear()


@contextmanager
def row_locked(url: str, locking_select: str) -> Iterator[int]:
    """Hold the rows `locking_select` locks (FOR UPDATE) until the block ends, as a long
    transaction elsewhere would; yields the holder's backend pid."""
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(
                sa.text(f"SET LOCAL idle_in_transaction_session_timeout = '{HOLD_AT_MOST}'")
            )
            connection.execute(sa.text(locking_select))
            yield int(connection.scalar(sa.text("SELECT pg_backend_pid()")))
    finally:
        engine.dispose()


def waiting_on(url: str, holder: int) -> int:
    """How many sessions wait for a lock `holder` holds."""
    sql = "SELECT count(*) FROM pg_stat_activity WHERE :holder = ANY(pg_blocking_pids(pid))"
    return int(scalar(url, sql, holder=holder))


async def eventually(check: Callable[[], bool], *, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while not await in_thread(check):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


@pytest.mark.postgres
async def test_an_action_waiting_on_a_row_lock_leaves_the_loop_to_other_conversations(
    postgres_store: str,
) -> None:
    url, me = postgres_store, token_metadata("C0001")
    asked = await run(
        ActionCancelOrder(),
        make_tracker("cancel_order", entities=[entity("order_number", "100001")], metadata=me),
    )
    yes = make_tracker(
        "affirm", slots={"pending_confirmation": asked.slot("pending_confirmation")}, metadata=me
    )
    other = make_tracker(
        "order_status",
        entities=[entity("order_number", "100004")],
        metadata=token_metadata("C0002"),
        sender_id="conversation-2",
    )
    with row_locked(url, "SELECT id FROM orders WHERE number = '100001' FOR UPDATE") as holder:
        cancelling = asyncio.create_task(run(ActionHandleAffirm(), yes))
        assert await eventually(lambda: waiting_on(url, holder) > 0), "no wait while the loop ran"
        status = await asyncio.wait_for(run(ActionOrderStatus(), other), timeout=10)
        assert status.responses[0] == "utter_order_status"  # answered meanwhile
        assert not cancelling.done()  # the yes still waits for order 100001
        assert order_status(url, "100001") == "processing"
    done = await asyncio.wait_for(cancelling, timeout=10)
    assert done.responses == ["utter_order_cancelled"]
    assert order_status(url, "100001") == "cancelled"
