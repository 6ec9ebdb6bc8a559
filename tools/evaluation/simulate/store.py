"""What the simulations read from the customer store: customers, orders, refunds, handoffs.

Read-only and separate from the product's services on purpose: the instrument must see the
store as it is (another customer's order included), not as the bot is allowed to see it.
Everything is returned as frozen facts, so a snapshot taken after a turn can be compared
with one taken before it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.services.tracking import tracking_url
from bot.store.db import session_factory
from bot.store.models import (
    Customer,
    Handoff,
    Interaction,
    LoyaltyAccount,
    Order,
    Product,
    Refund,
)
from bot.store.tiers import next_tier

OPEN_STATUSES = ("pending", "processing", "shipped", "in_transit")


@dataclass(frozen=True)
class CustomerFacts:
    id: int
    public_id: str
    first_name: str
    last_name: str
    email: str
    phone: str | None
    tier: str
    points: int
    member_since: date

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def next_tier(self) -> tuple[str, int] | None:
        return next_tier(self.points)


@dataclass(frozen=True)
class OrderFacts:
    number: str
    customer_id: int
    status: str
    placed_at: datetime
    delivered_at: datetime | None
    eta: date | None
    carrier: str | None
    tracking_number: str | None
    total_cents: int
    items: tuple[str, ...]  # product names
    address: tuple[str, str, str, str]  # line1, city, postcode, country

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def tracking_url(self) -> str | None:
        return tracking_url(self.carrier, self.tracking_number)


@dataclass(frozen=True)
class RefundFacts:
    order_number: str
    status: str
    amount_cents: int


@dataclass(frozen=True)
class HandoffFacts:
    state: str
    team: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ProductFacts:
    name: str
    category: str
    price_cents: int
    in_stock: bool


@dataclass(frozen=True)
class Snapshot:
    """The part of the store one conversation can change: the customer's orders and refunds
    (and any other order it names), and the conversation's handoffs."""

    orders: dict[str, OrderFacts]
    refunds: tuple[RefundFacts, ...]
    handoffs: tuple[HandoffFacts, ...]
    feedback: tuple[str, ...] = ()  # what the conversation's feedback left for the team

    def refunds_for(self, number: str) -> tuple[RefundFacts, ...]:
        return tuple(refund for refund in self.refunds if refund.order_number == number)


class StoreReader:
    """Queries over one store URL; each call opens and closes its own session."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._factory: sessionmaker | None = None

    def _session(self) -> Session:
        if self._factory is None:
            self._factory = session_factory(self.database_url)
        return self._factory()

    def customers(self) -> list[CustomerFacts]:
        with self._session() as session:
            query = select(LoyaltyAccount.customer_id, LoyaltyAccount.points)
            points = {row[0]: row[1] for row in session.execute(query)}
            rows = session.scalars(select(Customer).order_by(Customer.public_id)).all()
            return [_customer(row, points.get(row.id, 0)) for row in rows]

    def orders(self, *, customer_ids: Iterable[int] | None = None) -> list[OrderFacts]:
        """Newest first."""
        query = select(Order).order_by(Order.placed_at.desc(), Order.number.desc())
        if customer_ids is not None:
            query = query.where(Order.customer_id.in_(list(customer_ids)))
        with self._session() as session:
            return [_order(row) for row in session.scalars(query).all()]

    def products(self) -> list[ProductFacts]:
        with self._session() as session:
            rows = session.scalars(select(Product).order_by(Product.name)).all()
            return [ProductFacts(p.name, p.category, p.price_cents, p.in_stock) for p in rows]

    def refunds(self, *, customer_ids: Iterable[int]) -> tuple[RefundFacts, ...]:
        query = (
            select(Refund)
            .join(Order, Refund.order_id == Order.id)
            .where(Order.customer_id.in_(list(customer_ids)))
            .order_by(Refund.id)
        )
        with self._session() as session:
            return tuple(
                RefundFacts(r.order.number, r.status, r.amount_cents)
                for r in session.scalars(query).all()
            )

    def handoffs(self, *, conversation_id: str) -> tuple[HandoffFacts, ...]:
        query = select(Handoff).where(Handoff.conversation_id == conversation_id)
        with self._session() as session:
            return tuple(
                HandoffFacts(h.state, h.team, tuple(h.reasons or ()))
                for h in session.scalars(query.order_by(Handoff.id)).all()
            )

    def feedback(self, *, conversation_id: str) -> tuple[str, ...]:
        """Feedback the product kept for the team: the interaction log's `feedback` details."""
        query = select(Interaction.details).where(Interaction.conversation_id == conversation_id)
        with self._session() as session:
            details = session.scalars(query.order_by(Interaction.id)).all()
        return tuple(
            str(d["feedback"]) for d in details if isinstance(d, dict) and d.get("feedback")
        )

    def snapshot(self, *, customer_ids: Iterable[int], conversation_id: str) -> Snapshot:
        owners = sorted(set(customer_ids))
        orders = self.orders(customer_ids=owners) if owners else []
        return Snapshot(
            orders={order.number: order for order in orders},
            refunds=self.refunds(customer_ids=owners) if owners else (),
            handoffs=self.handoffs(conversation_id=conversation_id),
            feedback=self.feedback(conversation_id=conversation_id),
        )


def _customer(row: Customer, points: int) -> CustomerFacts:
    return CustomerFacts(
        id=row.id,
        public_id=row.public_id,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        phone=row.phone,
        tier=row.tier,
        points=points,
        member_since=row.created_at.date(),
    )


def _order(row: Order) -> OrderFacts:
    return OrderFacts(
        number=row.number,
        customer_id=row.customer_id,
        status=row.status,
        placed_at=row.placed_at,
        delivered_at=row.delivered_at,
        eta=row.eta,
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        total_cents=row.total_cents,
        items=tuple(item.product.name for item in row.items),
        address=(row.ship_to_line1, row.ship_to_city, row.ship_to_postcode, row.ship_to_country),
    )
