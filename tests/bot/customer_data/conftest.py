"""A seeded store and a tracker store of their own, on SQLite and on PostgreSQL.

Shared by the tests of bot/customer_data (export, erasure, retention): each test gets a fresh
store with the demo seed and a separate database holding Rasa's `events` table, as production
keeps trackers apart from the shop (CIM_TRACKER_DB, or another PostgreSQL database).
`footprints.py` writes a customer's whole footprint into them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.customer_data.locations import DataLocations
from bot.store.db import create_schema, get_engine, session_factory
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tools.seed.databases import BACKENDS, SEED_NOW, temporary_database
from tools.seed.demo_store import seed_demo_data

SMALL_SEED = {"customers": 6, "orders": 20, "now": SEED_NOW}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store_url(backend: str) -> Iterator[str]:
    with temporary_database(backend) as url:
        create_schema(get_engine(url))
        yield url


@pytest.fixture
def store(store_url: str) -> sessionmaker:
    """The store with the demo seed (C0001, C0002, C0003 and a few random customers)."""
    factory = session_factory(store_url)
    seed_demo_data(factory, **SMALL_SEED)  # type: ignore[arg-type]
    return factory


@pytest.fixture
def tracker_url(backend: str) -> Iterator[str]:
    """Another database, with Rasa's own `events` table in it."""
    with temporary_database(backend) as url:
        SQLTrackerStore.SQLEvent.__table__.create(get_engine(url), checkfirst=True)
        yield url


@pytest.fixture
def tracker(tracker_url: str) -> Engine:
    return get_engine(tracker_url)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    return directory


@pytest.fixture
def locations(store: sessionmaker, tracker: Engine, data_dir: Path) -> DataLocations:
    return DataLocations(
        new_uow=lambda: SqlAlchemyUnitOfWork(store), tracker_engine=tracker, data_dir=data_dir
    )
