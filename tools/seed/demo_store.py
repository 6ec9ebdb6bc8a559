"""Deterministic demo data: the fixed demo customers, then random customers and orders.

Uses only `random.Random(random_seed)` and a given `now`, so the same arguments give the
same rows on SQLite and PostgreSQL. Random customers get public ids from C0004 and order
numbers from 100100 upwards; the fixed ones are in `demo_data.py`.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.store.columns import utcnow
from bot.store.db import create_schema, get_engine, session_factory
from bot.store.models import (
    ORDER_STATUSES,
    REFUND_STATUSES,
    Customer,
    LoyaltyAccount,
    Order,
    OrderItem,
    Product,
    Refund,
)
from bot.store.products import CATALOGUE
from bot.store.tiers import TIER_THRESHOLDS, tier_for_points
from tools.seed import demo_data

FIRST_RANDOM_ORDER_NUMBER = 100100
STATUS_WEIGHTS = {
    "pending": 7,
    "processing": 10,
    "shipped": 10,
    "in_transit": 15,
    "delivered": 45,
    "cancelled": 8,
    "returned": 5,
}
TIER_WEIGHTS = (55, 25, 14, 6)
REFUND_SHARE = 0.15


@dataclass(frozen=True)
class SeedSummary:
    customers: int
    orders: int
    products: int
    refunds: int
    loyalty_accounts: int
    orders_by_status: dict[str, int] = field(default_factory=dict)
    refunds_by_status: dict[str, int] = field(default_factory=dict)


def seed_demo_data(
    session_factory: sessionmaker,
    *,
    customers: int = 200,
    orders: int = 1000,
    random_seed: int = 7,
    now: datetime | None = None,
) -> SeedSummary:
    """Fill an empty store: the catalogue, the fixed demo customers, then `customers`
    random customers and `orders` random orders on top of them."""
    moment = (now or utcnow()).astimezone(timezone.utc).replace(microsecond=0)
    with session_factory() as session:
        if session.scalar(select(func.count()).select_from(Customer)):
            raise ValueError("the store already has customers; seed an empty database")
        seeder = _Seeder(session, random.Random(random_seed), moment)
        seeder.add_catalogue()
        seeder.add_demo_customers()
        seeder.add_random_customers(customers)
        seeder.add_random_orders(orders)
        session.commit()
        return seeder.summary()


def ensure_seeded(url: str | None = None) -> bool:
    """Create the schema and seed it if it has no customers; True if it seeded.

    Safe to call from several processes at start-up: the loser of a race sees the
    winner's unique keys and backs off.
    """
    create_schema(get_engine(url))
    factory = session_factory(url)
    with factory() as session:
        if session.scalar(select(func.count()).select_from(Customer)):
            return False
    try:
        seed_demo_data(factory)
    except IntegrityError:
        return False
    return True


class _Seeder:
    def __init__(self, session: Session, rng: random.Random, now: datetime) -> None:
        self.session = session
        self.rng = rng
        self.now = now
        self.products: dict[str, Product] = {}
        self.emails: set[str] = set()
        self.random_customers: list[Customer] = []
        self.orders: list[Order] = []
        self.refunds: list[Refund] = []
        self.accounts = 0
        self.refund_cycle = 0

    def add_catalogue(self) -> None:
        for entry in CATALOGUE:
            product = Product(
                sku=entry.sku,
                name=entry.name,
                category=entry.category,
                price_cents=entry.price_cents,
                in_stock=entry.in_stock,
                description=entry.description,
            )
            self.products[entry.name] = product
            self.session.add(product)
        self.session.flush()

    def add_demo_customers(self) -> None:
        customers = [
            self._add_customer(
                demo.public_id,
                demo.first_name,
                demo.last_name,
                demo.email,
                demo.phone,
                self.now - timedelta(days=demo.member_days),
            )
            for demo in demo_data.DEMO_CUSTOMERS
        ]
        self.session.flush()
        for customer, demo in zip(customers, demo_data.DEMO_CUSTOMERS, strict=True):
            self._add_loyalty(customer, demo.points)
            for demo_order in demo.orders:
                self._add_demo_order(customer, demo, demo_order)

    def add_random_customers(self, count: int) -> None:
        first_index = len(demo_data.DEMO_CUSTOMERS) + 1
        for index in range(first_index, first_index + count):
            first = self.rng.choice(demo_data.FIRST_NAMES)
            last = self.rng.choice(demo_data.LAST_NAMES)
            created = self.now - timedelta(days=self.rng.randint(30, 1500))
            customer = self._add_customer(
                f"C{index:04d}",
                first,
                last,
                self._unique_email(first, last),
                self._random_phone(),
                created,
            )
            self.random_customers.append(customer)
        self.session.flush()
        for customer in self.random_customers:
            self._add_loyalty(customer, self._random_points())

    def add_random_orders(self, count: int) -> None:
        if not self.random_customers:
            return
        statuses = list(STATUS_WEIGHTS)
        for index in range(count):
            status = (
                ORDER_STATUSES[index]
                if index < len(ORDER_STATUSES)
                else self.rng.choices(statuses, weights=list(STATUS_WEIGHTS.values()))[0]
            )
            customer = self.rng.choice(self.random_customers)
            order = self._random_order(customer, str(FIRST_RANDOM_ORDER_NUMBER + index), status)
            self._maybe_refund(order)

    def summary(self) -> SeedSummary:
        return SeedSummary(
            customers=len(demo_data.DEMO_CUSTOMERS) + len(self.random_customers),
            orders=len(self.orders),
            products=len(self.products),
            refunds=len(self.refunds),
            loyalty_accounts=self.accounts,
            orders_by_status=_count(order.status for order in self.orders),
            refunds_by_status=_count(refund.status for refund in self.refunds),
        )

    # -- customers -------------------------------------------------------------------

    def _add_customer(
        self, public_id: str, first: str, last: str, email: str, phone: str, created: datetime
    ) -> Customer:
        customer = Customer(
            public_id=public_id,
            first_name=first,
            last_name=last,
            email=email,
            phone=phone,
            tier="standard",
            created_at=created,
        )
        self.emails.add(email)
        self.session.add(customer)
        return customer

    def _add_loyalty(self, customer: Customer, points: int) -> None:
        customer.tier = tier_for_points(points)
        self.session.add(LoyaltyAccount(customer_id=customer.id, points=points, tier=customer.tier))
        self.accounts += 1

    def _unique_email(self, first: str, last: str) -> str:
        base = f"{_ascii_slug(first)}.{_ascii_slug(last)}"
        email, suffix = f"{base}@example.com", 2
        while email in self.emails:
            email, suffix = f"{base}{suffix}@example.com", suffix + 1
        return email

    def _random_phone(self) -> str:
        return f"+1 {self.rng.randint(201, 989)} 555 {self.rng.randint(100, 199):04d}"

    def _random_points(self) -> int:
        tiers = [name for name, _ in TIER_THRESHOLDS]
        tier = self.rng.choices(tiers, weights=TIER_WEIGHTS)[0]
        index = tiers.index(tier)
        low = TIER_THRESHOLDS[index][1]
        high = TIER_THRESHOLDS[index + 1][1] - 1 if index + 1 < len(tiers) else 15000
        return self.rng.randint(low, high)

    # -- orders ----------------------------------------------------------------------

    def _add_demo_order(
        self, customer: Customer, demo: demo_data.DemoCustomer, spec: demo_data.DemoOrder
    ) -> None:
        order = Order(
            number=spec.number,
            customer_id=customer.id,
            status=spec.status,
            placed_at=self._days_ago(spec.placed_days_ago),
            shipped_at=self._days_ago(spec.shipped_days_ago),
            delivered_at=self._days_ago(spec.delivered_days_ago),
            eta=self._eta(spec),
            carrier=spec.carrier,
            tracking_number=spec.tracking_number,
        )
        self._ship_to(order, customer, demo.address)
        self._add_items(order, [(self.products[name], qty) for name, qty in spec.items])
        if spec.refund_status is not None:
            refunded_at = self.now - timedelta(days=(spec.delivered_days_ago or 0) - 2)
            self._add_refund(
                order, order.total_cents, spec.refund_status, spec.refund_reason, refunded_at
            )

    def _random_order(self, customer: Customer, number: str, status: str) -> Order:
        order = Order(number=number, customer_id=customer.id, status=status)
        self._random_timeline(order, customer.created_at)
        street = f"{self.rng.randint(1, 999)} {self.rng.choice(demo_data.STREETS)}"
        city, postcode, country = self.rng.choice(demo_data.PLACES)
        self._ship_to(order, customer, (street, city, postcode, country))
        products = list(self.products.values())
        chosen = self.rng.sample(products, self.rng.choices([1, 2, 3, 4], [50, 30, 15, 5])[0])
        self._add_items(order, [(p, self.rng.choices([1, 2, 3], [80, 15, 5])[0]) for p in chosen])
        return order

    def _random_timeline(self, order: Order, member_since: datetime) -> None:
        """Dates that fit the status: shipped after placed, delivered after shipped."""
        oldest = max(8.0, min(365.0, (self.now - member_since).total_seconds() / 86400))
        age = {
            "pending": (0.01, 1.0),
            "processing": (0.1, 3.0),
            "shipped": (1.0, 4.0),
            "in_transit": (2.0, 6.0),
            "cancelled": (1.0, oldest),
        }.get(order.status, (7.0, oldest))
        order.placed_at = self._days_ago(self.rng.uniform(*age))
        if order.status in ("pending", "processing", "cancelled"):
            return
        order.shipped_at = order.placed_at + timedelta(hours=self.rng.randint(8, 30))
        order.carrier = self.rng.choice(demo_data.CARRIERS)
        order.tracking_number = self._tracking_number(order.carrier)
        if order.status in ("shipped", "in_transit"):
            order.eta = (self.now + timedelta(days=self.rng.randint(1, 4))).date()
            return
        order.delivered_at = min(
            self.now, order.shipped_at + timedelta(hours=self.rng.randint(24, 120))
        )
        order.eta = order.delivered_at.date()

    def _tracking_number(self, carrier: str) -> str:
        digits = "".join(str(self.rng.randint(0, 9)) for _ in range(18))
        prefixes = {"UPS": "1Z999AA1", "DHL": "JD01", "USPS": "9400"}
        lengths = {"UPS": 18, "DHL": 20, "USPS": 22, "FedEx": 12}
        prefix = prefixes.get(carrier, "")
        return (prefix + digits)[: lengths[carrier]]

    def _ship_to(
        self, order: Order, customer: Customer, address: tuple[str, str, str, str]
    ) -> None:
        order.ship_to_name = f"{customer.first_name} {customer.last_name}"
        line1, city, postcode, country = address
        order.ship_to_line1, order.ship_to_city = line1, city
        order.ship_to_postcode, order.ship_to_country = postcode, country

    def _add_items(self, order: Order, lines: list[tuple[Product, int]]) -> None:
        for product, quantity in lines:
            order.items.append(
                OrderItem(
                    product_id=product.id, quantity=quantity, unit_price_cents=product.price_cents
                )
            )
        order.total_cents = sum(p.price_cents * quantity for p, quantity in lines)
        self.session.add(order)
        self.orders.append(order)

    # -- refunds ---------------------------------------------------------------------

    def _maybe_refund(self, order: Order) -> None:
        """Returned orders are always refunded; some delivered ones have a refund in any
        state, and the first few cycle through the states so every one is present."""
        if order.status == "returned":
            status = "paid"
        elif order.status == "delivered" and (
            self.refund_cycle < len(REFUND_STATUSES) or self.rng.random() < REFUND_SHARE
        ):
            status = REFUND_STATUSES[self.refund_cycle % len(REFUND_STATUSES)]
            self.refund_cycle += 1
        else:
            return
        assert order.delivered_at is not None
        created = min(self.now, order.delivered_at + timedelta(days=self.rng.randint(1, 10)))
        reason = self.rng.choice(demo_data.REFUND_REASONS)
        self._add_refund(order, order.total_cents, status, reason, created)

    def _add_refund(
        self, order: Order, amount: int, status: str, reason: str, created: datetime
    ) -> None:
        updated = created if status == "requested" else min(self.now, created + timedelta(days=2))
        refund = Refund(
            order=order,
            amount_cents=amount,
            status=status,
            reason=reason,
            created_at=created,
            updated_at=updated,
        )
        self.session.add(refund)
        self.refunds.append(refund)

    # -- time ------------------------------------------------------------------------

    def _days_ago(self, days: float | None) -> datetime | None:
        if days is None:
            return None
        return self.now - timedelta(seconds=round(days * 86400))

    def _eta(self, spec: demo_data.DemoOrder) -> date | None:
        if spec.eta_in_days is not None:
            return (self.now + timedelta(days=spec.eta_in_days)).date()
        if spec.delivered_days_ago is not None:
            return (self.now - timedelta(days=spec.delivered_days_ago)).date()
        return None


def _ascii_slug(name: str) -> str:
    """'Zoë' -> 'zoe', "O'Brien" -> 'obrien': emails stay plain ASCII."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum()).lower()


def _count(values: Iterable[str]) -> dict[str, int]:
    counts = Counter(values)
    return {key: counts[key] for key in sorted(counts)}
