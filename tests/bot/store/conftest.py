"""Every store test runs on SQLite and on the real PostgreSQL, each in a fresh database;
read-only tests may share one seeded database per module (`shared_seeded`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TypedDict

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.store.db import create_schema, get_engine, session_factory
from tools.seed.databases import BACKENDS, SEED_NOW, seeded_database, temporary_database
from tools.seed.demo_store import seed_demo_data


class SeedSize(TypedDict):
    customers: int
    orders: int
    now: datetime


SMALL_SEED: SeedSize = {"customers": 12, "orders": 40, "now": SEED_NOW}


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with temporary_database(request.param) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Engine:
    engine = get_engine(database_url)
    create_schema(engine)
    return engine


@pytest.fixture
def factory(engine: Engine, database_url: str) -> sessionmaker:
    return session_factory(database_url)


@pytest.fixture
def seeded(factory: sessionmaker) -> sessionmaker:
    """A small seed of its own: the fixed demo customers plus a few random ones."""
    seed_demo_data(factory, **SMALL_SEED)
    return factory


@pytest.fixture(scope="module", params=BACKENDS)
def shared_seeded(request: pytest.FixtureRequest) -> Iterator[sessionmaker]:
    """The same small seed, shared by a module's tests: only for tests that never write."""
    with seeded_database(request.param, **SMALL_SEED) as factory:
        yield factory
