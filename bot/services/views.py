"""Read-only views the services return; plain frozen dataclasses, safe to keep after
the session is closed and to put into Rasa slots or responses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

OPEN_ORDER_EXCLUDED = frozenset({"delivered", "cancelled", "returned"})
SHIPPED_STATUSES = frozenset({"shipped", "in_transit", "delivered", "returned"})


@dataclass(frozen=True)
class CustomerView:
    id: int
    public_id: str
    first_name: str
    last_name: str
    email: str
    phone: str | None
    tier: str
    member_since: date

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class ItemView:
    product_name: str
    sku: str
    quantity: int
    unit_price_cents: int


@dataclass(frozen=True)
class OrderView:
    number: str
    status: str
    placed_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    eta: date | None
    carrier: str | None
    tracking_number: str | None
    tracking_url: str | None
    ship_to: str
    total_cents: int
    items: tuple[ItemView, ...]

    @property
    def is_open(self) -> bool:
        """Still on its way to the customer: neither delivered, cancelled nor returned."""
        return self.status not in OPEN_ORDER_EXCLUDED

    @property
    def is_shipped(self) -> bool:
        """Has left the warehouse, so it can no longer be cancelled or re-addressed."""
        return self.status in SHIPPED_STATUSES


@dataclass(frozen=True)
class RefundView:
    order_number: str
    amount_cents: int
    status: str
    reason: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class LoyaltyView:
    points: int
    tier: str
    next_tier: str | None
    points_to_next: int | None


@dataclass(frozen=True)
class ProductView:
    sku: str
    name: str
    category: str
    price_cents: int
    in_stock: bool
    description: str


@dataclass(frozen=True)
class HandoffView:
    id: int
    conversation_id: str
    customer_id: int | None
    state: str
    reasons: tuple[str, ...]
    interaction_type: str | None
    intent: str | None
    summary: str | None
    created_at: datetime


@dataclass(frozen=True)
class GreetingContext:
    """What a personal greeting needs: who it is and what is still going on for them."""

    customer: CustomerView
    open_order: OrderView | None
    open_refund: RefundView | None
    open_handoff: bool


@dataclass(frozen=True)
class Outcome:
    """The answer to "may I?" or "please do": `reason` says why not when `ok` is False."""

    ok: bool
    reason: str | None
    order: OrderView | None = None
    refund: RefundView | None = None
