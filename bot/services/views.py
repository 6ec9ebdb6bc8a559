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
class ReasonView:
    """One reason of an escalation decision, as the agent reads it."""

    code: str
    explanation: str
    weight: float


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
    priority: int = 3
    vip: bool = False
    team: str = "general"
    # The decision's reasons with their explanations; empty for reason-code-only handoffs.
    explanations: tuple[ReasonView, ...] = ()
    score: float | None = None
    assigned_agent_id: int | None = None
    queued_at: datetime | None = None
    sla_due_at: datetime | None = None
    assigned_at: datetime | None = None
    resolved_at: datetime | None = None
    disposition: str | None = None
    customer_last_seen_at: datetime | None = None


@dataclass(frozen=True)
class HandoffRef:
    """A handoff and its conversation, e.g. one the queue sweep moved."""

    handoff_id: int
    conversation_id: str


@dataclass(frozen=True)
class QueueTicket:
    """What the customer is told after a handoff: a place in the queue and the wait, or,
    outside business hours, that a ticket was created and when the shop opens."""

    handoff: HandoffView
    position: int | None
    expected_wait_minutes: int | None
    outside_hours: bool
    next_open: datetime | None


@dataclass(frozen=True)
class QueueEntry:
    """One line of the agents' queue."""

    handoff: HandoffView
    # 1 is next for its team; None for handoffs that are not waiting (assigned, ticket).
    position: int | None
    waited_minutes: int
    sla_due_at: datetime | None
    # Until the SLA is due, negative once breached; None without an SLA.
    sla_minutes_left: int | None
    sla_breached: bool
    customer_name: str | None
    customer_tier: str | None
    agent_name: str | None


@dataclass(frozen=True)
class QueueOutcome:
    """The answer to a queue operation: `reason` says why not when `ok` is False."""

    ok: bool
    reason: str | None
    handoff: HandoffView | None = None


# Claiming is the operation two agents race for; its outcome has its own name.
ClaimResult = QueueOutcome


@dataclass(frozen=True)
class NoteView:
    id: int
    handoff_id: int
    agent_id: int
    agent_name: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class AgentView:
    """An agent as the console sees them; never the password hash."""

    id: int
    username: str
    display_name: str
    role: str
    team: str | None
    active: bool
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
