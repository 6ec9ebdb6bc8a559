"""The store's part of a customer's archive: profile, orders, handoffs, feedback, logs.

Every section is plain JSON values (ISO dates), built from the rows by their own columns, so a
column added to a model reaches the archive without an edit here; columns that only join rows
(internal ids) or hold no data of the customer's are left out. Rows are found by the customer's
id and by the conversations `footprint.conversations_of` links to them: a handoff or a rating
made before the customer was identified still belongs to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.kpis.schema import KpiConversation
from bot.store.models import (
    ConversationRating,
    Customer,
    Handoff,
    HandoffNote,
    Interaction,
    LoyaltyAccount,
    NpsResponse,
    Order,
    Refund,
    VerifiedSession,
)
from bot.store.review_models import ReviewItem, ReviewSource

# Columns that only tie rows together inside the store, or are staff's, not the customer's.
INTERNAL = frozenset({"id", "customer_id", "order_id", "handoff_id", "assigned_agent_id"})
REVIEW_INTERNAL = INTERNAL | {"key", "decided_by", "trained_in", "suggestions"}


def plain(value: Any) -> Any:
    """A JSON value: dates and times as ISO 8601, containers walked."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def columns(row: Any, skip: frozenset[str] = INTERNAL) -> dict[str, Any]:
    """The row's own columns, by name, as JSON values."""
    table = sa.inspect(row).mapper.local_table
    return {c.name: plain(getattr(row, c.key)) for c in table.columns if c.name not in skip}


def profile(customer: Customer, loyalty: LoyaltyAccount | None) -> dict[str, Any]:
    found = columns(customer)
    found["loyalty"] = None if loyalty is None else columns(loyalty)
    return found


def orders(session: Session, customer_id: int) -> list[dict[str, Any]]:
    query = sa.select(Order).where(Order.customer_id == customer_id).order_by(Order.placed_at)
    return [_order(session, order) for order in session.scalars(query)]


def _order(session: Session, order: Order) -> dict[str, Any]:
    found = columns(order)
    found["items"] = [
        {**columns(item, INTERNAL | {"product_id"}), "product": item.product.name}
        for item in order.items
    ]
    refunds = session.scalars(
        sa.select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)
    )
    found["refunds"] = [columns(refund) for refund in refunds]
    return found


def _theirs(model: Any, customer_id: int, conversations: Sequence[str]) -> Any:
    """Rows with the customer's id, or in one of their conversations and nobody else's (a
    row another customer is named on stays theirs, even in a conversation two shared)."""
    anonymous_in_theirs = sa.and_(
        model.customer_id.is_(None), model.conversation_id.in_(list(conversations))
    )
    return sa.or_(model.customer_id == customer_id, anonymous_in_theirs)


def _rows(session: Session, model: Any, where: Any, order: Any) -> list[Any]:
    return list(session.scalars(sa.select(model).where(where).order_by(order, model.id)))


def handoffs(
    session: Session, customer_id: int, conversations: Sequence[str]
) -> list[dict[str, Any]]:
    """Each handoff with its agent and the agents' notes (by the agents' display names)."""
    rows = _rows(session, Handoff, _theirs(Handoff, customer_id, conversations), Handoff.queued_at)
    return [_handoff(session, row) for row in rows]


def _handoff(session: Session, handoff: Handoff) -> dict[str, Any]:
    found = columns(handoff)
    found["agent"] = handoff.assigned_agent.display_name if handoff.assigned_agent else None
    found["notes"] = [
        {"agent": note.agent.display_name, "body": note.body, "at": plain(note.created_at)}
        for note in _notes(session, handoff.id)
    ]
    return found


def _notes(session: Session, handoff_id: int) -> Iterable[Any]:
    query = sa.select(HandoffNote).where(HandoffNote.handoff_id == handoff_id)
    return session.scalars(query.order_by(HandoffNote.created_at, HandoffNote.id))


def by_conversation(
    session: Session, model: Any, customer_id: int, conversations: Sequence[str], order: Any
) -> list[dict[str, Any]]:
    """Rows of a table that has both a customer and a conversation column."""
    where = _theirs(model, customer_id, conversations)
    return [columns(row) for row in _rows(session, model, where, order)]


def feedback(session: Session, customer_id: int, conversations: Sequence[str]) -> dict[str, Any]:
    return {
        "ratings": by_conversation(
            session, ConversationRating, customer_id, conversations, ConversationRating.created_at
        ),
        "nps": by_conversation(
            session, NpsResponse, customer_id, conversations, NpsResponse.asked_at
        ),
    }


def interactions(
    session: Session, customer_id: int, conversations: Sequence[str]
) -> list[dict[str, Any]]:
    return by_conversation(session, Interaction, customer_id, conversations, Interaction.created_at)


def verified_sessions(
    session: Session, customer_id: int, conversations: Sequence[str]
) -> list[dict[str, Any]]:
    """When they proved who they were (each row names them; the client's key and the
    session's start are the store's own bookkeeping)."""
    skip = INTERNAL | {"client_key", "session_key"}
    where = VerifiedSession.customer_id == customer_id
    rows = _rows(session, VerifiedSession, where, VerifiedSession.verified_at)
    return [columns(row, skip) for row in rows]


def kpi_facts(
    session: Session, customer_id: int, conversations: Sequence[str]
) -> list[dict[str, Any]]:
    return by_conversation(
        session, KpiConversation, customer_id, conversations, KpiConversation.started_at
    )


def review_items(
    session: Session, customer_id: int, conversations: Sequence[str]
) -> list[dict[str, Any]]:
    """Inbox items from their conversations, or collected from their handoffs and ratings
    (`review_sources`). Their text was redacted before it was stored."""
    collected = sa.select(ReviewSource.item_id).where(
        sa.or_(
            _collected("handoff", Handoff, customer_id, conversations),
            _collected("rating", ConversationRating, customer_id, conversations),
        )
    )
    where = sa.or_(
        ReviewItem.conversation_id.in_(list(conversations)), ReviewItem.id.in_(collected)
    )
    rows = _rows(session, ReviewItem, where, ReviewItem.first_seen_at)
    return [columns(row, REVIEW_INTERNAL) for row in rows]


def _collected(kind: str, model: Any, customer_id: int, conversations: Sequence[str]) -> Any:
    """`review_sources` rows that took one of the customer's handoffs or ratings in."""
    theirs = sa.select(model.id).where(_theirs(model, customer_id, conversations))
    return sa.and_(ReviewSource.kind == kind, ReviewSource.source_id.in_(theirs))
