"""Conversation ratings (CSAT) for the unit of work; see `ConversationRating`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import ConversationRating


class RatingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_conversation(self, *, conversation_id: str) -> ConversationRating | None:
        return self.session.scalars(
            select(ConversationRating).where(ConversationRating.conversation_id == conversation_id)
        ).one_or_none()

    def created_between(self, *, start: datetime, end: datetime) -> Sequence[ConversationRating]:
        """Ratings with start <= created_at < end, oldest first (for CSAT reports)."""
        return self.session.scalars(
            select(ConversationRating)
            .where(ConversationRating.created_at >= start, ConversationRating.created_at < end)
            .order_by(ConversationRating.created_at, ConversationRating.id)
        ).all()

    def add(self, rating: ConversationRating) -> None:
        self.session.add(rating)
