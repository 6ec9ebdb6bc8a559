from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.store.models import Customer, Interaction
from bot.store.unit_of_work import SqlAlchemyUnitOfWork


def _log(uow: SqlAlchemyUnitOfWork, conversation_id: str) -> None:
    uow.interactions.add(Interaction(conversation_id=conversation_id, action="a", outcome="o"))


def _conversations(factory: sessionmaker) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(Interaction.conversation_id)))


def test_work_that_is_not_committed_is_rolled_back(factory: sessionmaker) -> None:
    uow = SqlAlchemyUnitOfWork(factory)
    with uow:
        _log(uow, "forgotten")
        uow.session.flush()
    assert _conversations(factory) == []


def test_committed_work_is_kept(factory: sessionmaker) -> None:
    uow = SqlAlchemyUnitOfWork(factory)
    with uow:
        _log(uow, "kept")
        uow.commit()
    assert _conversations(factory) == ["kept"]


def test_an_error_rolls_back_and_propagates(factory: sessionmaker) -> None:
    uow = SqlAlchemyUnitOfWork(factory)
    with pytest.raises(RuntimeError), uow:
        _log(uow, "failed")
        uow.session.flush()
        raise RuntimeError("boom")
    assert _conversations(factory) == []


def test_explicit_rollback_discards_pending_work(factory: sessionmaker) -> None:
    uow = SqlAlchemyUnitOfWork(factory)
    with uow:
        _log(uow, "undone")
        uow.rollback()
        uow.commit()
    assert _conversations(factory) == []


def test_nested_blocks_share_one_session(factory: sessionmaker) -> None:
    uow = SqlAlchemyUnitOfWork(factory)
    with uow:
        outer = uow.session
        with uow:
            assert uow.session is outer
        _log(uow, "still open")
        uow.commit()
    assert _conversations(factory) == ["still open"]


def test_the_unit_of_work_can_be_reused(seeded: sessionmaker) -> None:
    uow = SqlAlchemyUnitOfWork(seeded)
    for _ in range(2):
        with uow:
            assert uow.customers.get_by_public_id(public_id="C0001") is not None


def test_using_it_outside_a_block_is_an_error(factory: sessionmaker) -> None:
    with pytest.raises(RuntimeError):
        SqlAlchemyUnitOfWork(factory).commit()


def test_constructing_it_touches_no_database() -> None:
    uow = SqlAlchemyUnitOfWork()
    assert uow._session is None


def test_committed_objects_stay_readable(factory: sessionmaker) -> None:
    uow = SqlAlchemyUnitOfWork(factory)
    with uow:
        customer = Customer(public_id="C0500", first_name="A", last_name="B", email="a@b.io")
        uow.customers.add(customer)
        uow.commit()
    assert customer.email == "a@b.io" and customer.id is not None
