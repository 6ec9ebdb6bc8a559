"""End-of-conversation ratings on SQLite and PostgreSQL: stored, replaced, refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from bot.services.ratings import MAX_COMMENT_LENGTH, AlreadyRated, rating_for, record_rating
from bot.store.unit_of_work import SqlAlchemyUnitOfWork

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_a_rating_is_stored_with_the_customer(uow: SqlAlchemyUnitOfWork) -> None:
    saved = record_rating(
        uow,
        conversation_id="conv-1",
        rating=4,
        comment="  Fast and kind \u263a  ",
        customer_public_id="C0001",
        now=NOW,
    )

    assert saved is not None and saved == rating_for(uow, conversation_id="conv-1")
    assert (saved.rating, saved.comment, saved.created_at) == (4, "Fast and kind \u263a", NOW)
    with uow:
        customer = uow.customers.get(customer_id=saved.customer_id or 0)
        assert customer is not None and customer.public_id == "C0001"


def test_a_second_rating_replaces_the_first(uow: SqlAlchemyUnitOfWork) -> None:
    record_rating(uow, conversation_id="conv-2", rating=1, comment="slow", now=NOW)
    later = NOW + timedelta(minutes=5)
    record_rating(uow, conversation_id="conv-2", rating=5, now=later)

    with uow:
        rows = uow.ratings.created_between(start=NOW, end=later + timedelta(seconds=1))
        assert [(r.conversation_id, r.rating, r.comment) for r in rows] == [("conv-2", 5, None)]


@pytest.mark.parametrize("rating", [0, 6, -1, 2.5, "4", True, None])
def test_a_bad_rating_is_refused(uow: SqlAlchemyUnitOfWork, rating: Any) -> None:
    assert record_rating(uow, conversation_id="conv-3", rating=rating) is None
    assert rating_for(uow, conversation_id="conv-3") is None


def test_bad_text_is_cleaned_and_an_unknown_customer_is_anonymous(
    uow: SqlAlchemyUnitOfWork,
) -> None:
    saved = record_rating(
        uow,
        conversation_id="conv-4",
        rating=3,
        comment="nul\x00 and lone \ud800 surrogate " + "x" * 5000,
        customer_public_id="C9999",
    )

    assert saved is not None and saved.customer_id is None
    assert saved.comment is not None and len(saved.comment) == MAX_COMMENT_LENGTH
    assert "\x00" not in saved.comment
    assert record_rating(uow, conversation_id="  ", rating=3) is None


def test_a_customers_second_rating_is_refused_and_the_first_kept(
    uow: SqlAlchemyUnitOfWork,
) -> None:
    record_rating(uow, conversation_id="conv-5", rating=5, replace=False, now=NOW)

    with pytest.raises(AlreadyRated):
        record_rating(uow, conversation_id="conv-5", rating=1, comment="again", replace=False)

    saved = rating_for(uow, conversation_id="conv-5")
    assert saved is not None and (saved.rating, saved.comment) == (5, None)
