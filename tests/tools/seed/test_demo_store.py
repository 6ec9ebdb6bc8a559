from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import sessionmaker

from bot.store.db import create_schema, get_engine, session_factory
from bot.store.models import (
    ORDER_STATUSES,
    REFUND_STATUSES,
    Base,
    Customer,
    LoyaltyAccount,
    Order,
    Refund,
)
from bot.store.products import CATALOGUE
from tools.seed.databases import SEED_NOW, temporary_database
from tools.seed.demo_store import ensure_seeded, seed_demo_data

NOW = SEED_NOW


def _dump(factory: sessionmaker) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in primary-key order."""
    with factory() as session:
        return {
            table.name: [
                tuple(row)
                for row in session.execute(table.select().order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def _fresh(url: str) -> sessionmaker:
    create_schema(get_engine(url))
    return session_factory(url)


def test_full_seed_is_deterministic_and_complete(database_url: str, engine: object) -> None:
    first = session_factory(database_url)
    summary = seed_demo_data(first, now=NOW)
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with temporary_database(backend) as other_url:
        second = _fresh(other_url)
        assert seed_demo_data(second, now=NOW) == summary
        assert _dump(second) == _dump(first)
    assert summary.customers >= 200 and summary.orders >= 1000
    assert set(summary.orders_by_status) == set(ORDER_STATUSES)
    assert set(summary.refunds_by_status) == set(REFUND_STATUSES)
    assert summary.products == 24 and summary.loyalty_accounts == summary.customers


def test_summary_matches_the_rows(shared_seeded: sessionmaker) -> None:
    with shared_seeded() as session:
        query = select(Order.status, func.count()).group_by(Order.status)
        statuses = {status: count for status, count in session.execute(query)}
        customers = session.scalar(select(func.count()).select_from(Customer))
        accounts = session.scalar(select(func.count()).select_from(LoyaltyAccount))
    assert set(statuses) == set(ORDER_STATUSES)
    assert customers == accounts == 15


def test_different_seeds_give_different_customers(factory: sessionmaker) -> None:
    seed_demo_data(factory, customers=5, orders=0, random_seed=1, now=NOW)
    with factory() as session:
        names = list(session.scalars(select(Customer.email).order_by(Customer.id)))
    assert names[:3] == [
        "maria.garcia@example.com",
        "james.smith@example.com",
        "aiko.tanaka@example.com",
    ]
    assert len(set(names)) == len(names) == 8


def test_demo_customers_are_fixed(shared_seeded: sessionmaker) -> None:
    with shared_seeded() as session:
        rows = session.execute(
            select(
                Customer.public_id,
                Customer.first_name,
                Customer.last_name,
                Customer.email,
                Customer.tier,
                LoyaltyAccount.points,
            )
            .join(LoyaltyAccount, LoyaltyAccount.customer_id == Customer.id)
            .where(Customer.public_id.in_(["C0001", "C0002", "C0003"]))
            .order_by(Customer.public_id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("C0001", "Maria", "Garcia", "maria.garcia@example.com", "gold", 2450),
        ("C0002", "James", "Smith", "james.smith@example.com", "standard", 120),
        ("C0003", "Aiko", "Tanaka", "aiko.tanaka@example.com", "vip", 9800),
    ]


def test_demo_orders_are_fixed(shared_seeded: sessionmaker) -> None:
    with shared_seeded() as session:
        orders = {
            o.number: o for o in session.scalars(select(Order).where(Order.number < "100100"))
        }
    assert {n: o.status for n, o in orders.items()} == {
        "100001": "processing",
        "100002": "in_transit",
        "100003": "delivered",
        "100004": "shipped",
        "100005": "delivered",
        "100006": "cancelled",
        "100007": "pending",
        "100008": "delivered",
    }
    in_transit, shipped = orders["100002"], orders["100004"]
    assert (in_transit.carrier, in_transit.tracking_number) == ("UPS", "1Z999AA10123456784")
    assert in_transit.shipped_at == NOW - timedelta(days=2)
    assert in_transit.eta == date(2024, 6, 3)
    assert (shipped.carrier, shipped.tracking_number) == ("DHL", "JD014600003828041234")
    assert shipped.eta == date(2024, 6, 4)
    assert orders["100003"].delivered_at == NOW - timedelta(days=20)
    items = [(i.product.name, i.quantity) for i in orders["100001"].items]
    assert items == [("Trail Runner 2", 1), ("Wool Hiking Socks", 2)]
    assert orders["100001"].total_cents == 8900 + 2 * 1800


def test_random_ids_follow_the_demo_ones(shared_seeded: sessionmaker) -> None:
    with shared_seeded() as session:
        public_ids = list(session.scalars(select(Customer.public_id).order_by(Customer.id)))
        numbers = sorted(session.scalars(select(Order.number)))
        refund = session.scalars(select(Refund).join(Order).where(Order.number == "100003")).one()
    assert public_ids[3] == "C0004"
    assert numbers[8] == "100100"
    assert (refund.status, refund.amount_cents) == ("approved", 7900)


def test_seeding_a_non_empty_store_is_refused(seeded: sessionmaker) -> None:
    with pytest.raises(ValueError):
        seed_demo_data(seeded, customers=1, orders=1, now=NOW)


def test_ensure_seeded_seeds_only_once(database_url: str) -> None:
    assert ensure_seeded(database_url) is True
    assert ensure_seeded(database_url) is False
    with get_engine(database_url).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM customers")).scalar() == 203


def test_catalogue_has_the_agreed_products() -> None:
    names = [entry.name for entry in CATALOGUE]
    assert len(names) == len(set(names)) == 24
    assert {"Trail Runner 2", "Sleeping Bag -5C", "Compact Binoculars"} <= set(names)
    assert [e.name for e in CATALOGUE if not e.in_stock] == [
        "Ultralight Tent 2P",
        "Compact Binoculars",
    ]
    assert len({entry.sku for entry in CATALOGUE}) == 24
