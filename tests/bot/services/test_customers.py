from __future__ import annotations

import pytest

from bot.services import queue
from bot.services.customers import (
    find_customer_by_public_id,
    get_customer,
    greeting_context,
    verify_customer,
)
from bot.services.views import CustomerView
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from tests.bot.services.queue_factories import ALWAYS_OPEN, decision


@pytest.mark.parametrize(
    ("email", "number"),
    [
        ("maria.garcia@example.com", "100001"),
        ("  Maria.Garcia@EXAMPLE.com ", "#100003"),
        ("MARIA.GARCIA@EXAMPLE.COM", " # 100002 "),
    ],
)
def test_the_right_email_and_order_identify_the_customer(
    reader: UoW, email: str, number: str
) -> None:
    customer = verify_customer(reader, email=email, order_number=number)
    assert customer is not None
    assert (customer.public_id, customer.full_name, customer.tier) == (
        "C0001",
        "Maria Garcia",
        "gold",
    )


@pytest.mark.parametrize(
    ("email", "number"),
    [
        ("maria.garcia@example.org", "100001"),  # wrong email
        ("maria.garcia@example.com", "100004"),  # James's order
        ("maria.garcia@example.com", "999999"),  # unknown order
        ("nobody@example.com", "100001"),  # unknown email
        ("maria.garcia@example.com", "10000"),  # not an order number
        ("", ""),
        ("maria.garcia@example.com\x00", "100001"),
        ("maria garcia@example.com", "100001"),
    ],
)
def test_every_mismatch_gives_the_same_none(reader: UoW, email: str, number: str) -> None:
    assert verify_customer(reader, email=email, order_number=number) is None


def test_customers_are_found_by_id_and_public_id(uow: UoW, james: CustomerView) -> None:
    assert get_customer(uow, customer_id=james.id) == james
    assert find_customer_by_public_id(uow, public_id=" c0002 ") == james
    assert james.email == "james.smith@example.com" and james.phone == "+1 555 0102"
    assert get_customer(uow, customer_id=987654) is None
    assert find_customer_by_public_id(uow, public_id="C9999") is None


def test_the_greeting_knows_what_is_open(uow: UoW, maria: CustomerView) -> None:
    context = greeting_context(uow, customer_id=maria.id)
    assert context is not None and context.customer == maria
    assert context.open_order is not None and context.open_order.number == "100001"
    assert context.open_refund is not None and context.open_refund.order_number == "100003"
    assert context.open_handoff is False


def test_the_greeting_knows_about_a_queued_handoff(uow: UoW, aiko: CustomerView) -> None:
    queue.enqueue(
        uow,
        conversation_id="conv-aiko",
        customer_id=aiko.id,
        decision=decision("conflict"),
        interaction_type="conflict",
        intent="complaint",
        policy=ALWAYS_OPEN,
    )
    context = greeting_context(uow, customer_id=aiko.id)
    assert context is not None and context.open_handoff is True
    assert context.open_refund is None
    assert context.open_order is not None and context.open_order.number == "100007"


def test_a_customer_without_open_refunds_or_handoffs(uow: UoW, james: CustomerView) -> None:
    context = greeting_context(uow, customer_id=james.id)
    assert context is not None
    assert context.open_order is not None and context.open_order.number == "100004"
    assert (context.open_refund, context.open_handoff) == (None, False)
    assert greeting_context(uow, customer_id=424242) is None
