"""End-of-conversation satisfaction ratings from the chat widget (CSAT's raw data).

The widget sends 1-5 and an optional comment; the channel has already checked that the
sender holds the conversation and that it was a real one. Bad values give None, never an
exception. A customer rates a conversation once (`replace=False`, what the channel asks):
a second rating raises `AlreadyRated`, so a script cannot re-rate a conversation over and
over to move CSAT. Tools that load or correct data may still replace a rating.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from bot.services.inputs import clean_text
from bot.store.columns import utcnow
from bot.store.models import ConversationRating
from bot.store.unit_of_work import AbstractUnitOfWork

MAX_COMMENT_LENGTH = 1000
RATINGS = range(1, 6)


class AlreadyRated(Exception):
    """The conversation has a rating, and this one may not replace it."""


@dataclass(frozen=True)
class RatingView:
    conversation_id: str
    customer_id: int | None
    rating: int
    comment: str | None
    created_at: datetime


def valid_rating(value: object) -> int | None:
    """1 to 5 as an int; bools, floats, strings and everything else are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value in RATINGS else None


def record_rating(
    uow: AbstractUnitOfWork,
    *,
    conversation_id: str,
    rating: object,
    comment: object = None,
    customer_public_id: str | None = None,
    channel: str = "web",
    now: datetime | None = None,
    replace: bool = True,
) -> RatingView | None:
    """Store the conversation's rating; None when the input is unusable. An earlier rating
    is replaced, or with `replace=False` kept, and `AlreadyRated` raised."""
    conversation = clean_text(conversation_id, max_length=128)
    score = valid_rating(rating)
    if conversation is None or score is None:
        return None
    with uow:
        customer = (
            uow.customers.get_by_public_id(public_id=customer_public_id)
            if customer_public_id
            else None
        )
        row = uow.ratings.for_conversation(conversation_id=conversation)
        if row is not None and not replace:
            raise AlreadyRated(conversation)
        if row is None:
            row = ConversationRating(conversation_id=conversation)
            uow.ratings.add(row)
        row.customer_id = customer.id if customer is not None else row.customer_id
        row.rating = score
        row.comment = clean_text(comment, max_length=MAX_COMMENT_LENGTH)
        row.channel = clean_text(channel, max_length=32) or "web"
        row.created_at = now or utcnow()
        view = _view(row)
        _commit_first(uow, conversation)
    return view


def _commit_first(uow: AbstractUnitOfWork, conversation: str) -> None:
    """Two first ratings at once: the unique conversation id lets one in."""
    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()
        raise AlreadyRated(conversation) from None


def rating_for(uow: AbstractUnitOfWork, *, conversation_id: str) -> RatingView | None:
    conversation = clean_text(conversation_id, max_length=128)
    if conversation is None:
        return None
    with uow:
        row = uow.ratings.for_conversation(conversation_id=conversation)
        return _view(row) if row is not None else None


def _view(row: ConversationRating) -> RatingView:
    return RatingView(
        conversation_id=row.conversation_id,
        customer_id=row.customer_id,
        rating=row.rating,
        comment=row.comment,
        created_at=row.created_at,
    )
