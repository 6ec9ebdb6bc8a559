"""The trainers' tables: the review inbox and the record of every retraining.

Only redacted text is ever written here (`bot.privacy.redact` runs before a row is made).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped

from bot.store.columns import UtcDateTime, one_of, utcnow
from bot.store.declarative import Base

REVIEW_SOURCES = ("low_confidence", "fallback", "out_of_scope", "handoff", "low_csat")
REVIEW_STATES = ("new", "labelled", "out_of_scope", "discarded")
TRAINING_OUTCOMES = ("accepted", "refused", "failed", "rolled_back")


class ReviewItem(Base):
    """One distinct (redacted) customer message worth a trainer's look.

    Exact duplicates are one row: `key` is the normalised text, `count` how often it came
    in. `suggestions` holds the model's top intents with their confidences.
    """

    __tablename__ = "review_items"
    __table_args__ = (
        one_of("source", REVIEW_SOURCES, name="source"),
        one_of("state", REVIEW_STATES, name="state"),
        Index("ix_review_items_state_count", "state", "count"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    key: Mapped[str] = Column(String(512), nullable=False, unique=True)
    text: Mapped[str] = Column(Text, nullable=False)
    source: Mapped[str] = Column(String(16), nullable=False)
    sources: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    count: Mapped[int] = Column(Integer, nullable=False, default=1)
    intent: Mapped[str | None] = Column(String(100))
    confidence: Mapped[float | None] = Column(Float)
    interaction_type: Mapped[str | None] = Column(String(32))
    suggestions: Mapped[list[dict[str, Any]]] = Column(JSON, nullable=False, default=list)
    details: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)
    conversation_id: Mapped[str | None] = Column(String(128))
    first_seen_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    state: Mapped[str] = Column(String(16), nullable=False, default="new")
    label: Mapped[str | None] = Column(String(100))
    decided_by: Mapped[int | None] = Column(Integer, ForeignKey("agents.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = Column(UtcDateTime)
    trained_in: Mapped[int | None] = Column(
        Integer, ForeignKey("training_runs.id", ondelete="SET NULL")
    )


class TrainingRun(Base):
    """A retraining: who asked, what changed, the gate's metrics and its verdict."""

    __tablename__ = "training_runs"
    __table_args__ = (one_of("outcome", TRAINING_OUTCOMES, name="outcome"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    requested_by: Mapped[str] = Column(String(100), nullable=False)
    started_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = Column(UtcDateTime)
    outcome: Mapped[str] = Column(String(16), nullable=False)
    reason: Mapped[str | None] = Column(Text)
    changes: Mapped[list[dict[str, Any]]] = Column(JSON, nullable=False, default=list)
    metrics: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)
    model_path: Mapped[str | None] = Column(String(500))
    commit: Mapped[str | None] = Column(String(64))


class ReviewSource(Base):
    """A handoff or a rating already brought into the inbox (`kind`, `source_id`)."""

    __tablename__ = "review_sources"

    kind: Mapped[str] = Column(String(16), primary_key=True)
    source_id: Mapped[int] = Column(Integer, primary_key=True)
    item_id: Mapped[int | None] = Column(
        Integer, ForeignKey("review_items.id", ondelete="SET NULL")
    )
    collected_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
