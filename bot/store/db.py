"""Lazy, cached engines and session factories.

Engines are created on first use (never at import time) and cached per URL, so every
repository, service and test that asks for the same URL shares one connection pool.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from bot.settings import get_settings
from bot.store import review_models  # noqa: F401  (registers the trainers' tables on Base)
from bot.store.models import Base

_LOCK = threading.Lock()
_ENGINES: dict[str, Engine] = {}
_SESSION_FACTORIES: dict[str, sessionmaker] = {}


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: `Settings.database_url`)."""
    resolved = url or get_settings().database_url
    with _LOCK:
        engine = _ENGINES.get(resolved)
        if engine is None:
            engine = _ENGINES[resolved] = _create_engine(make_url(resolved))
    return engine


def session_factory(url: str | None = None) -> sessionmaker:
    """Sessions that keep loaded values after commit, so views can be built afterwards."""
    resolved = url or get_settings().database_url
    engine = get_engine(resolved)
    with _LOCK:
        factory = _SESSION_FACTORIES.get(resolved)
        if factory is None:
            factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
            _SESSION_FACTORIES[resolved] = factory
    return factory


class SchemaOutdatedError(RuntimeError):
    """The database has tables from an older version of the models."""


def create_schema(engine: Engine) -> None:
    """Create missing tables; until there is data to keep, this stands in for migrations.

    `create_all` never adds columns to an existing table, so a database made by an older
    version is refused here, at start-up, rather than failing on its first query.
    """
    Base.metadata.create_all(engine)
    missing = missing_columns(engine)
    if missing:
        raise SchemaOutdatedError(
            f"the database at {engine.url!r} predates columns {', '.join(missing)}. "
            "It only holds demo data: delete it (e.g. var/shop.db) and run `cim seed`."
        )


def missing_columns(engine: Engine) -> list[str]:
    """`table.column` for every model column the database does not have."""
    inspector = inspect(engine)
    missing = []
    for table in Base.metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in present]
    return missing


def dispose_engine(url: str) -> None:
    """Close and forget one URL's engine, e.g. before a test drops its database."""
    with _LOCK:
        _SESSION_FACTORIES.pop(url, None)
        engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()


def reset_engines() -> None:
    """Dispose every cached engine; tests call this so no pool outlives its database."""
    with _LOCK:
        engines = list(_ENGINES.values())
        _ENGINES.clear()
        _SESSION_FACTORIES.clear()
    for engine in engines:
        engine.dispose()


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url)
    return create_engine(
        url, future=True, pool_pre_ping=True, connect_args=postgres_connect_args(url)
    )


def postgres_connect_args(url: URL) -> dict[str, Any]:
    """Bound every statement, lock waits included (`CIM_DB_STATEMENT_TIMEOUT_MS`).

    The actions query synchronously: a statement waiting on a held lock stalls its action
    server, and the customer's turn, until the lock goes. With the bound, the query fails,
    the action says the order system is out of reach, and the next turn tries again.
    Options already in the URL (e.g. a test schema's search_path) are kept.
    """
    timeout_ms = get_settings().db_statement_timeout_ms
    if not timeout_ms:
        return {}
    existing = url.query.get("options")
    options = [existing] if isinstance(existing, str) and existing else []
    return {"options": " ".join([*options, f"-c statement_timeout={timeout_ms}"])}


def _sqlite_connect_args() -> dict[str, Any]:
    """SQLite's equivalent is the busy timeout: how long to wait for another writer's lock
    (0: SQLite's default of 5 s)."""
    timeout_ms = get_settings().db_statement_timeout_ms
    timeout = {"timeout": timeout_ms / 1000} if timeout_ms else {}
    return {"check_same_thread": False, **timeout}


def _create_sqlite_engine(url: URL) -> Engine:
    """SQLite is shared across the action server's threads and needs FKs switched on."""
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {}
    if database and database != ":memory:":
        # SQLAlchemy 1.4 opens a new connection per session for a SQLite file (NullPool), and
        # each runs the three PRAGMAs below: a third of the Rasa process's CPU per turn went
        # to that (bench/results/chat.md). A pool of kept connections, as SQLAlchemy 2.0 does.
        options = {"poolclass": QueuePool, "pool_size": 8, "max_overflow": 8}
    engine = create_engine(url, future=True, connect_args=_sqlite_connect_args(), **options)
    event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _connection_record: Any) -> None:
    """SQLite leaves foreign keys off per connection; WAL lets readers run beside a writer.

    With WAL, synchronous=NORMAL cannot corrupt the file and saves an fsync per commit;
    a power cut may lose the last commits, which is acceptable for the SQLite
    (development) setup. Production uses PostgreSQL.
    """
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()
