"""Customers: identification by email + order number, and what a greeting needs."""

from __future__ import annotations

from bot.services.convert import customer_view, order_view, refund_view
from bot.services.inputs import clean_text, storable, valid_id
from bot.services.orders import OPEN_ORDER_STATUSES, normalise_order_number
from bot.services.refunds import OPEN_REFUND_STATUSES
from bot.services.views import CustomerView, GreetingContext
from bot.store.models import Customer
from bot.store.unit_of_work import AbstractUnitOfWork

MAX_EMAIL_LENGTH = 254


def get_customer(uow: AbstractUnitOfWork, *, customer_id: int) -> CustomerView | None:
    identifier = valid_id(customer_id)
    if identifier is None:
        return None
    with uow:
        customer = uow.customers.get(customer_id=identifier)
        return customer_view(customer) if customer is not None else None


def find_customer_by_public_id(uow: AbstractUnitOfWork, *, public_id: str) -> CustomerView | None:
    """The shop's backend signs tokens with the public id ("C0001"), not the row id."""
    identifier = clean_text(public_id, max_length=16)
    if identifier is None:
        return None
    with uow:
        customer = uow.customers.get_by_public_id(public_id=identifier.upper())
        return customer_view(customer) if customer is not None else None


def verify_customer(
    uow: AbstractUnitOfWork, *, email: str, order_number: str
) -> CustomerView | None:
    """The customer, only if the email and the order number belong together.

    Every mismatch (unknown email, unknown order, someone else's order, garbage) gives
    the same None, so the bot cannot be used to find out which emails have accounts.
    """
    address, number = normalise_email(email), normalise_order_number(order_number)
    if address is None or number is None:
        return None
    with uow:
        customer = uow.customers.get_by_email(email=address)
        if customer is None:
            return None
        order = uow.orders.get_for_customer(customer_id=customer.id, number=number)
        return customer_view(customer) if order is not None else None


def greeting_context(uow: AbstractUnitOfWork, *, customer_id: int) -> GreetingContext | None:
    """Lets the greeting mention what is still open: an order, a refund, a handoff."""
    identifier = valid_id(customer_id)
    if identifier is None:
        return None
    with uow:
        customer = uow.customers.get(customer_id=identifier)
        if customer is None:
            return None
        return _greeting_for(uow, customer)


def existing_customer_id(uow: AbstractUnitOfWork, value: object) -> int | None:
    """`value` if it names a stored customer, else None (logs must not fail on a bad id)."""
    identifier = valid_id(value)
    if identifier is None or uow.customers.get(customer_id=identifier) is None:
        return None
    return identifier


def normalise_email(value: object) -> str | None:
    """Trimmed, lower-case email that could be stored; None for anything else."""
    if not isinstance(value, str) or len(value) > 4 * MAX_EMAIL_LENGTH:
        return None
    address = value.strip().lower()
    local, _, domain = address.partition("@")
    plausible = bool(local) and "." in domain and "@" not in domain
    clean = storable(address) == address and not any(ch.isspace() for ch in address)
    return address if plausible and clean and len(address) <= MAX_EMAIL_LENGTH else None


def _greeting_for(uow: AbstractUnitOfWork, customer: Customer) -> GreetingContext:
    orders = uow.orders.list_for_customer(
        customer_id=customer.id, limit=1, statuses=OPEN_ORDER_STATUSES
    )
    refunds = [
        refund
        for refund in uow.refunds.list_for_customer(customer_id=customer.id)
        if refund.status in OPEN_REFUND_STATUSES
    ]
    handoff = uow.handoffs.open_for_customer(customer_id=customer.id)
    return GreetingContext(
        customer=customer_view(customer),
        open_order=order_view(orders[0]) if orders else None,
        open_refund=refund_view(refunds[0]) if refunds else None,
        open_handoff=handoff is not None,
    )
