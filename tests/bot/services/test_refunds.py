from __future__ import annotations

from bot.services.refunds import refund_status, request_refund
from bot.services.views import CustomerView
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW


def test_refunds_are_listed_for_the_customer(
    reader: UoW, shared_customers: dict[str, CustomerView]
) -> None:
    maria = shared_customers["C0001"]
    refunds = refund_status(reader, customer_id=maria.id)
    assert [(r.order_number, r.status, r.amount_cents) for r in refunds] == [
        ("100003", "approved", 7900)
    ]
    assert refund_status(reader, customer_id=maria.id, order_number="#100003") == refunds
    assert refund_status(reader, customer_id=maria.id, order_number="100001") == []


def test_a_refund_can_be_requested_for_a_delivered_order(uow: UoW, aiko: CustomerView) -> None:
    outcome = request_refund(
        uow, customer_id=aiko.id, order_number="100008", reason="  Seams leak in the rain. "
    )
    assert outcome.ok and outcome.refund is not None
    assert (outcome.refund.status, outcome.refund.amount_cents) == ("requested", 13900)
    assert outcome.refund.reason == "Seams leak in the rain."
    listed = refund_status(uow, customer_id=aiko.id)
    assert [(r.order_number, r.status) for r in listed] == [("100008", "requested")]


def test_a_second_refund_is_refused(uow: UoW, aiko: CustomerView, maria: CustomerView) -> None:
    request_refund(uow, customer_id=aiko.id, order_number="100008", reason="leaks")
    again = request_refund(uow, customer_id=aiko.id, order_number="100008", reason="leaks")
    assert (again.ok, again.reason) == (False, "refund_exists")
    existing = request_refund(uow, customer_id=maria.id, order_number="100003", reason="x")
    assert (existing.ok, existing.reason) == (False, "refund_exists")
    assert len(refund_status(uow, customer_id=aiko.id)) == 1


def test_undelivered_or_foreign_orders_cannot_be_refunded(
    uow: UoW, maria: CustomerView, james: CustomerView
) -> None:
    in_transit = request_refund(uow, customer_id=maria.id, order_number="100002", reason="x")
    assert (in_transit.ok, in_transit.reason) == (False, "not_delivered")
    cancelled = request_refund(uow, customer_id=james.id, order_number="100006", reason="x")
    assert cancelled.reason == "not_delivered"
    foreign = request_refund(uow, customer_id=james.id, order_number="100003", reason="x")
    assert (foreign.ok, foreign.reason, foreign.order) == (False, "not_found", None)
    assert refund_status(uow, customer_id=james.id) == []
