from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from bot.settings import get_settings
from bot.store import db
from tools.seed.databases import temporary_database


@pytest.fixture(autouse=True)
def _fresh_engine_cache() -> Iterator[None]:
    db.reset_engines()
    yield
    db.reset_engines()


def test_engine_is_cached_per_url(database_url: str) -> None:
    assert db.get_engine(database_url) is db.get_engine(database_url)


def test_importing_the_store_and_services_creates_no_engine() -> None:
    script = (
        "import tools.seed.demo_store, bot.store.unit_of_work, bot.services.handoffs, "
        "bot.services.interactions, bot.services.recommendations, bot.services.loyalty, "
        "bot.services.queue, bot.services.agents, bot.escalation\n"
        "from bot.store import db\n"
        "from bot.escalation.policy_file import project_policy\n"
        "assert db._ENGINES == {}, db._ENGINES\n"
        "assert project_policy.cache_info().currsize == 0, 'escalation.yml read at import'"
    )
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, cwd=root)


def test_reset_engines_forgets_every_engine(database_url: str) -> None:
    first = db.get_engine(database_url)
    db.reset_engines()
    assert db.get_engine(database_url) is not first


def test_default_url_comes_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'shop.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        engine = db.get_engine()
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert str(engine.url) == url
        assert (tmp_path / "nested" / "dir").is_dir()
    finally:
        db.reset_engines()
        get_settings.cache_clear()


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = db.get_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    db.reset_engines()


def test_postgres_engine_pings_before_use() -> None:
    engine = db.get_engine("postgresql+psycopg2://nobody@127.0.0.1:1/none")
    assert engine.pool._pre_ping is True  # building it must not connect


def test_sessions_keep_values_after_commit(engine: Engine, database_url: str) -> None:
    factory = db.session_factory(database_url)
    assert factory is db.session_factory(database_url)
    assert factory.kw["expire_on_commit"] is False
    assert factory.kw["future"] is True


def test_create_schema_is_idempotent(engine: Engine) -> None:
    db.create_schema(engine)
    db.create_schema(engine)


def test_a_database_from_an_older_version_is_refused_at_start(database_url: str) -> None:
    engine = db.get_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE handoffs (id INTEGER PRIMARY KEY)"))
    with pytest.raises(db.SchemaOutdatedError, match=r"handoffs\.conversation_id"):
        db.create_schema(engine)


def test_an_up_to_date_database_has_no_missing_columns(database_url: str) -> None:
    engine = db.get_engine(database_url)
    db.create_schema(engine)
    db.create_schema(engine)  # idempotent
    assert db.missing_columns(engine) == []


@pytest.fixture
def statement_timeout(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """CIM_DB_STATEMENT_TIMEOUT_MS for engines created in the test."""
    monkeypatch.setenv("CIM_DB_STATEMENT_TIMEOUT_MS", "1234")
    get_settings.cache_clear()
    db.reset_engines()
    yield 1234
    db.reset_engines()
    get_settings.cache_clear()


def test_the_statement_timeout_setting_bounds_every_connection(
    statement_timeout: int, database_url: str
) -> None:
    db.dispose_engine(database_url)  # made before the setting changed, if at all
    with db.get_engine(database_url).connect() as connection:
        if connection.dialect.name == "sqlite":
            bound = connection.execute(text("PRAGMA busy_timeout")).scalar()
        else:
            bound = connection.execute(text("SHOW statement_timeout")).scalar()
            # the test schema's search_path, also passed as an option, still holds
            assert connection.execute(text("SHOW search_path")).scalar() != '"$user", public'
    assert bound in (statement_timeout, f"{statement_timeout}ms")


@pytest.mark.postgres
def test_a_query_waiting_on_a_held_lock_fails_after_the_timeout(
    statement_timeout: int,
) -> None:
    with temporary_database("postgresql") as url:
        engine = db.get_engine(url)
        db.create_schema(engine)
        holder = create_engine(make_url(url), future=True)
        try:
            with holder.begin() as held:
                held.execute(text("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE"))
                started = time.monotonic()
                timed_out = pytest.raises(OperationalError, match="statement timeout")
                with engine.connect() as connection, timed_out:
                    connection.execute(text("SELECT count(*) FROM orders"))
                waited = time.monotonic() - started
        finally:
            holder.dispose()
    assert statement_timeout / 1000 <= waited < statement_timeout / 1000 + 2.0
