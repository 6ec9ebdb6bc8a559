"""Nothing queued is lost when every process restarts: the queue lives in the store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.services import passwords, queue
from bot.store.db import dispose_engine, session_factory
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from tests.bot.services.queue_factories import NOW, POLICY, agent, decision, empty_store
from tools.seed.databases import BACKENDS

ROOT = Path(__file__).resolve().parents[3]
# A separate process queues three conversations and dies without any clean-up.
CHILD = f"""
import os, signal
from datetime import datetime, timezone
from bot.escalation import Decision, Reason
from bot.services import queue
from bot.store.unit_of_work import SqlAlchemyUnitOfWork

now = datetime(2024, 6, 3, 10, 0, tzinfo=timezone.utc)
for number, (kind, priority) in enumerate([("service", 2), ("conflict", 1), ("informative", 3)]):
    decision = Decision(True, (Reason(kind, "from the child", 1.0),), priority, "general", 1.0)
    queue.enqueue(SqlAlchemyUnitOfWork(), conversation_id=f"child-{{number}}", customer_id=None,
                  decision=decision, interaction_type=kind, intent=None, now=now)
os.kill(os.getpid(), signal.{signal.SIGKILL.name})
"""


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest) -> Iterator[str]:
    with empty_store(request.param) as (url, _factory):
        yield url


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "COST_N", 2**4)


def test_a_new_engine_sees_the_same_queue(url: str) -> None:
    before = UoW(session_factory(url))
    for number, kind in enumerate(("informative", "conflict", "service")):
        queue.enqueue(
            before,
            conversation_id=f"c{number}",
            customer_id=None,
            decision=decision(kind),
            interaction_type=kind,
            intent=None,
            now=NOW,
            policy=POLICY,
        )
    alex = agent(before, "alex")
    assert queue.claim(before, handoff_id=1, agent_id=alex.id, now=NOW).ok
    expected = queue.list_queue(before, now=NOW, states=("queued", "assigned"))
    old_factory = session_factory(url)
    dispose_engine(url)  # as if every process stopped
    new_factory = session_factory(url)
    assert new_factory is not old_factory
    after = queue.list_queue(UoW(new_factory), now=NOW, states=("queued", "assigned"))
    assert after == expected
    assert [entry.handoff.state for entry in after] == ["queued", "queued", "assigned"]


def test_a_killed_process_loses_nothing_it_queued(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "CIM_ENV": "test"}
    child = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=ROOT, timeout=120)
    assert child.returncode == -signal.SIGKILL
    dispose_engine(url)
    entries = queue.list_queue(UoW(session_factory(url)), now=NOW)
    assert [entry.handoff.conversation_id for entry in entries] == ["child-1", "child-0", "child-2"]
    assert [entry.position for entry in entries] == [1, 2, 3]
