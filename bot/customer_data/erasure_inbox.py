"""The trainers' records of an erased conversation that its own rows do not reach.

The inbox merges a message seen again into the first item with the same text, so a later
handoff's agent notes or a low rating's comment (redacted) can sit in the `details` of an item
that another conversation brought in; `review_sources` says which item took which handoff or
rating. And each retraining keeps the labels it applied, texts included, in
`training_runs.changes` (`{"item_id", "text", "intent", ...}`), accepted or refused. Both are
read here before the conversation's rows go (erasure_store.py deletes the items themselves).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.store.models import ConversationRating
from bot.store.review_models import ReviewItem, ReviewSource, TrainingRun

MERGED_KEYS = ("notes", "comment")  # what a handoff or a rating adds to an item's details
ERASED_TEXT = "[erased]"


def inbox_traces(session: Session, batch: list[str], handoffs: Collection[int]) -> dict[str, int]:
    """Strip the conversations' notes and comments from other items, and their labelled
    texts from the training record; rows changed per table."""
    ratings = session.scalars(
        sa.select(ConversationRating.id).where(ConversationRating.conversation_id.in_(batch))
    )
    own = set(
        session.scalars(sa.select(ReviewItem.id).where(ReviewItem.conversation_id.in_(batch)))
    )
    taken = sa.or_(
        sa.and_(ReviewSource.kind == "handoff", ReviewSource.source_id.in_(list(handoffs))),
        sa.and_(ReviewSource.kind == "rating", ReviewSource.source_id.in_(list(ratings))),
    )
    merged = set(session.scalars(sa.select(ReviewSource.item_id).where(taken))) - own - {None}
    return {
        "review_items": _strip_details(session, merged),
        "training_runs": _strip_changes(session, own),
    }


def _strip_details(session: Session, item_ids: set[Any]) -> int:
    changed = 0
    for item in session.scalars(sa.select(ReviewItem).where(ReviewItem.id.in_(sorted(item_ids)))):
        details = dict(item.details or {})
        if any(key in details for key in MERGED_KEYS):
            item.details = {k: v for k, v in details.items() if k not in MERGED_KEYS}
            changed += 1
    session.flush()
    return changed


def _strip_changes(session: Session, item_ids: set[int]) -> int:
    """Every run's record of these items keeps its intent, not its text."""
    if not item_ids:
        return 0
    changed = 0
    for run in session.scalars(sa.select(TrainingRun)):
        entries = [_erased(e, item_ids) for e in run.changes or []]
        if entries != list(run.changes or []):
            run.changes = entries
            changed += 1
    session.flush()
    return changed


def _erased(entry: Any, item_ids: set[int]) -> Any:
    if isinstance(entry, dict) and entry.get("item_id") in item_ids:
        return {**entry, "text": ERASED_TEXT}
    return entry
