"""Where the KPI refresh reads the trackers' events: one rule for the CLI and the Rasa process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.kpis.sources import TRACKER_DB_ENV, tracker_engine
from bot.store.db import dispose_engine, get_engine


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.delenv(TRACKER_DB_ENV, raising=False)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    yield get_engine(url)
    dispose_engine(url)


def test_without_a_tracker_database_the_events_are_in_the_store(store: Engine) -> None:
    assert tracker_engine(store) is store
    assert tracker_engine(store, "") is store


def test_the_tracker_db_variable_names_a_sqlite_file(
    store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TRACKER_DB_ENV, str(tmp_path / "tracker.db"))
    try:
        assert tracker_engine(store).url.database == str(tmp_path / "tracker.db")
        assert tracker_engine(store).url.get_backend_name() == "sqlite"
    finally:
        dispose_engine(f"sqlite:///{tmp_path / 'tracker.db'}")


def test_a_tracker_url_given_wins_over_the_variable(
    store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TRACKER_DB_ENV, str(tmp_path / "tracker.db"))
    given = f"sqlite:///{tmp_path / 'given.db'}"
    try:
        assert tracker_engine(store, given) is get_engine(given)
    finally:
        dispose_engine(given)
