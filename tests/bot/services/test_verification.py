"""Verification guarded on the server, on SQLite and PostgreSQL: counts per email and per
client, a growing wait, no check while waiting, and a verification bound to one session."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from bot.services import verification
from bot.services.verification import ChatSession, Outcome, VerificationPolicy, backoff_seconds
from bot.store.models import ChatThrottle, VerifiedSession
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW

NOW = datetime(2024, 6, 5, 10, 0, tzinfo=timezone.utc)
POLICY = VerificationPolicy(
    secret="test-secret",
    email_allowance=3,
    client_allowance=5,
    lock_seconds=60,
    max_lock_seconds=600,
    forget_seconds=3600,
    ttl_seconds=900,
)
HERE = ChatSession("conversation-1", "1717581600.250000", "client:a")
MARIA, MARIAS_ORDER = "maria.garcia@example.com", "100001"
JAMES, JAMES_ORDER = "james.smith@example.com", "100004"


def attempt(
    factory: sessionmaker,
    email: str,
    number: str,
    *,
    where: ChatSession = HERE,
    at: datetime = NOW,
) -> Outcome:
    return verification.attempt(
        UoW(factory), email=email, order_number=number, where=where, now=at, policy=POLICY
    )


def elsewhere(n: int) -> ChatSession:
    """Another conversation from another client: only the email is shared."""
    return ChatSession(f"conversation-{n}", "1.000000", f"client:{n}")


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(1, 0), (2, 0), (3, 60), (4, 120), (5, 240), (6, 480), (7, 600), (99, 600), (10**6, 600)],
)
def test_the_wait_doubles_from_the_allowance_up_to_the_cap(failures: int, seconds: int) -> None:
    assert backoff_seconds(failures, allowance=3, policy=POLICY) == seconds


def test_a_right_pair_verifies_and_is_bound_to_the_session(factory: sessionmaker) -> None:
    outcome = attempt(factory, MARIA.upper(), MARIAS_ORDER)
    assert outcome.customer is not None and outcome.customer.email == MARIA

    def found(where: ChatSession, at: datetime = NOW) -> bool:
        customer = verification.verified_customer(UoW(factory), where=where, now=at, policy=POLICY)
        return customer is not None

    assert found(HERE) and found(HERE, NOW + timedelta(seconds=899))
    assert not found(HERE, NOW + timedelta(seconds=900))
    assert not found(ChatSession(HERE.conversation_id, "1717585200.000000", HERE.client))
    assert not found(ChatSession(HERE.conversation_id, HERE.session_key, "client:b"))
    assert not found(ChatSession("conversation-2", HERE.session_key, HERE.client))


def test_wrong_pairs_wait_after_the_allowance_whether_or_not_the_email_exists(
    factory: sessionmaker,
) -> None:
    for email in (JAMES, "nobody@example.org"):
        outcomes = [attempt(factory, email, "100001", where=elsewhere(n)) for n in range(4)]
        waits = [o.wait_until for o in outcomes]
        assert waits == [None, None, NOW + timedelta(seconds=60), NOW + timedelta(seconds=60)]
        assert all(o.customer is None for o in outcomes)


def test_a_right_pair_during_the_wait_is_not_checked(factory: sessionmaker) -> None:
    for n in range(3):
        attempt(factory, JAMES, "100001", where=elsewhere(n))

    right = elsewhere(9)
    during = attempt(factory, JAMES, JAMES_ORDER, where=right, at=NOW + timedelta(seconds=59))
    after = attempt(factory, JAMES, JAMES_ORDER, where=right, at=NOW + timedelta(seconds=60))

    assert during.customer is None and during.wait_until == NOW + timedelta(seconds=60)
    assert after.customer is not None
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(VerifiedSession)) == 1


def test_each_failure_after_a_wait_doubles_it(factory: sessionmaker) -> None:
    at = NOW
    for n in range(3):
        attempt(factory, JAMES, "100001", where=elsewhere(n), at=at)
    waits = []
    for n in range(3):
        at += timedelta(seconds=601)
        outcome = attempt(factory, JAMES, "100001", where=elsewhere(10 + n), at=at)
        assert outcome.wait_until is not None
        waits.append((outcome.wait_until - at).total_seconds())
    assert waits == [120, 240, 480]


def test_failures_are_forgotten_after_a_quiet_period(factory: sessionmaker) -> None:
    for n in range(2):
        attempt(factory, JAMES, "100001", where=elsewhere(n))
    later = NOW + timedelta(seconds=3600)

    outcome = attempt(factory, JAMES, "100001", where=elsewhere(5), at=later)

    assert outcome.wait_until is None


def test_success_starts_the_emails_count_again(factory: sessionmaker) -> None:
    for n in range(2):
        attempt(factory, JAMES, "100001", where=elsewhere(n))
    assert attempt(factory, JAMES, JAMES_ORDER, where=elsewhere(7)).customer is not None

    again = [attempt(factory, JAMES, "100001", where=elsewhere(20 + n)) for n in range(2)]

    assert [o.wait_until for o in again] == [None, None]


def test_one_client_trying_many_emails_waits(factory: sessionmaker) -> None:
    outcomes = [attempt(factory, f"someone{n}@example.net", "100001") for n in range(5)]
    assert [o.wait_until is None for o in outcomes] == [True] * 4 + [False]

    right = attempt(factory, MARIA, MARIAS_ORDER)
    wait = verification.client_wait(UoW(factory), client=HERE.client, now=NOW, policy=POLICY)

    assert right.customer is None and wait == NOW + timedelta(seconds=60)
    assert attempt(factory, MARIA, MARIAS_ORDER, where=elsewhere(3)).customer is not None


def test_parallel_guesses_get_no_more_than_the_allowance_checked(factory: sessionmaker) -> None:
    def guess(n: int) -> Outcome:
        return attempt(factory, JAMES, f"2{n:05d}", where=elsewhere(n))

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(guess, range(30)))

    assert all(o.customer is None for o in outcomes)
    with factory() as session:
        email_row = session.scalars(
            select(ChatThrottle).where(ChatThrottle.scope == verification.EMAIL_SCOPE)
        ).one()
    assert email_row.count == POLICY.email_allowance


def test_no_email_is_stored_in_clear(factory: sessionmaker) -> None:
    attempt(factory, JAMES, "100001")
    with factory() as session:
        keys = session.scalars(select(ChatThrottle.key)).all()
    assert keys and not any("james" in key for key in keys)
