"""The production profile's stores of a run's own (bench/prod_chat.py and the prod e2e tests):
named apart from everything else, and gone afterwards, on the real PostgreSQL and Redis."""

from __future__ import annotations

import socket

import pytest
import redis
import sqlalchemy as sa

from tools.evaluation.chat.prod_profile import free_ports, own_stores
from tools.processes import prod
from tools.seed.databases import postgres_admin_url

# The profile's default Redis database, as the benchmark uses: the keys' prefix is what
# keeps them apart.
REDIS_URL = "redis://127.0.0.1:6379/2"


def database_exists(name: str) -> bool:
    admin = sa.create_engine(postgres_admin_url(), future=True)
    try:
        with admin.connect() as connection:
            found = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            return found.scalar() is not None
    finally:
        admin.dispose()


def key_count(prefix: str) -> int:
    with redis.Redis.from_url(REDIS_URL) as client:
        return len(list(client.scan_iter(f"{prefix}*")))


@pytest.mark.postgres  # and Redis: the profile's real stores
def test_own_stores_are_named_apart_and_removed_afterwards() -> None:
    with (
        own_stores("unit", redis_url=REDIS_URL) as first,
        own_stores("unit", redis_url=REDIS_URL) as second,
    ):
        name = str(first.database.database)
        assert name.startswith("cim_unit_") and first.redis_prefix.startswith("unit")
        assert name != second.database.database
        assert first.redis_prefix != second.redis_prefix
        assert prod.ensure_database(first)  # made by `prod.prepare` in a real run
        with redis.Redis.from_url(REDIS_URL) as client:
            client.set(f"{first.redis_prefix}:lock", "1")
            client.set(f"{second.redis_prefix}:lock", "1")
        assert database_exists(name) and key_count(first.redis_prefix) == 1
        assert key_count(second.redis_prefix) == 1
    assert not database_exists(name)
    assert key_count(first.redis_prefix) == 0 and key_count(second.redis_prefix) == 0


@pytest.mark.postgres  # and Redis: the profile's real stores
def test_own_stores_are_removed_when_the_run_fails() -> None:
    with (
        pytest.raises(RuntimeError, match="the run failed"),
        own_stores("unit", redis_url=REDIS_URL) as stores,
    ):
        prod.ensure_database(stores)
        with redis.Redis.from_url(REDIS_URL) as client:
            client.set(f"{stores.redis_prefix}:lock", "1")
        raise RuntimeError("the run failed")
    assert not database_exists(str(stores.database.database))
    assert key_count(stores.redis_prefix) == 0


def test_free_ports_are_seven_loopback_ports_nobody_holds() -> None:
    ports = free_ports()
    every = [ports.public, ports.console, ports.http, *ports.rasa, *ports.actions]
    assert len(set(every)) == 7
    for port in every:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))
