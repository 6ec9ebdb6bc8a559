"""The handoff queue's tables: the staff who answer, the conversations handed to them, notes.

A handoff goes bot -> queued (or ticket, outside business hours) -> assigned -> resolved, and
the conversation is back with the bot; `abandoned` when the customer left first. The database
itself keeps at most one active handoff per conversation (a partial unique index), so two
agents or two replicas can never both open one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, relationship

from bot.store.columns import UtcDateTime, one_of, utcnow
from bot.store.declarative import Base
from bot.store.shop_models import Customer  # registered first: the relationship names it

# "bot" is what a conversation without an active handoff is in; rows are never written
# in it. "closed" is the state of handoffs recorded before the queue existed.
HANDOFF_STATES = ("bot", "queued", "assigned", "resolved", "abandoned", "ticket", "closed")
ACTIVE_HANDOFF_STATES = ("queued", "assigned", "ticket")
HANDOFF_DISPOSITIONS = ("solved", "not_solved", "spam")
AGENT_ROLES = ("agent", "supervisor", "trainer")
DEFAULT_TEAM = "general"
DEFAULT_PRIORITY = 3


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
