"""Refunds: status look-up and new refund requests for delivered orders."""

from __future__ import annotations

from bot.services.convert import order_view, refund_view
from bot.services.inputs import clean_text, valid_id
from bot.services.orders import load_order, normalise_order_number
from bot.services.views import Outcome, RefundView
from bot.store.models import Order, Refund
from bot.store.unit_of_work import AbstractUnitOfWork

OPEN_REFUND_STATUSES = ("requested", "approved")
# A rejected refund may be asked for again; any other one already covers the order.
BLOCKING_REFUND_STATUSES = frozenset({"requested", "approved", "paid"})
MAX_REASON_LENGTH = 500


def refund_status(
    uow: AbstractUnitOfWork, *, customer_id: int, order_number: str | None = None
) -> list[RefundView]:
    """The customer's refunds, newest first, optionally for one order only."""
    owner = valid_id(customer_id)
    number = None if order_number is None else normalise_order_number(order_number)
    if owner is None or (order_number is not None and number is None):
        return []
    with uow:
        refunds = uow.refunds.list_for_customer(customer_id=owner, order_number=number)
        return [refund_view(refund) for refund in refunds]


def request_refund(
    uow: AbstractUnitOfWork, *, customer_id: int, order_number: str, reason: str
) -> Outcome:
    """Open a refund for the full order total once the order has been delivered."""
    with uow:
        order = load_order(uow, customer_id=customer_id, order_number=order_number, for_update=True)
        if order is None:
            return Outcome(ok=False, reason="not_found")
        refusal = _refusal(uow, order)
        if refusal is not None:
            return Outcome(ok=False, reason=refusal, order=order_view(order))
        refund = Refund(
            order=order,
            amount_cents=order.total_cents,
            status="requested",
            reason=clean_text(reason, max_length=MAX_REASON_LENGTH) or "",
        )
        uow.refunds.add(refund)
        uow.commit()
        return Outcome(ok=True, reason=None, order=order_view(order), refund=refund_view(refund))


def check_refundable(uow: AbstractUnitOfWork, *, customer_id: int, order_number: str) -> Outcome:
    """Asked before the bot offers a refund, so it never promises one it cannot open."""
    with uow:
        order = load_order(uow, customer_id=customer_id, order_number=order_number)
        if order is None:
            return Outcome(ok=False, reason="not_found")
        refusal = _refusal(uow, order)
        return Outcome(ok=refusal is None, reason=refusal, order=order_view(order))


def _refusal(uow: AbstractUnitOfWork, order: Order) -> str | None:
    """An existing refund is reported before the status: it is the more useful answer."""
    refunds = uow.refunds.list_for_order(order_id=order.id)
    if any(refund.status in BLOCKING_REFUND_STATUSES for refund in refunds):
        return "refund_exists"
    if order.status != "delivered":
        return "not_delivered"
    return None
