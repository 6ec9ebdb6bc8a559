"""The labels waiting for the next retraining: what the trainer page counts as pending.

A label is an accepted review decision (bot/inbox) that no accepted training run has taken
yet. The retraining job itself (`cim train`, tools/retrain/) is tooling that runs in its own
process; it reads the same list, so the page's count and the job's input can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.review_models import ReviewItem
from bot.store.unit_of_work import AbstractUnitOfWork
from bot.trainer.data_files import OUT_OF_SCOPE


@dataclass(frozen=True)
class Label:
    """One accepted review decision, as a change to the data."""

    item_id: int
    text: str
    intent: str
    new_type: str | None = None  # set when the trainer created the intent


def pending_labels(uow: AbstractUnitOfWork) -> list[Label]:
    with uow:
        return [_label(item) for item in uow.reviews.untrained_labels()]


def _label(item: ReviewItem) -> Label:
    intent = OUT_OF_SCOPE if item.state == "out_of_scope" else str(item.label)
    new_type = (item.details or {}).get("new_intent_type")
    return Label(item.id, item.text, intent, new_type if isinstance(new_type, str) else None)
