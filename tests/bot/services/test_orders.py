from __future__ import annotations

import pytest

from bot.services.orders import (
    cancel_order,
    change_address,
    check_address_changeable,
    check_cancellable,
    get_order,
    latest_order,
    list_orders,
    normalise_order_number,
    parse_address,
)
from bot.services.views import CustomerView
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW

from .conftest import demo_customer

Customers = dict[str, CustomerView]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100234", "100234"),
        ("#100234", "100234"),
        (" # 100234 ", "100234"),
        ("12345", None),
        ("1002345", None),
        ("10023a", None),
        ("100 234", None),
        ("١٠٠٢٣٤", None),
        ("", None),
        ("#", None),
        ("1" * 10_000, None),
        (None, None),
        (100234, None),
        (["100234"], None),
    ],
)
def test_order_numbers_are_normalised(text: object, expected: str | None) -> None:
    assert normalise_order_number(text) == expected


def test_an_order_is_found_by_its_owner(reader: UoW, shared_customers: Customers) -> None:
    order = get_order(reader, customer_id=shared_customers["C0001"].id, order_number="#100002")
    assert order is not None
    assert (order.status, order.carrier, order.tracking_number) == (
        "in_transit",
        "UPS",
        "1Z999AA10123456784",
    )
    assert order.tracking_url == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert [item.product_name for item in order.items] == ["Alpine Down Jacket"]
    assert order.ship_to == "Maria Garcia, 12 Oak Street, Springfield, 62701, US"
    assert order.is_open and order.is_shipped


def test_another_customers_order_is_never_returned(
    reader: UoW, shared_customers: Customers
) -> None:
    james = shared_customers["C0002"]
    assert get_order(reader, customer_id=james.id, order_number="100001") is None
    assert get_order(reader, customer_id=james.id, order_number="999999") is None


def test_latest_order_is_the_newest(reader: UoW, shared_customers: Customers) -> None:
    latest = latest_order(reader, customer_id=shared_customers["C0001"].id)
    assert latest is not None and latest.number == "100001"


def test_latest_open_order_skips_finished_ones(reader: UoW, shared_customers: Customers) -> None:
    latest = latest_order(reader, customer_id=shared_customers["C0002"].id, open_only=True)
    assert latest is not None and latest.number == "100004"


def test_orders_are_listed_newest_first(reader: UoW, shared_customers: Customers) -> None:
    maria = shared_customers["C0001"]
    numbers = [o.number for o in list_orders(reader, customer_id=maria.id)]
    assert numbers == ["100001", "100002", "100003"]
    assert [o.number for o in list_orders(reader, customer_id=maria.id, limit=1)] == ["100001"]


@pytest.mark.parametrize(("public_id", "number"), [("C0001", "100001"), ("C0003", "100007")])
def test_processing_and_pending_orders_can_be_cancelled(
    uow: UoW, public_id: str, number: str
) -> None:
    owner = demo_customer(uow, public_id)
    assert check_cancellable(uow, customer_id=owner.id, order_number=number).ok
    outcome = cancel_order(uow, customer_id=owner.id, order_number=number)
    assert outcome.ok and outcome.order is not None and outcome.order.status == "cancelled"
    stored = get_order(uow, customer_id=owner.id, order_number=number)
    assert stored is not None and stored.status == "cancelled"
    again = cancel_order(uow, customer_id=owner.id, order_number=number)
    assert (again.ok, again.reason) == (False, "already_cancelled")


@pytest.mark.parametrize(
    ("public_id", "number", "reason"),
    [
        ("C0002", "100004", "already_shipped"),
        ("C0001", "100002", "already_shipped"),
        ("C0001", "100003", "already_shipped"),
        ("C0002", "100006", "already_cancelled"),
        ("C0002", "100001", "not_found"),
        ("C0002", "654321", "not_found"),
    ],
)
def test_cancelling_is_refused_once_shipped_or_cancelled(
    reader: UoW, shared_customers: Customers, public_id: str, number: str, reason: str
) -> None:
    owner = shared_customers[public_id]
    assert check_cancellable(reader, customer_id=owner.id, order_number=number).reason == reason
    outcome = cancel_order(reader, customer_id=owner.id, order_number=number)
    assert (outcome.ok, outcome.reason) == (False, reason)
    assert (outcome.order is None) == (reason == "not_found")


def test_a_refused_cancellation_changes_nothing(uow: UoW, james: CustomerView) -> None:
    cancel_order(uow, customer_id=james.id, order_number="100004")
    order = get_order(uow, customer_id=james.id, order_number="100004")
    assert order is not None and order.status == "shipped"


def test_the_address_of_an_unshipped_order_can_change(uow: UoW, maria: CustomerView) -> None:
    assert check_address_changeable(uow, customer_id=maria.id, order_number="100001").ok
    outcome = change_address(
        uow, customer_id=maria.id, order_number="100001", address="5 Elm Road, Boston, 02110"
    )
    assert outcome.ok and outcome.order is not None
    stored = get_order(uow, customer_id=maria.id, order_number="100001")
    assert stored is not None and stored == outcome.order
    assert stored.ship_to == "Maria Garcia, 5 Elm Road, Boston, 02110, US"


@pytest.mark.parametrize(
    "address",
    ["", "short 1", "no digits in this address", "12345678901", "x1" * 101, "5 Elm\x00 Road 1"],
)
def test_an_unusable_address_is_refused(
    reader: UoW, shared_customers: Customers, address: str
) -> None:
    maria = shared_customers["C0001"]
    outcome = change_address(reader, customer_id=maria.id, order_number="100001", address=address)
    assert (outcome.ok, outcome.reason) == (False, "invalid_address")
    stored = get_order(reader, customer_id=maria.id, order_number="100001")
    assert stored is not None and "12 Oak Street" in stored.ship_to


def test_a_shipped_order_keeps_its_address(reader: UoW, shared_customers: Customers) -> None:
    james = shared_customers["C0002"]
    check = check_address_changeable(reader, customer_id=james.id, order_number="100004")
    assert check.reason == "already_shipped"
    outcome = change_address(
        reader, customer_id=james.id, order_number="100004", address="9 New Street, Denver 80202"
    )
    assert (outcome.ok, outcome.reason) == (False, "already_shipped")


def test_addresses_are_split_best_effort() -> None:
    assert parse_address("  1 Main St,\n Springfield , 62701, United States, Earth ") == (
        "1 Main St",
        "Springfield",
        "62701",
        "United States, Earth",
    )
    assert parse_address("Flat 3, Rue de la Paix 7") == ("Flat 3", "Rue de la Paix 7", "", "")
    assert parse_address("Straße 12 München") == ("Straße 12 München", "", "", "")
