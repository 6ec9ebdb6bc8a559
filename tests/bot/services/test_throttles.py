"""Quotas kept in the store: per window, all or nothing, and safe under parallel requests."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.services import throttles
from bot.services.throttles import Quota
from bot.store.models import ChatThrottle
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from tests.bot.services.queue_factories import empty_store
from tools.seed.databases import BACKENDS

NOW = datetime(2024, 6, 5, 10, 0, tzinfo=timezone.utc)


@pytest.fixture(params=BACKENDS)
def factory(request: pytest.FixtureRequest) -> Iterator[sessionmaker]:
    with empty_store(request.param) as (_url, factory):
        yield factory


def quota(key: str, limit: int, scope: str = "test_client") -> Quota:
    return Quota(scope, throttles.hashed_key(key, secret="s"), limit, 600)


def counts(factory: sessionmaker) -> dict[str, int]:
    with factory() as session:
        return {row.scope: row.count for row in session.scalars(select(ChatThrottle))}


def test_a_quota_allows_its_limit_per_window(factory: sessionmaker) -> None:
    allowed = [throttles.take(UoW(factory), quotas=[quota("a", 3)], now=NOW) for _ in range(5)]
    later = NOW + timedelta(seconds=601)

    assert allowed == [True, True, True, False, False]
    assert throttles.take(UoW(factory), quotas=[quota("a", 3)], now=later)
    assert throttles.take(UoW(factory), quotas=[quota("b", 3)], now=NOW)


def test_a_refusal_counts_nothing_on_the_other_quotas(factory: sessionmaker) -> None:
    client, conversation = quota("c", 1), quota("x", 5, scope="test_conversation")
    assert throttles.take(UoW(factory), quotas=[client, conversation], now=NOW)

    assert not throttles.take(UoW(factory), quotas=[client, conversation], now=NOW)

    assert counts(factory) == {"test_client": 1, "test_conversation": 1}


def test_parallel_requests_get_exactly_the_limit(factory: sessionmaker) -> None:
    def take(_: int) -> bool:
        return throttles.take(UoW(factory), quotas=[quota("flood", 5)], now=NOW)

    with ThreadPoolExecutor(max_workers=10) as pool:
        allowed = list(pool.map(take, range(30)))

    assert allowed.count(True) == 5


def test_keys_are_keyed_hashes(factory: sessionmaker) -> None:
    throttles.take(UoW(factory), quotas=[quota("maria.garcia@example.com", 1)], now=NOW)

    with factory() as session:
        [key] = session.scalars(select(ChatThrottle.key)).all()
    assert "maria" not in key and len(key) == 64
    assert key != throttles.hashed_key("maria.garcia@example.com", secret="other")


def test_idle_counters_are_purged_unless_they_still_wait(factory: sessionmaker) -> None:
    throttles.take(UoW(factory), quotas=[quota("idle", 1), quota("held", 1, "held")], now=NOW)
    with factory() as session:
        held = session.get(ChatThrottle, ("held", quota("held", 1).key))
        held.locked_until = NOW + timedelta(days=2)
        session.commit()

    later = NOW + timedelta(days=1)
    throttles.purge(UoW(factory), scopes=["test_client", "held"], idle_seconds=3600, now=later)

    assert counts(factory) == {"held": 1}
