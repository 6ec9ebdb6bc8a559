"""NPS surveys (`NpsResponse`) for the NPS service; never commits, the caller's unit of
work does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import NpsResponse


class NpsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest_asked(self, *, customer_id: int) -> NpsResponse | None:
        """The customer's most recent survey, answered or not."""
        return self.session.scalars(
            select(NpsResponse)
            .where(NpsResponse.customer_id == customer_id)
            .order_by(NpsResponse.asked_at.desc(), NpsResponse.id.desc())
            .limit(1)
        ).first()

    def open_since(self, *, customer_id: int, since: datetime) -> NpsResponse | None:
        """The newest unanswered survey asked at or after `since`."""
        return self.session.scalars(
            select(NpsResponse)
            .where(
                NpsResponse.customer_id == customer_id,
                NpsResponse.asked_at >= since,
                NpsResponse.score.is_(None),
            )
            .order_by(NpsResponse.asked_at.desc(), NpsResponse.id.desc())
            .limit(1)
        ).first()

    def add(self, survey: NpsResponse) -> None:
        self.session.add(survey)
