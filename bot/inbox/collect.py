"""Handed-off conversations and low ratings into the review inbox.

Rasa's event broker brings the unsure messages one by one (`broker`). A finished handoff
or a rating of 1 or 2 is about a whole conversation, so these are collected from the store
every few seconds by the Rasa process, which can read the conversation's history: the
customer's last message before the handoff (or the rating) is what the trainer sees, with
the agent's disposition and private notes, or the rating and its comment, all redacted.
Each handoff and rating is taken in once (`review_sources`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.blocking import in_thread
from bot.inbox.service import Names, Observation, record
from bot.periodic import PeriodicTask
from bot.store.unit_of_work import AbstractUnitOfWork

logger = logging.getLogger(__name__)


class History(Protocol):
    async def history(
        self, conversation_id: str
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]: ...


@dataclass(frozen=True)
class _Pending:
    kind: str  # "handoff" or "rating"
    source_id: int
    conversation_id: str
    before: datetime | None
    details: dict[str, Any]


async def collect(
    new_uow: Callable[[], AbstractUnitOfWork], conversations: History, names: Names
) -> int:
    """Bring what is new into the inbox; returns how many handoffs and ratings."""
    pending = await in_thread(_pending, new_uow)
    for entry in pending:
        events, _ = await conversations.history(entry.conversation_id)
        text = last_customer_message(events, before=entry.before)
        await in_thread(_record, new_uow, names, entry, text)
    return len(pending)


def last_customer_message(
    events: Sequence[dict[str, Any]], *, before: datetime | None = None
) -> str | None:
    """The customer's last typed message (not a button), at or before `before`."""
    limit = before.timestamp() if before is not None else None
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        timestamp = event.get("timestamp")
        if limit is not None and isinstance(timestamp, (int, float)) and timestamp > limit + 1:
            continue
        text = event.get("text")
        if isinstance(text, str) and text.strip() and not text.startswith("/"):
            return text
    return None


def _pending(new_uow: Callable[[], AbstractUnitOfWork]) -> list[_Pending]:
    with new_uow() as uow:
        found = [
            _Pending(
                "handoff",
                handoff.id,
                handoff.conversation_id,
                handoff.queued_at,
                {
                    "disposition": handoff.disposition,
                    "notes": " | ".join(
                        note.body for note in uow.handoffs.notes(handoff_id=handoff.id)
                    ),
                    "reasons": list(handoff.reasons or []),
                },
            )
            for handoff in uow.reviews.uncollected_handoffs()
        ]
        found += [
            _Pending(
                "rating",
                rating.id,
                rating.conversation_id,
                None,
                {"rating": rating.rating, "comment": rating.comment or ""},
            )
            for rating in uow.reviews.uncollected_low_ratings()
        ]
        return found


def _record(
    new_uow: Callable[[], AbstractUnitOfWork], names: Names, entry: _Pending, text: str | None
) -> None:
    item = None
    if text is not None:
        source = "handoff" if entry.kind == "handoff" else "low_csat"
        observation = Observation(
            text=text,
            source=source,
            conversation_id=entry.conversation_id,
            details={key: value for key, value in entry.details.items() if value},
        )
        item = record(new_uow(), observation, names=names.matcher())
    with new_uow() as uow:
        uow.reviews.mark_collected(
            kind=entry.kind, source_id=entry.source_id, item_id=item.id if item else None
        )
        uow.commit()


class InboxCollector(PeriodicTask):
    """Runs `collect` every `interval_seconds` (bot/bootstrap.py starts it)."""

    def __init__(
        self,
        new_uow: Callable[[], AbstractUnitOfWork],
        conversations: History,
        *,
        interval_seconds: float,
    ) -> None:
        super().__init__(
            self._collect,
            interval_seconds=interval_seconds,
            failure="Collecting handoffs and ratings for review failed.",
            logger=logger,
        )
        self.new_uow, self.conversations = new_uow, conversations
        self.names = Names(new_uow)

    async def _collect(self) -> int:
        return await collect(self.new_uow, self.conversations, self.names)
