"""The queue's tables: agents, handoffs in every state, private notes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import Agent, Handoff, HandoffNote
from bot.store.repositories import HandoffRepository

NOW = datetime(2024, 6, 3, 10, 0, tzinfo=timezone.utc)


def _agent(session: Session, username: str = "alex", **overrides: object) -> Agent:
    values: dict[str, object] = {
        "username": username,
        "display_name": username.title(),
        "password_hash": "scrypt$...",
    }
    values.update(overrides)
    agent = Agent(**values)
    session.add(agent)
    session.flush()
    return agent


def _handoff(session: Session, conversation: str, **overrides: object) -> Handoff:
    values: dict[str, object] = {"conversation_id": conversation, "reasons": []}
    values.update(overrides)
    handoff = Handoff(**values)
    session.add(handoff)
    session.flush()
    return handoff


def test_a_new_handoff_has_queue_defaults(factory: sessionmaker) -> None:
    with factory() as session:
        handoff = _handoff(session, "c1")
        session.commit()
        assert (handoff.state, handoff.priority, handoff.team, handoff.vip) == (
            "queued",
            3,
            "general",
            False,
        )
        assert handoff.queued_at is not None and handoff.assigned_agent_id is None


@pytest.mark.parametrize("state", ["queued", "assigned", "ticket"])
def test_only_one_active_handoff_per_conversation(factory: sessionmaker, state: str) -> None:
    with factory() as session:
        agent = _agent(session)
        _handoff(session, "c1", state=state, assigned_agent_id=agent.id)
        session.commit()
        session.add(Handoff(conversation_id="c1", state="queued", reasons=[]))
        with pytest.raises(IntegrityError):
            session.commit()


@pytest.mark.parametrize("state", ["resolved", "abandoned", "closed"])
def test_a_finished_handoff_leaves_room_for_a_new_one(factory: sessionmaker, state: str) -> None:
    with factory() as session:
        _handoff(session, "c1", state=state)
        _handoff(session, "c1", state="queued")
        session.commit()


@pytest.mark.parametrize(
    "overrides",
    [
        {"state": "waiting"},
        {"disposition": "maybe"},
        {"priority": 0},
        {"state": "assigned"},  # assigned to nobody
    ],
)
def test_inconsistent_handoffs_are_refused(factory: sessionmaker, overrides: dict) -> None:
    with factory() as session, pytest.raises(IntegrityError):
        _handoff(session, "c1", **overrides)
        session.commit()


@pytest.mark.parametrize(
    "overrides",
    [{"role": "admin"}, {"username": "Alex"}],
)
def test_inconsistent_agents_are_refused(factory: sessionmaker, overrides: dict) -> None:
    with factory() as session, pytest.raises(IntegrityError):
        _agent(session, **overrides)
        session.commit()


def test_usernames_are_unique(factory: sessionmaker) -> None:
    with factory() as session:
        _agent(session, "alex")
        session.commit()
        with pytest.raises(IntegrityError):
            _agent(session, "alex")


def test_notes_belong_to_an_agent_and_go_with_their_handoff(factory: sessionmaker) -> None:
    with factory() as session:
        agent = _agent(session)
        handoff = _handoff(session, "c1")
        session.add(HandoffNote(handoff_id=handoff.id, agent_id=agent.id, body="called back"))
        session.commit()
        session.execute(delete(Handoff))
        session.commit()
        assert session.scalars(select(HandoffNote)).all() == []
        session.add(HandoffNote(handoff_id=424242, agent_id=agent.id, body="orphan"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_an_agent_with_handoffs_cannot_be_deleted(factory: sessionmaker) -> None:
    with factory() as session:
        agent = _agent(session)
        _handoff(session, "c1", state="assigned", assigned_agent_id=agent.id)
        session.commit()
        with pytest.raises(IntegrityError):
            session.execute(delete(Agent))


def test_the_queue_order_is_priority_then_vip_then_age(factory: sessionmaker) -> None:
    with factory() as session:
        ages = {"old-info": 50, "service": 40, "conflict": 30, "vip-conflict": 10, "vip-service": 5}
        specs = {
            "old-info": (3, False),
            "service": (2, False),
            "conflict": (1, False),
            "vip-conflict": (1, True),
            "vip-service": (2, True),
        }
        for name, (priority, vip) in specs.items():
            queued = NOW - timedelta(minutes=ages[name])
            _handoff(session, name, priority=priority, vip=vip, queued_at=queued)
        session.commit()
        order = HandoffRepository(session).in_queue_order(states=("queued",))
        assert [h.conversation_id for h in order] == [
            "vip-conflict",
            "conflict",
            "vip-service",
            "service",
            "old-info",
        ]


def test_a_transition_changes_only_a_row_in_an_expected_state(factory: sessionmaker) -> None:
    with factory() as session:
        agent = _agent(session)
        handoff = _handoff(session, "c1")
        session.commit()
        repository = HandoffRepository(session)
        values = {"state": "assigned", "assigned_agent_id": agent.id, "assigned_at": NOW}
        assert repository.transition(handoff_id=handoff.id, from_states=("queued",), values=values)
        assert not repository.transition(
            handoff_id=handoff.id, from_states=("queued",), values=values
        )
        session.commit()
        assert repository.get(handoff_id=handoff.id, fresh=True).state == "assigned"  # type: ignore[union-attr]
