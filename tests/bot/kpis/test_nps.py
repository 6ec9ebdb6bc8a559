"""NPS: who is asked (share, at most once per N days, identified customers only) and how
answers are stored, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import sessionmaker

from bot.kpis.nps import NpsPolicy, mark_asked, record_answer, sampled, should_ask
from bot.store.models import NpsResponse
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tools.seed.databases import BACKENDS, SEED_NOW, seeded_database

EVERYONE = NpsPolicy(share_percent=100, every_days=30)
NOBODY = NpsPolicy(share_percent=0, every_days=30)
NOW = datetime(2024, 6, 1, 12, tzinfo=timezone.utc)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Iterator[sessionmaker]:
    with seeded_database(request.param, customers=3, orders=3, now=SEED_NOW) as factory:
        yield factory


def uow(store: sessionmaker) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(store)


@pytest.mark.parametrize("customer", [None, True, "1", 1.0])
def test_only_identified_customers_are_asked(store: sessionmaker, customer: object) -> None:
    decision = should_ask(uow(store), customer_id=customer, now=NOW, policy=EVERYONE)  # type: ignore[arg-type]
    assert (decision.ask, decision.reason) == (False, "anonymous")


def test_an_unknown_customer_is_not_asked(store: sessionmaker) -> None:
    decision = should_ask(uow(store), customer_id=999_999, now=NOW, policy=EVERYONE)
    assert (decision.ask, decision.reason) == (False, "unknown_customer")


def test_a_customer_is_asked_at_most_once_per_period(store: sessionmaker) -> None:
    asked = mark_asked(uow(store), customer_id=1, conversation_id="c1", now=NOW, policy=EVERYONE)
    assert asked is not None and asked.score is None and asked.conversation_id == "c1"
    for later in (timedelta(0), timedelta(days=29, hours=23)):
        decision = should_ask(uow(store), customer_id=1, now=NOW + later, policy=EVERYONE)
        assert (decision.ask, decision.reason) == (False, "asked_recently")
    assert (
        mark_asked(uow(store), customer_id=1, now=NOW + timedelta(days=1), policy=EVERYONE) is None
    )
    assert should_ask(uow(store), customer_id=1, now=NOW + timedelta(days=30), policy=EVERYONE).ask
    with uow(store) as work:
        assert work.session.query(NpsResponse).count() == 1


def test_customers_outside_the_share_are_not_asked(store: sessionmaker) -> None:
    decision = should_ask(uow(store), customer_id=1, now=NOW, policy=NOBODY)
    assert (decision.ask, decision.reason) == (False, "not_sampled")


def test_the_asked_share_matches_the_setting_and_is_stable_within_a_period() -> None:
    policy = NpsPolicy(share_percent=30, every_days=90)
    drawn = [sampled(customer, NOW, policy) for customer in range(1, 5001)]
    assert abs(sum(drawn) / len(drawn) - 0.30) < 0.03
    same_period = NOW + timedelta(days=1)
    assert all(
        sampled(c, same_period, policy) == d for c, d in zip(range(1, 5001), drawn, strict=True)
    )


def test_an_answer_is_stored_on_the_open_question(store: sessionmaker) -> None:
    mark_asked(uow(store), customer_id=2, conversation_id="c2", now=NOW, policy=EVERYONE)
    answer = record_answer(
        uow(store),
        customer_id=2,
        score=9,
        comment="  Great\x00 shop 👍 " + "x" * 5000,
        now=NOW + timedelta(minutes=1),
        policy=EVERYONE,
    )
    assert answer is not None and answer.score == 9 and answer.conversation_id == "c2"
    assert answer.comment is not None and answer.comment.startswith("Great shop 👍")
    assert len(answer.comment) == 1000 and answer.answered_at == NOW + timedelta(minutes=1)
    again = record_answer(uow(store), customer_id=2, score=3, now=NOW, policy=EVERYONE)
    assert again is None  # one answer per question


@pytest.mark.parametrize("score", [-1, 11, 5.0, "7", True, None, [9]])
def test_a_bad_score_is_refused(store: sessionmaker, score: object) -> None:
    mark_asked(uow(store), customer_id=3, now=NOW, policy=EVERYONE)
    assert record_answer(uow(store), customer_id=3, score=score, now=NOW, policy=EVERYONE) is None


def test_an_answer_nobody_asked_for_is_refused(store: sessionmaker) -> None:
    assert record_answer(uow(store), customer_id=1, score=10, now=NOW, policy=EVERYONE) is None
    mark_asked(uow(store), customer_id=1, now=NOW, policy=EVERYONE)
    late = NOW + timedelta(days=31)
    assert record_answer(uow(store), customer_id=1, score=10, now=late, policy=EVERYONE) is None


@pytest.mark.parametrize(("share", "days"), [(-1, 30), (101, 30), (10, 0)])
def test_a_bad_policy_is_refused(share: int, days: int) -> None:
    with pytest.raises(ValueError):
        NpsPolicy(share_percent=share, every_days=days)
