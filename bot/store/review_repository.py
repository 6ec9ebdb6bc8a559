"""The review inbox and the training record, for the unit of work."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import ConversationRating, Customer, Handoff
from bot.store.review_models import ReviewItem, ReviewSource, TrainingRun


class ReviewRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_key(self, *, key: str) -> ReviewItem | None:
        return self.session.scalars(select(ReviewItem).where(ReviewItem.key == key)).one_or_none()

    def add(self, item: ReviewItem) -> None:
        self.session.add(item)

    def in_state(self, *, state: str = "new", limit: int = 2000) -> Sequence[ReviewItem]:
        """Most frequent first."""
        query = (
            select(ReviewItem)
            .where(ReviewItem.state == state)
            .order_by(ReviewItem.count.desc(), ReviewItem.last_seen_at.desc(), ReviewItem.id)
            .limit(limit)
        )
        return self.session.scalars(query).all()

    def get_many(self, *, ids: Collection[int]) -> Sequence[ReviewItem]:
        if not ids:
            return []
        query = select(ReviewItem).where(ReviewItem.id.in_(list(ids))).order_by(ReviewItem.id)
        return self.session.scalars(query).all()

    def untrained_labels(self) -> Sequence[ReviewItem]:
        """Labelled (or out-of-scope) items no accepted training run has taken yet."""
        query = (
            select(ReviewItem)
            .where(ReviewItem.state.in_(["labelled", "out_of_scope"]))
            .where(ReviewItem.trained_in.is_(None))
            .order_by(ReviewItem.decided_at, ReviewItem.id)
        )
        return self.session.scalars(query).all()

    def customer_names(self) -> list[str]:
        """Every customer's name: what redaction hides besides shapes."""
        rows = self.session.execute(select(Customer.first_name, Customer.last_name)).all()
        return [f"{first} {last}" for first, last in rows]

    def uncollected_handoffs(self, *, limit: int = 100) -> Sequence[Handoff]:
        """Handoffs an agent finished that the inbox has not taken in yet, oldest first."""
        taken = select(ReviewSource.source_id).where(ReviewSource.kind == "handoff")
        query = (
            select(Handoff)
            .where(Handoff.state == "resolved", Handoff.id.not_in(taken))
            .order_by(Handoff.id)
            .limit(limit)
        )
        return self.session.scalars(query).all()

    def uncollected_low_ratings(
        self, *, at_most: int = 2, limit: int = 100
    ) -> Sequence[ConversationRating]:
        taken = select(ReviewSource.source_id).where(ReviewSource.kind == "rating")
        query = (
            select(ConversationRating)
            .where(ConversationRating.rating <= at_most, ConversationRating.id.not_in(taken))
            .order_by(ConversationRating.id)
            .limit(limit)
        )
        return self.session.scalars(query).all()

    def mark_collected(self, *, kind: str, source_id: int, item_id: int | None) -> None:
        self.session.add(ReviewSource(kind=kind, source_id=source_id, item_id=item_id))

    def add_run(self, run: TrainingRun) -> None:
        self.session.add(run)
        self.session.flush()

    def runs(self, *, limit: int = 50) -> Sequence[TrainingRun]:
        query = select(TrainingRun).order_by(TrainingRun.id.desc()).limit(limit)
        return self.session.scalars(query).all()
