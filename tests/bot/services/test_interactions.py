from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.services.interactions import log_interaction
from bot.services.views import CustomerView
from bot.store.models import Interaction
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW


def _stored(factory: sessionmaker) -> list[Interaction]:
    with factory() as session:
        return list(session.scalars(select(Interaction).order_by(Interaction.id)))


def test_an_interaction_is_logged_and_committed(
    uow: UoW, factory: sessionmaker, maria: CustomerView
) -> None:
    log_interaction(
        uow,
        conversation_id="conv-1",
        customer_id=maria.id,
        intent="cancel_order",
        interaction_type="transactional",
        action="action_cancel_order",
        outcome="cancelled",
        details={"order_number": "100001", "amount_cents": 12500},
    )
    [row] = _stored(factory)
    assert (row.conversation_id, row.customer_id, row.intent, row.outcome) == (
        "conv-1",
        maria.id,
        "cancel_order",
        "cancelled",
    )
    assert row.details == {"order_number": "100001", "amount_cents": 12500}
    assert row.created_at.tzinfo is not None


def test_odd_values_are_tidied_not_refused(uow: UoW, factory: sessionmaker) -> None:
    log_interaction(
        uow,
        conversation_id="c" * 10_000,
        customer_id=424242,
        intent="\x00greet\ud800",
        interaction_type=None,
        action="a" * 500,
        outcome="ok",
        details={"when": object(), "text": "nul\x00 and ✓", 1: float("nan")},  # type: ignore[dict-item]
    )
    [row] = _stored(factory)
    assert len(row.conversation_id) == 128 and row.customer_id is None
    assert row.intent == "greet?" and len(row.action) == 100
    assert isinstance(row.details, dict)
