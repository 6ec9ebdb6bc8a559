"""Who may read a handoff: supervisors all, agents their team's open ones and their own,
trainers none; and what that means for the queue, claims, transfers and notes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from sqlalchemy.orm import sessionmaker

from bot.services import passwords, queue
from bot.services.views import AgentView, HandoffView
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from tests.bot.services.queue_factories import NOW, POLICY, agent, decision, empty_store
from tools.seed.databases import BACKENDS

WHEN = datetime(2024, 1, 1, tzinfo=timezone.utc)


def reader(role: str, team: str | None = None, *, id: int = 1, active: bool = True) -> AgentView:
    return AgentView(id, "someone", "Someone", role, team, active, WHEN)


def handoff(state: str, team: str = "general", assignee: int | None = None) -> HandoffView:
    return HandoffView(
        1, "conv", None, state, (), None, None, None, WHEN, team=team, assigned_agent_id=assignee
    )


@pytest.mark.parametrize(
    ("who", "what", "may"),
    [
        (reader("supervisor", "billing"), handoff("resolved"), True),
        (reader("agent", "general"), handoff("queued"), True),
        (reader("agent", "general"), handoff("ticket"), True),
        (reader("agent", None), handoff("assigned", "billing", assignee=9), True),  # any team
        (reader("agent", "billing"), handoff("queued", "general"), False),
        (reader("agent", "general"), handoff("resolved"), False),  # closed, someone else's
        (reader("agent", "general"), handoff("abandoned"), False),
        (reader("agent", "billing", id=5), handoff("resolved", assignee=5), True),  # their own
        (reader("agent", "billing", id=5), handoff("assigned", assignee=5), True),
        (reader("trainer"), handoff("queued"), False),
        (reader("supervisor", active=False), handoff("queued"), False),
    ],
)
def test_who_may_read_a_handoff(who: AgentView, what: HandoffView, may: bool) -> None:
    assert queue.may_read(who, what) is may


@pytest.fixture(params=BACKENDS)
def uow(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[UoW]:
    monkeypatch.setattr(passwords, "COST_N", 2**4)
    factory: sessionmaker
    with empty_store(request.param) as (_url, factory):
        yield UoW(factory)


def enqueue(uow: UoW, conversation: str, team: str) -> int:
    ticket = queue.enqueue(
        uow,
        conversation_id=conversation,
        customer_id=None,
        decision=decision("conflict", team=team),
        interaction_type="conflict",
        intent="complaint",
        now=NOW,
        policy=POLICY,
    )
    return ticket.handoff.id


def test_an_agent_sees_and_takes_only_their_teams_handoffs(uow: UoW) -> None:
    general, billing = enqueue(uow, "conv-g", "general"), enqueue(uow, "conv-b", "billing")
    bea = agent(uow, "bea", team="billing")
    sue = agent(uow, "sue", role="supervisor")
    seen = queue.list_queue(uow, now=NOW, reader=bea)
    assert [entry.handoff.id for entry in seen] == [billing]
    assert len(queue.list_queue(uow, now=NOW, reader=sue)) == 2
    assert queue.readable_handoff(uow, handoff_id=general, agent_id=bea.id) == (None, "forbidden")
    assert queue.readable_handoff(uow, handoff_id=999, agent_id=bea.id) == (None, "not_found")
    refused = queue.claim(uow, handoff_id=general, agent_id=bea.id, now=NOW)
    assert (refused.ok, refused.reason) == (False, "forbidden")
    moved = queue.transfer(
        uow, handoff_id=general, agent_id=bea.id, team="billing", now=NOW, policy=POLICY
    )
    assert (moved.ok, moved.reason) == (False, "forbidden")
    assert queue.claim(uow, handoff_id=billing, agent_id=bea.id, now=NOW).ok


def test_notes_go_only_on_open_handoffs_one_may_read(uow: UoW) -> None:
    general = enqueue(uow, "conv-g", "general")
    gil, bea = agent(uow, "gil", team="general"), agent(uow, "bea", team="billing")
    assert queue.add_note(uow, handoff_id=general, agent_id=bea.id, body="not mine") is None
    assert queue.add_note(uow, handoff_id=general, agent_id=gil.id, body="open") is not None
    assert queue.claim(uow, handoff_id=general, agent_id=gil.id, now=NOW).ok
    done = queue.resolve(uow, handoff_id=general, agent_id=gil.id, disposition="solved", now=NOW)
    assert done.ok
    assert queue.add_note(uow, handoff_id=general, agent_id=gil.id, body="closed") is None
    assert [note.body for note in queue.notes_for(uow, handoff_id=general)] == ["open"]
    view, why = queue.readable_handoff(uow, handoff_id=general, agent_id=gil.id)
    assert view is not None and why is None  # gil had it: still theirs to read
