from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from bot.services.handoffs import create_handoff
from bot.services.queue import active_handoff_for
from bot.services.views import CustomerView
from bot.store.models import Handoff
from bot.store.repositories import HandoffRepository
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW


def test_a_handoff_is_queued(uow: UoW, james: CustomerView) -> None:
    handoff = create_handoff(
        uow,
        conversation_id="conv-1",
        customer_id=james.id,
        reasons=["late_delivery"],
        interaction_type="conflict",
        intent="late_delivery",
        summary="Parcel is late.",
    )
    assert (handoff.state, handoff.reasons, handoff.customer_id) == (
        "queued",
        ("late_delivery",),
        james.id,
    )
    assert active_handoff_for(uow, conversation_id="conv-1") == handoff


def test_a_second_request_merges_into_the_queued_handoff(
    uow: UoW, factory: sessionmaker, james: CustomerView
) -> None:
    first = create_handoff(
        uow,
        conversation_id="conv-1",
        customer_id=None,
        reasons=["complaint"],
        interaction_type="conflict",
        intent="complaint",
    )
    second = create_handoff(
        uow,
        conversation_id="conv-1",
        customer_id=james.id,
        reasons=["complaint", "request_human"],
        interaction_type="conflict",
        intent="request_human",
        summary="Wants a person.",
    )
    assert second.id == first.id
    assert second.reasons == ("complaint", "request_human")
    assert (second.customer_id, second.summary) == (james.id, "Wants a person.")
    with factory() as session:
        assert len(session.scalars(select(Handoff)).all()) == 1


def test_conversations_get_their_own_handoffs(uow: UoW) -> None:
    one = create_handoff(
        uow,
        conversation_id="a",
        customer_id=None,
        reasons=["x"],
        interaction_type=None,
        intent=None,
    )
    two = create_handoff(
        uow,
        conversation_id="b",
        customer_id=None,
        reasons=["x"],
        interaction_type=None,
        intent=None,
    )
    assert one.id != two.id


def test_a_closed_handoff_is_not_open(uow: UoW, factory: sessionmaker) -> None:
    first = create_handoff(
        uow,
        conversation_id="c",
        customer_id=None,
        reasons=["x"],
        interaction_type=None,
        intent=None,
    )
    with factory() as session:
        session.execute(update(Handoff).values(state="closed"))
        session.commit()
    assert active_handoff_for(uow, conversation_id="c") is None
    again = create_handoff(
        uow,
        conversation_id="c",
        customer_id=None,
        reasons=["y"],
        interaction_type=None,
        intent=None,
    )
    assert again.id != first.id and again.reasons == ("y",)


def test_no_handoff_means_none(uow: UoW) -> None:
    assert active_handoff_for(uow, conversation_id="nobody") is None


def test_a_racing_second_handoff_is_merged(
    uow: UoW, factory: sessionmaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If another process queued one between our check and insert, the unique index
    refuses the second and the retry merges into the first."""
    first = create_handoff(
        uow,
        conversation_id="race",
        customer_id=None,
        reasons=["a"],
        interaction_type=None,
        intent=None,
    )
    original = HandoffRepository.active_for_conversation
    calls = iter([True])

    def blind_once(self: HandoffRepository, *, conversation_id: str) -> Handoff | None:
        if next(calls, False):
            return None
        return original(self, conversation_id=conversation_id)

    monkeypatch.setattr(HandoffRepository, "active_for_conversation", blind_once)
    second = create_handoff(
        uow,
        conversation_id="race",
        customer_id=None,
        reasons=["b"],
        interaction_type=None,
        intent=None,
    )
    assert (second.id, second.reasons) == (first.id, ("a", "b"))
    with factory() as session:
        assert len(session.scalars(select(Handoff)).all()) == 1
