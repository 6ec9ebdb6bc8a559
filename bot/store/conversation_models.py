"""What conversations leave behind: the interaction log, ratings and NPS answers.

Written as the bot works and as customers answer, read by the KPIs (bot/kpis) and the
trainers' inbox. A conversation id is a plain string (Rasa's sender id), not a foreign key:
conversations live in the tracker store, not here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped

from bot.store.columns import UtcDateTime, utcnow
from bot.store.declarative import Base


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
