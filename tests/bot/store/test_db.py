from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.settings import get_settings
from bot.store import db


@pytest.fixture(autouse=True)
def _fresh_engine_cache() -> Iterator[None]:
    db.reset_engines()
    yield
    db.reset_engines()


def test_engine_is_cached_per_url(database_url: str) -> None:
    assert db.get_engine(database_url) is db.get_engine(database_url)


def test_importing_the_store_and_services_creates_no_engine() -> None:
    script = (
        "import bot.store.seed, bot.store.unit_of_work, bot.services.handoffs, "
        "bot.services.interactions, bot.services.catalogue, bot.services.loyalty, "
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
