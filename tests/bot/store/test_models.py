from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import sessionmaker

from bot.store.models import Customer, Handoff, Order


def _customer(**overrides: object) -> Customer:
    values: dict[str, object] = {
        "public_id": "C9999",
        "first_name": "Test",
        "last_name": "Person",
        "email": "Test.Person@Example.com ",
        "tier": "standard",
    }
    values.update(overrides)
    return Customer(**values)


def test_email_is_stored_lower_case(factory: sessionmaker) -> None:
    with factory() as session:
        session.add(_customer())
        session.commit()
        assert session.scalars(select(Customer.email)).one() == "test.person@example.com"


def test_unknown_tier_is_refused(factory: sessionmaker) -> None:
    with factory() as session, pytest.raises(IntegrityError):
        session.add(_customer(tier="platinum"))
        session.commit()


def test_unknown_order_status_is_refused(seeded: sessionmaker) -> None:
    with seeded() as session, pytest.raises(IntegrityError):
        order = session.scalars(select(Order).limit(1)).one()
        order.status = "lost"
        session.commit()


def test_foreign_keys_are_enforced(factory: sessionmaker) -> None:
    with factory() as session, pytest.raises(IntegrityError):
        session.add(Order(number="123456", customer_id=424242, status="pending"))
        session.commit()


def test_times_come_back_as_aware_utc(factory: sessionmaker) -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    with factory() as session:
        session.add(_customer(created_at=moment))
        session.commit()
    with factory() as session:
        stored = session.scalars(select(Customer.created_at)).one()
    assert stored == moment
    assert stored.utcoffset() == timedelta(0)


def test_naive_times_are_refused(factory: sessionmaker) -> None:
    with factory() as session, pytest.raises(StatementError):
        session.add(_customer(created_at=datetime(2024, 1, 1)))
        session.commit()


def test_only_one_handoff_is_queued_per_conversation(factory: sessionmaker) -> None:
    with factory() as session:
        session.add(Handoff(conversation_id="c1", state="closed", reasons=[]))
        session.add(Handoff(conversation_id="c1", state="queued", reasons=[]))
        session.commit()
        session.add(Handoff(conversation_id="c1", state="queued", reasons=[]))
        with pytest.raises(IntegrityError):
            session.commit()
