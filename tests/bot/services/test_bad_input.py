"""Slots can hold anything; services answer None, [] or Outcome(ok=False), never raise."""

from __future__ import annotations

from typing import Any

import pytest

from bot.services import (
    customers,
    interactions,
    loyalty,
    orders,
    queue,
    recommendations,
    refunds,
)
from bot.services.views import CustomerView, HandoffView, Outcome
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from tests.bot.services.queue_factories import ALWAYS_OPEN, decision

# Typed as Any: the point is to pass what the signatures do not allow.
BAD_VALUES: list[Any] = [
    None,
    "",
    "   ",
    "x" * 10_000,
    "1" * 10_000,
    "\x00",
    "#1000\x0001",
    "😀🚀 ünïcödé ✓",
    "\ud800",
    "%_'; DROP TABLE orders; --",
    0,
    -1,
    2**70,
    True,
    3.5,
    [],
    {"a": 1},
    b"100001",
    object(),
]
Customers = dict[str, CustomerView]


def test_customer_lookups(reader: UoW) -> None:
    for bad in BAD_VALUES:
        assert customers.get_customer(reader, customer_id=bad) is None
        assert customers.find_customer_by_public_id(reader, public_id=bad) is None
        assert customers.greeting_context(reader, customer_id=bad) is None


def test_verification(reader: UoW) -> None:
    for bad in BAD_VALUES:
        for email, number in [(bad, bad), ("maria.garcia@example.com", bad), (bad, "100001")]:
            assert customers.verify_customer(reader, email=email, order_number=number) is None


def test_order_lookups(reader: UoW, shared_customers: Customers) -> None:
    maria = shared_customers["C0001"]
    for bad in BAD_VALUES:
        assert orders.get_order(reader, customer_id=maria.id, order_number=bad) is None
        assert orders.get_order(reader, customer_id=bad, order_number="100001") is None
        assert orders.latest_order(reader, customer_id=bad) is None
        assert orders.list_orders(reader, customer_id=bad) == []
        assert len(orders.list_orders(reader, customer_id=maria.id, limit=bad)) <= 3


@pytest.mark.parametrize(
    "check", [orders.check_cancellable, orders.cancel_order, orders.check_address_changeable]
)
def test_order_changes(reader: UoW, shared_customers: Customers, check: Any) -> None:
    maria = shared_customers["C0001"]
    for bad in BAD_VALUES:
        for customer_id, number in [(maria.id, bad), (bad, "100001")]:
            outcome = check(reader, customer_id=customer_id, order_number=number)
            assert outcome == Outcome(ok=False, reason="not_found")


def test_address_changes(reader: UoW, shared_customers: Customers) -> None:
    maria = shared_customers["C0001"]
    for bad in BAD_VALUES:
        wrong_order = orders.change_address(
            reader, customer_id=maria.id, order_number=bad, address="5 Elm Road, Boston"
        )
        assert (wrong_order.ok, wrong_order.reason) == (False, "not_found")
        wrong_address = orders.change_address(
            reader, customer_id=maria.id, order_number="100001", address=bad
        )
        assert (wrong_address.ok, wrong_address.reason) == (False, "invalid_address")


def test_refund_lookups(reader: UoW, shared_customers: Customers) -> None:
    aiko = shared_customers["C0003"]
    for bad in BAD_VALUES:
        assert refunds.refund_status(reader, customer_id=bad) == []
        if bad is not None:
            assert refunds.refund_status(reader, customer_id=aiko.id, order_number=bad) == []
        outcome = refunds.request_refund(
            reader, customer_id=aiko.id, order_number=bad, reason="broken"
        )
        assert (outcome.ok, outcome.reason) == (False, "not_found")


def test_an_odd_refund_reason_is_tidied(uow: UoW, aiko: CustomerView) -> None:
    outcome = refunds.request_refund(
        uow, customer_id=aiko.id, order_number="100008", reason="\x00" + "é\ud800" * 5000
    )
    assert outcome.ok and outcome.refund is not None
    assert len(outcome.refund.reason) == 500 and "\x00" not in outcome.refund.reason


def test_loyalty_and_catalogue(reader: UoW) -> None:
    for bad in BAD_VALUES:
        assert loyalty.loyalty_balance(reader, customer_id=bad) is None
        assert recommendations.find_product(reader, name=bad) is None
        picks = recommendations.recommend(reader, customer_id=bad, limit=bad)
        assert 1 <= len(picks) <= recommendations.MAX_RECOMMENDATIONS


def test_logging_and_handoffs(uow: UoW) -> None:
    for bad in BAD_VALUES:
        interactions.log_interaction(
            uow,
            conversation_id=bad,
            customer_id=bad,
            intent=bad,
            interaction_type=bad,
            action=bad,
            outcome=bad,
            details=bad,
        )
        ticket = queue.enqueue(
            uow,
            conversation_id=bad,
            customer_id=bad,
            decision=decision("conflict"),
            interaction_type=bad,
            intent=bad,
            summary=bad,
            policy=ALWAYS_OPEN,
        )
        handoff = ticket.handoff
        assert isinstance(handoff, HandoffView) and handoff.state == "queued"
        assert queue.active_handoff_for(uow, conversation_id=bad) in (None, handoff)
        found = queue.active_handoff_for(uow, conversation_id=bad)
        assert queue.has_active_handoff(uow, conversation_id=bad) is (found is not None)
