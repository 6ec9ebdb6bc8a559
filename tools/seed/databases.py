"""Throw-away databases for tests, on SQLite or on the real PostgreSQL server.

Each one is a fresh SQLite file or a fresh PostgreSQL schema (selected through
`search_path` in the URL), so tests never see each other's rows and the URL alone is
enough for `get_engine`. PostgreSQL being unreachable is an error, not a skip: the
suite must not pass silently on one database.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

from bot.store.db import create_schema, dispose_engine, get_engine, session_factory
from tools.seed.demo_store import seed_demo_data

BACKENDS = ("sqlite", "postgresql")
POSTGRES_URL_ENV = "CIM_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
# A fixed clock for seeds in tests, so dates in assertions do not drift.
SEED_NOW = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


class DatabaseUnavailableError(RuntimeError):
    """The test PostgreSQL server cannot be reached."""


def postgres_admin_url() -> str:
    return os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)


@contextmanager
def temporary_database(backend: str) -> Iterator[str]:
    """Yield the URL of an empty database that is removed afterwards."""
    if backend == "sqlite":
        with _temporary_sqlite() as url:
            yield url
    elif backend == "postgresql":
        with _temporary_postgres_schema() as url:
            yield url
    else:
        raise ValueError(f"unknown backend {backend!r}; expected one of {BACKENDS}")


@contextmanager
def seeded_database(backend: str, **seed_options: Any) -> Iterator[sessionmaker]:
    """A temporary database with the schema and the demo seed, as a session factory."""
    with temporary_database(backend) as url:
        create_schema(get_engine(url))
        factory = session_factory(url)
        seed_demo_data(factory, **seed_options)
        yield factory


@contextmanager
def _temporary_sqlite() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="cim-store-") as directory:
        url = f"sqlite:///{Path(directory) / 'store.db'}"
        try:
            yield url
        finally:
            dispose_engine(url)


@contextmanager
def _temporary_postgres_schema() -> Iterator[str]:
    admin = _connect_admin(postgres_admin_url())
    schema = f"t_{uuid.uuid4().hex}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(postgres_admin_url()).update_query_dict(
            {"options": f"-csearch_path={schema}"}
        )
        rendered = url.render_as_string(hide_password=False)
        try:
            yield rendered
        finally:
            dispose_engine(rendered)
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


def _connect_admin(url: str) -> Engine:
    engine = create_engine(url, future=True, connect_args={"connect_timeout": 5})
    try:
        with engine.connect():
            pass
    except OperationalError as error:
        engine.dispose()
        raise DatabaseUnavailableError(
            f"PostgreSQL is unreachable at {make_url(url)!r} ({error.orig}). The store "
            f"tests run on SQLite AND PostgreSQL: start the server or point "
            f"{POSTGRES_URL_ENV} at one."
        ) from error
    return engine
