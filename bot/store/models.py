"""The store's tables as declarative models.

Enumerations are plain strings guarded by CHECK constraints so the schema is the same on
SQLite and PostgreSQL. Money is integer cents; times are aware UTC (`UtcDateTime`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, declarative_base, relationship, validates

from bot.store.columns import UtcDateTime, one_of, utcnow

CUSTOMER_TIERS = ("standard", "silver", "gold", "vip")
ORDER_STATUSES = (
    "pending",
    "processing",
    "shipped",
    "in_transit",
    "delivered",
    "cancelled",
    "returned",
)
REFUND_STATUSES = ("requested", "approved", "paid", "rejected")
# A handoff goes bot -> queued (or ticket, outside business hours) -> assigned -> resolved,
# and the conversation is back with the bot; `abandoned` when the customer left first.
# "bot" is what a conversation without an active handoff is in; rows are never written
# in it. "closed" is the state of handoffs recorded before the queue existed.
HANDOFF_STATES = ("bot", "queued", "assigned", "resolved", "abandoned", "ticket", "closed")
ACTIVE_HANDOFF_STATES = ("queued", "assigned", "ticket")
HANDOFF_DISPOSITIONS = ("solved", "not_solved", "spam")
AGENT_ROLES = ("agent", "supervisor", "trainer")
DEFAULT_TEAM = "general"
DEFAULT_PRIORITY = 3

# Stable constraint names, so a later Alembic migration can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        one_of("tier", CUSTOMER_TIERS, name="tier"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    public_id: Mapped[str] = Column(String(16), nullable=False, unique=True)
    first_name: Mapped[str] = Column(String(100), nullable=False)
    last_name: Mapped[str] = Column(String(100), nullable=False)
    email: Mapped[str] = Column(String(254), nullable=False, unique=True)
    phone: Mapped[str | None] = Column(String(32))
    tier: Mapped[str] = Column(String(16), nullable=False, default="standard")
    created_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        """Emails are matched case-insensitively, so they are stored lower-case."""
        return value.strip().lower()


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("price_cents >= 0", name="price_not_negative"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    sku: Mapped[str] = Column(String(32), nullable=False, unique=True)
    name: Mapped[str] = Column(String(200), nullable=False, unique=True)
    category: Mapped[str] = Column(String(50), nullable=False, index=True)
    price_cents: Mapped[int] = Column(Integer, nullable=False)
    in_stock: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    description: Mapped[str] = Column(Text, nullable=False, default="")


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        one_of("status", ORDER_STATUSES, name="status"),
        CheckConstraint("length(number) = 6", name="number_six_digits"),
        CheckConstraint("total_cents >= 0", name="total_not_negative"),
        Index("ix_orders_customer_placed", "customer_id", "placed_at"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    number: Mapped[str] = Column(String(6), nullable=False, unique=True)
    customer_id: Mapped[int] = Column(
        Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
    )
    status: Mapped[str] = Column(String(16), nullable=False, default="pending")
    placed_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    shipped_at: Mapped[datetime | None] = Column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = Column(UtcDateTime)
    eta: Mapped[date | None] = Column(Date)
    carrier: Mapped[str | None] = Column(String(32))
    tracking_number: Mapped[str | None] = Column(String(64))
    total_cents: Mapped[int] = Column(Integer, nullable=False, default=0)
    ship_to_name: Mapped[str] = Column(String(200), nullable=False, default="")
    ship_to_line1: Mapped[str] = Column(String(200), nullable=False, default="")
    ship_to_city: Mapped[str] = Column(String(100), nullable=False, default="")
    ship_to_postcode: Mapped[str] = Column(String(20), nullable=False, default="")
    ship_to_country: Mapped[str] = Column(String(100), nullable=False, default="")

    items: Mapped[list[OrderItem]] = relationship(
        "OrderItem", order_by="OrderItem.id", lazy="selectin", cascade="all, delete-orphan"
    )


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    order_id: Mapped[int] = Column(
        Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    product_id: Mapped[int] = Column(Integer, ForeignKey("products.id"), nullable=False, index=True)
    quantity: Mapped[int] = Column(Integer, nullable=False, default=1)
    unit_price_cents: Mapped[int] = Column(Integer, nullable=False)

    product: Mapped[Product] = relationship("Product", lazy="selectin")


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (
        one_of("status", REFUND_STATUSES, name="status"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    order_id: Mapped[int] = Column(
        Integer, ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    amount_cents: Mapped[int] = Column(Integer, nullable=False)
    status: Mapped[str] = Column(String(16), nullable=False, default="requested")
    reason: Mapped[str] = Column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = Column(
        UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    order: Mapped[Order] = relationship("Order", lazy="joined", innerjoin=True)


class LoyaltyAccount(Base):
    __tablename__ = "loyalty_accounts"
    __table_args__ = (
        one_of("tier", CUSTOMER_TIERS, name="tier"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    customer_id: Mapped[int] = Column(
        Integer, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    points: Mapped[int] = Column(Integer, nullable=False, default=0)
    tier: Mapped[str] = Column(String(16), nullable=False, default="standard")


class Interaction(Base):
    """One line of the interaction log: what the bot did for which intent, and how it went."""

    __tablename__ = "interactions"

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(128), nullable=False, index=True)
    customer_id: Mapped[int | None] = Column(
        Integer, ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    intent: Mapped[str | None] = Column(String(100))
    interaction_type: Mapped[str | None] = Column(String(32), index=True)
    action: Mapped[str] = Column(String(100), nullable=False, default="")
    outcome: Mapped[str] = Column(String(64), nullable=False, default="")
    details: Mapped[Any] = Column(JSON)
    created_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow, index=True)


class Agent(Base):
    """A person who answers handed-off conversations; only a hash of the password is kept."""

    __tablename__ = "agents"
    __table_args__ = (
        one_of("role", AGENT_ROLES, name="role"),
        CheckConstraint("username = lower(username)", name="username_lower_case"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(64), nullable=False, unique=True)
    display_name: Mapped[str] = Column(String(100), nullable=False)
    password_hash: Mapped[str] = Column(String(255), nullable=False)
    role: Mapped[str] = Column(String(16), nullable=False, default="agent")
    # None: takes conversations of every team.
    team: Mapped[str | None] = Column(String(50))
    active: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)


_ACTIVE = "state IN ('queued', 'assigned', 'ticket')"


class Handoff(Base):
    """A conversation handed to a person; at most one is active per conversation.

    `priority` (lower first), `vip` and `queued_at` order the queue; `decision` keeps the
    escalation decision with its explained reasons; `reasons` its reason codes.
    """

    __tablename__ = "handoffs"
    __table_args__ = (
        one_of("state", HANDOFF_STATES, name="state"),
        one_of("disposition", HANDOFF_DISPOSITIONS, name="disposition"),
        CheckConstraint("priority > 0", name="priority_positive"),
        CheckConstraint(
            "state <> 'assigned' OR assigned_agent_id IS NOT NULL", name="assigned_has_agent"
        ),
        Index(
            "uq_handoffs_active_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text(_ACTIVE),
            postgresql_where=text(_ACTIVE),
        ),
        Index("ix_handoffs_queue", "state", "team", "priority", "queued_at"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(128), nullable=False, index=True)
    customer_id: Mapped[int | None] = Column(
        Integer, ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    state: Mapped[str] = Column(String(16), nullable=False, default="queued")
    reasons: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    interaction_type: Mapped[str | None] = Column(String(32))
    intent: Mapped[str | None] = Column(String(100))
    summary: Mapped[str | None] = Column(Text)
    priority: Mapped[int] = Column(Integer, nullable=False, default=DEFAULT_PRIORITY)
    vip: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    team: Mapped[str] = Column(String(50), nullable=False, default=DEFAULT_TEAM)
    decision: Mapped[Any] = Column(JSON)
    # Agents are deactivated, never deleted, so an assignment always names one.
    assigned_agent_id: Mapped[int | None] = Column(
        Integer, ForeignKey("agents.id", ondelete="RESTRICT"), index=True
    )
    queued_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    sla_due_at: Mapped[datetime | None] = Column(UtcDateTime)
    assigned_at: Mapped[datetime | None] = Column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = Column(UtcDateTime)
    disposition: Mapped[str | None] = Column(String(16))
    customer_last_seen_at: Mapped[datetime | None] = Column(UtcDateTime)
    created_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = Column(
        UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow
    )

    customer: Mapped[Customer | None] = relationship("Customer", lazy="select")
    assigned_agent: Mapped[Agent | None] = relationship("Agent", lazy="select")


class HandoffNote(Base):
    """An agent's private note on a handoff; never shown to the customer."""

    __tablename__ = "handoff_notes"

    id: Mapped[int] = Column(Integer, primary_key=True)
    handoff_id: Mapped[int] = Column(
        Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    agent_id: Mapped[int] = Column(
        Integer, ForeignKey("agents.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    body: Mapped[str] = Column(Text, nullable=False)
    created_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)

    agent: Mapped[Agent] = relationship("Agent", lazy="joined", innerjoin=True)


class ConversationRating(Base):
    """The customer's 1-5 satisfaction rating of a conversation, with an optional comment.

    One per conversation (the latest rating replaces an earlier one); CSAT is computed from
    these rows. `customer_id` is set when the widget carried a valid customer token.
    """

    __tablename__ = "conversation_ratings"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(128), nullable=False, unique=True)
    customer_id: Mapped[int | None] = Column(
        Integer, ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    rating: Mapped[int] = Column(Integer, nullable=False)
    comment: Mapped[str | None] = Column(Text)
    channel: Mapped[str] = Column(String(32), nullable=False, default="web")
    created_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow, index=True)


class NpsResponse(Base):
    """One NPS survey: a customer asked "would you recommend us?" and their 0-10 answer.

    A row is written when the customer is asked (`score` empty until they answer), so the
    at-most-once-per-N-days rule counts questions, not only answers. Asked in a chat, it
    keeps the conversation, so the KPIs can split NPS by what the conversation was about.
    """

    __tablename__ = "nps_responses"
    __table_args__ = (
        CheckConstraint("score BETWEEN 0 AND 10", name="score_range"),
        Index("ix_nps_responses_customer_asked", "customer_id", "asked_at"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    customer_id: Mapped[int] = Column(
        Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
    )
    conversation_id: Mapped[str | None] = Column(String(128), index=True)
    channel: Mapped[str] = Column(String(32), nullable=False, default="web")
    asked_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    score: Mapped[int | None] = Column(Integer)
    comment: Mapped[str | None] = Column(Text)
    answered_at: Mapped[datetime | None] = Column(UtcDateTime, index=True)


class ChatThrottle(Base):
    """A counter the chat keeps on the server, per scope and key (bot/services/throttles.py).

    Wrong verification pairs per email and per client, handoffs per client and per
    conversation. A chat slot resets with `/restart` or a new sender id; these rows hold
    across conversations, sessions and restarts. Keys are keyed hashes (never an email in
    clear). `count` is the failures (or requests) since `window_started_at`; `locked_until`
    is set while a key must wait.
    """

    __tablename__ = "chat_throttles"

    scope: Mapped[str] = Column(String(32), primary_key=True)
    key: Mapped[str] = Column(String(64), primary_key=True)
    count: Mapped[int] = Column(Integer, nullable=False, default=0)
    window_started_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    last_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow, index=True)
    locked_until: Mapped[datetime | None] = Column(UtcDateTime)


class VerifiedSession(Base):
    """A customer verified by email and order number, for one Rasa session of one
    conversation, from one client, until `expires_at`.

    The `customer_id` slot only hints at this: slots carry over into new sessions and can
    be set by whoever writes to the conversation, so identity comes from a signed token or
    from a row here (actions/identification.py).
    """

    __tablename__ = "verified_sessions"
    __table_args__ = (UniqueConstraint("conversation_id", "session_key"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(128), nullable=False)
    # When the session started (the `session_started` event's timestamp).
    session_key: Mapped[str] = Column(String(64), nullable=False)
    customer_id: Mapped[int] = Column(
        Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    client_key: Mapped[str] = Column(String(64), nullable=False)
    verified_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, index=True)


class ConsoleSession(Base):
    """A member of staff's console session, as the server knows it.

    The cookie is signed, but a signature cannot be taken back: this row can. Logout,
    deactivation and a new password set `revoked_at`, and every request (and every push to
    the agents' live feed) checks the row, with `created_at` bounding its age whatever the
    cookie says. `token_hash` is a SHA-256 of the cookie's random id, never the id itself.
    """

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = Column(String(64), primary_key=True)
    agent_id: Mapped[int] = Column(
        Integer, ForeignKey("agents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    address: Mapped[str | None] = Column(String(64))
    created_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, index=True)
    revoked_at: Mapped[datetime | None] = Column(UtcDateTime)
    revoked_why: Mapped[str | None] = Column(String(32))


class ConsoleAccessEntry(Base):
    """Who viewed, searched or exported which handoff or customer, when, and from where.

    Append-only: nothing in the product updates or deletes a row, and the database refuses
    to (triggers, below). Handoff and customer ids are plain numbers, not foreign keys, so
    the record outlives what it is about and no cascade ever rewrites it.
    """

    __tablename__ = "console_access_log"

    id: Mapped[int] = Column(Integer, primary_key=True)
    agent_id: Mapped[int] = Column(
        Integer, ForeignKey("agents.id", ondelete="RESTRICT"), nullable=False, index=True
    )
    action: Mapped[str] = Column(String(32), nullable=False)
    handoff_id: Mapped[int | None] = Column(Integer, index=True)
    customer_id: Mapped[int | None] = Column(Integer, index=True)
    detail: Mapped[str | None] = Column(String(500))
    address: Mapped[str | None] = Column(String(64))
    at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow, index=True)

    agent: Mapped[Agent] = relationship("Agent", lazy="joined", innerjoin=True)


_APPEND_ONLY = "the console access log is append-only"
for _event in ("UPDATE", "DELETE"):
    event.listen(
        ConsoleAccessEntry.__table__,
        "after_create",
        DDL(
            f"CREATE TRIGGER console_access_log_no_{_event.lower()} BEFORE {_event} "
            f"ON console_access_log BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
        ).execute_if(dialect="sqlite"),
    )
event.listen(
    ConsoleAccessEntry.__table__,
    "after_create",
    DDL(
        "CREATE OR REPLACE FUNCTION console_access_log_append_only() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$; "
        "CREATE TRIGGER console_access_log_append_only BEFORE UPDATE OR DELETE "
        "ON console_access_log FOR EACH ROW EXECUTE FUNCTION console_access_log_append_only()"
    ).execute_if(dialect="postgresql"),
)
