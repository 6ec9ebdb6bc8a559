"""Staff sessions on the server: live until logout, revocation, expiry or the maximum age."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.services import passwords
from bot.services.agent_sessions import (
    end_session,
    live_sessions,
    session_agent,
    start_session,
    token_hash,
)
from bot.services.agents import set_active
from bot.store.columns import utcnow
from bot.store.models import ConsoleSession
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from tests.bot.services.queue_factories import agent, empty_store
from tools.seed.databases import BACKENDS

NOW = utcnow()


@pytest.fixture(params=BACKENDS)
def uow(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[UoW]:
    monkeypatch.setattr(passwords, "COST_N", 2**4)
    factory: sessionmaker
    with empty_store(request.param) as (_url, factory):
        yield UoW(factory)


def started(uow: UoW, agent_id: int, name: str = "s1", lifetime: int = 3600) -> str:
    start_session(
        uow,
        agent_id=agent_id,
        session_id=name,
        lifetime_seconds=lifetime,
        address="10.0.0.1",
        now=NOW,
    )
    return name


def check(uow: UoW, agent_id: int, name: str, *, after: float = 0, max_age: int = 3600) -> bool:
    moment = NOW + timedelta(seconds=after)
    found = session_agent(
        uow, agent_id=agent_id, session_id=name, max_age_seconds=max_age, now=moment
    )
    return found is not None and found.id == agent_id


def test_a_started_session_serves_its_agent_until_it_expires(uow: UoW) -> None:
    anna = agent(uow, "anna")
    name = started(uow, anna.id, lifetime=60)
    assert check(uow, anna.id, name)
    assert check(uow, anna.id, name, after=59)
    assert not check(uow, anna.id, name, after=60)


def test_the_servers_maximum_age_wins_over_a_longer_lifetime(uow: UoW) -> None:
    """The cap is read on every request: lowering it ends sessions already open."""
    anna = agent(uow, "anna")
    name = started(uow, anna.id, lifetime=8 * 3600)
    assert check(uow, anna.id, name, after=120, max_age=3600)
    assert not check(uow, anna.id, name, after=120, max_age=60)


@pytest.mark.parametrize("name", ["never-started", "", "x" * 65])
def test_an_unknown_session_serves_nobody(uow: UoW, name: str) -> None:
    anna = agent(uow, "anna")
    started(uow, anna.id)
    assert not check(uow, anna.id, name)


def test_a_session_serves_only_the_agent_who_started_it(uow: UoW) -> None:
    anna, ben = agent(uow, "anna"), agent(uow, "ben")
    name = started(uow, anna.id)
    assert not check(uow, ben.id, name)


def test_logout_ends_only_that_session(uow: UoW) -> None:
    anna = agent(uow, "anna")
    first, second = started(uow, anna.id, "first"), started(uow, anna.id, "second")
    end_session(uow, session_id=first, now=NOW)
    assert not check(uow, anna.id, first)
    assert check(uow, anna.id, second)


def test_the_live_feed_learns_which_sessions_still_stand_in_one_query(uow: UoW) -> None:
    anna, ben = agent(uow, "anna"), agent(uow, "ben")
    a1, a2, b1 = (
        started(uow, anna.id, "a1"),
        started(uow, anna.id, "a2"),
        started(uow, ben.id, "b1"),
    )
    end_session(uow, session_id=a1, now=NOW)
    set_active(uow, username="ben", active=False)
    ids = {a1, a2, b1, "unknown"}
    assert live_sessions(uow, session_ids=ids, max_age_seconds=60, now=NOW) == {a2}
    later = NOW + timedelta(seconds=61)
    assert live_sessions(uow, session_ids=ids, max_age_seconds=60, now=later) == set()


def test_the_table_keeps_a_hash_of_the_session_id_never_the_id(uow: UoW) -> None:
    anna = agent(uow, "anna")
    started(uow, anna.id, "the-secret-random-id")
    with uow:
        keys = uow.session.scalars(select(ConsoleSession.token_hash)).all()
    assert keys == [token_hash("the-secret-random-id")]
    assert "the-secret-random-id" not in keys[0]
