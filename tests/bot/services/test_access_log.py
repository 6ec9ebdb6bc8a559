"""The console's access log: written, read by filter, and append-only in the database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from bot.services import passwords
from bot.services.access_log import recent_access, record_access
from bot.store.models import ConsoleAccessEntry
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from tests.bot.services.queue_factories import agent, empty_store
from tools.seed.databases import BACKENDS, SEED_NOW


@pytest.fixture(params=BACKENDS)
def uow(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[UoW]:
    monkeypatch.setattr(passwords, "COST_N", 2**4)
    factory: sessionmaker
    with empty_store(request.param) as (_url, factory):
        yield UoW(factory)


def test_entries_say_who_did_what_to_which_handoff_and_customer_from_where(uow: UoW) -> None:
    anna, sue = agent(uow, "anna"), agent(uow, "sue", role="supervisor")
    record_access(
        uow,
        agent_id=anna.id,
        action="view_handoff",
        address="10.0.0.1",
        handoff_id=7,
        customer_id=3,
    )
    record_access(
        uow, agent_id=sue.id, action="export_conversations", address="10.0.0.2", detail="drill=csat"
    )
    record_access(uow, agent_id=anna.id, action="view_handoff", address="10.0.0.1", handoff_id=8)
    newest = recent_access(uow)
    assert [(e.agent, e.action, e.handoff_id) for e in newest] == [
        ("anna", "view_handoff", 8),
        ("sue", "export_conversations", None),
        ("anna", "view_handoff", 7),
    ]
    assert [e.customer_id for e in recent_access(uow, customer_id=3)] == [3]
    assert [e.handoff_id for e in recent_access(uow, handoff_id=7)] == [7]
    assert {e.agent for e in recent_access(uow, agent_id=sue.id)} == {"sue"}
    assert len(recent_access(uow, limit=1)) == 1
    assert newest[1].as_json()["detail"] == "drill=csat"


def test_an_unknown_action_is_a_programming_error(uow: UoW) -> None:
    anna = agent(uow, "anna")
    with pytest.raises(ValueError):
        record_access(uow, agent_id=anna.id, action="peek", address=None)


@pytest.mark.parametrize("change", ["update", "delete"])
def test_the_database_refuses_to_change_or_delete_an_entry(uow: UoW, change: str) -> None:
    anna = agent(uow, "anna")
    record_access(uow, agent_id=anna.id, action="view_handoff", address="10.0.0.1", handoff_id=7)
    table = ConsoleAccessEntry.__table__
    statement = table.update().values(address="1.2.3.4") if change == "update" else table.delete()
    with uow, pytest.raises(DBAPIError, match="append-only"):
        uow.session.execute(statement)
    with uow:
        assert uow.session.scalar(sa.select(table.c.address)) == "10.0.0.1"


def test_an_actor_without_an_agent_row_is_recorded_by_name(uow: UoW) -> None:
    sue = agent(uow, "sue", role="supervisor")
    record_access(uow, actor="cli:root", action="export_customer", address=None, customer_id=42)
    record_access(uow, agent_id=sue.id, action="erase_customer", address="10.0.0.2", customer_id=42)
    newest = recent_access(uow, customer_id=42)
    assert [(e.agent, e.action) for e in newest] == [
        ("sue", "erase_customer"),
        ("cli:root", "export_customer"),
    ]
    assert recent_access(uow, agent_id=sue.id)[0].action == "erase_customer"


@pytest.mark.parametrize(
    "action", ["view_customer", "search_customers", "export_customer", "erase_customer"]
)
def test_the_privacy_actions_are_known(uow: UoW, action: str) -> None:
    sue = agent(uow, "sue", role="supervisor")
    record_access(uow, agent_id=sue.id, action=action, address="10.0.0.2", customer_id=5)
    assert [e.action for e in recent_access(uow)] == [action]


@pytest.mark.parametrize("who", [{}, {"agent_id": 1, "actor": "cli:root"}, {"actor": "  "}])
def test_an_entry_has_an_agent_or_an_actor_never_both_nor_neither(
    uow: UoW, who: dict[str, object]
) -> None:
    agent(uow, "anna")
    with pytest.raises(ValueError):
        record_access(uow, action="view_customer", address=None, **who)  # type: ignore[arg-type]


def test_the_database_refuses_an_entry_with_no_one_behind_it(uow: UoW) -> None:
    table = ConsoleAccessEntry.__table__
    with uow, pytest.raises(DBAPIError):
        uow.session.execute(table.insert().values(action="view_customer", at=SEED_NOW))


@pytest.mark.parametrize("change", ["update", "delete"])
def test_entries_by_an_actor_stay_append_only(uow: UoW, change: str) -> None:
    record_access(uow, actor="cli:root", action="erase_customer", address=None, customer_id=9)
    table = ConsoleAccessEntry.__table__
    statement = table.update().values(actor="cli:x") if change == "update" else table.delete()
    with uow, pytest.raises(DBAPIError, match="append-only"):
        uow.session.execute(statement)
    with uow:
        assert uow.session.scalar(sa.select(table.c.actor)) == "cli:root"
