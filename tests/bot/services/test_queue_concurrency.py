"""Two agents click "claim" at the same moment: exactly one gets the conversation.

Real threads with their own sessions and connections, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.services import passwords, queue
from bot.services.views import ClaimResult
from bot.store.models import Handoff
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from tests.bot.services.queue_factories import NOW, POLICY, agent, decision, empty_store
from tools.seed.databases import BACKENDS

ROUNDS = 20
TIMEOUT = 30


@pytest.fixture(params=BACKENDS)
def factory(request: pytest.FixtureRequest) -> Iterator[sessionmaker]:
    with empty_store(request.param) as (_url, factory):
        yield factory


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "COST_N", 2**4)


def queued(factory: sessionmaker, count: int) -> list[int]:
    return [
        queue.enqueue(
            UoW(factory),
            conversation_id=f"conv-{number}",
            customer_id=None,
            decision=decision("conflict"),
            interaction_type="conflict",
            intent="complaint",
            now=NOW,
            policy=POLICY,
        ).handoff.id
        for number in range(count)
    ]


def test_two_simultaneous_claims_have_exactly_one_winner(factory: sessionmaker) -> None:
    alex, bea = agent(UoW(factory), "alex"), agent(UoW(factory), "bea")
    barrier = threading.Barrier(2, timeout=TIMEOUT)

    def claim_at_once(handoff_id: int, agent_id: int) -> ClaimResult:
        uow = UoW(factory)  # its own session, so its own connection
        barrier.wait()
        return queue.claim(uow, handoff_id=handoff_id, agent_id=agent_id, now=NOW)

    winners: dict[int, int] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for handoff_id in queued(factory, ROUNDS):
            futures = [pool.submit(claim_at_once, handoff_id, a.id) for a in (alex, bea)]
            outcomes = [future.result(timeout=TIMEOUT) for future in futures]
            [winner] = [outcome for outcome in outcomes if outcome.ok]
            [loser] = [outcome for outcome in outcomes if not outcome.ok]
            assert loser.reason == "already_assigned"
            assert winner.handoff is not None and loser.handoff is not None
            assert loser.handoff.assigned_agent_id == winner.handoff.assigned_agent_id
            winners[handoff_id] = winner.handoff.assigned_agent_id  # type: ignore[assignment]
    with factory() as session:
        stored = dict(session.execute(select(Handoff.id, Handoff.assigned_agent_id)).all())
    assert stored == winners


class _CommitOnSignal(UoW):
    """A unit of work whose commit waits, so its UPDATE holds the row meanwhile."""

    def __init__(self, factory: sessionmaker) -> None:
        super().__init__(factory)
        self.updated, self.release = threading.Event(), threading.Event()

    def commit(self) -> None:
        self.updated.set()
        assert self.release.wait(TIMEOUT)
        super().commit()


def test_a_claim_behind_an_uncommitted_claim_waits_and_loses(factory: sessionmaker) -> None:
    """The loser's UPDATE blocks on the winner's lock and then finds the row no longer
    queued: it never reads "queued" and overwrites the winner."""
    alex, bea = agent(UoW(factory), "alex"), agent(UoW(factory), "bea")
    [handoff_id] = queued(factory, 1)
    slow = _CommitOnSignal(factory)
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(queue.claim, slow, handoff_id=handoff_id, agent_id=alex.id)
        assert slow.updated.wait(TIMEOUT)
        second: Future[ClaimResult] = pool.submit(
            queue.claim, UoW(factory), handoff_id=handoff_id, agent_id=bea.id
        )
        time.sleep(0.3)  # a window, not a condition: proves the claim does NOT finish meanwhile
        assert not second.done(), "the second claim should wait for the first one's lock"
        slow.release.set()
        won, lost = first.result(timeout=TIMEOUT), second.result(timeout=TIMEOUT)
    assert won.ok and (lost.ok, lost.reason) == (False, "already_assigned")
    assert lost.handoff is not None and lost.handoff.assigned_agent_id == alex.id
