from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from bot.store.repositories import (
    CustomerRepository,
    OrderRepository,
    ProductRepository,
    RefundRepository,
)


def test_customers_are_found_by_email_in_any_case(shared_seeded: sessionmaker) -> None:
    with shared_seeded() as session:
        customer = CustomerRepository(session).get_by_email(email=" MARIA.Garcia@example.com ")
        assert customer is not None and customer.public_id == "C0001"


def test_an_order_is_found_only_for_its_owner(shared_seeded: sessionmaker) -> None:
    with shared_seeded() as session:
        customers, orders = CustomerRepository(session), OrderRepository(session)
        maria = customers.get_by_public_id(public_id="C0001")
        james = customers.get_by_public_id(public_id="C0002")
        assert maria is not None and james is not None
        assert orders.get_for_customer(customer_id=maria.id, number="100001") is not None
        assert orders.get_for_customer(customer_id=james.id, number="100001") is None


def test_orders_are_listed_newest_first(shared_seeded: sessionmaker) -> None:
    with shared_seeded() as session:
        maria = CustomerRepository(session).get_by_public_id(public_id="C0001")
        assert maria is not None
        listed = OrderRepository(session).list_for_customer(customer_id=maria.id, limit=2)
        assert [order.number for order in listed] == ["100001", "100002"]


def test_orders_can_be_filtered_by_status(shared_seeded: sessionmaker) -> None:
    with shared_seeded() as session:
        maria = CustomerRepository(session).get_by_public_id(public_id="C0001")
        assert maria is not None
        listed = OrderRepository(session).list_for_customer(
            customer_id=maria.id, limit=5, statuses=["delivered"]
        )
        assert [order.number for order in listed] == ["100003"]


def test_product_search_treats_wildcards_literally(shared_seeded: sessionmaker) -> None:
    with shared_seeded() as session:
        products = ProductRepository(session)
        assert products.search(text="%", limit=5) == []
        assert products.search(text="_", limit=5) == []
        assert [p.name for p in products.search(text="PAD", limit=5)] == ["Sleeping Pad Air"]


def test_best_sellers_are_in_stock_and_filtered(shared_seeded: sessionmaker) -> None:
    with shared_seeded() as session:
        products = ProductRepository(session)
        all_of_them = products.best_sellers(limit=30)
        assert len(all_of_them) == 22
        assert all(product.in_stock for product in all_of_them)
        camping = products.best_sellers(limit=30, categories=["camping"], exclude_ids=[])
        assert {product.category for product in camping} == {"camping"}


def test_refunds_are_listed_per_customer(shared_seeded: sessionmaker) -> None:
    with shared_seeded() as session:
        maria = CustomerRepository(session).get_by_public_id(public_id="C0001")
        assert maria is not None
        refunds = RefundRepository(session).list_for_customer(customer_id=maria.id)
        assert [(r.order.number, r.status, r.amount_cents) for r in refunds] == [
            ("100003", "approved", 7900)
        ]
