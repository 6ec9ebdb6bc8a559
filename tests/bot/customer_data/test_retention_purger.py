"""The purge as the Rasa process runs it: `RetentionPurger`, over the configured store, as of
the real clock; a failed run is logged and the next one tries again."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.customer_data.locations import DataLocations
from bot.customer_data.retention import RetentionPurger, load_policy, recent_runs
from bot.customer_data.retention_policy import DEFAULT_FILE
from bot.settings import get_settings
from bot.store.columns import utcnow
from bot.store.db import get_engine
from tests.bot.customer_data.expiring_rows import Clock, keys_left, seed_both_sides
from tests.waiting import until

INTERVAL = 0.05


@pytest.fixture
def configured(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's settings point at the test store (its trackers: none there)."""
    monkeypatch.setenv("DATABASE_URL", store_url)
    monkeypatch.delenv("CIM_TRACKER_DB", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def rows(store: sessionmaker, tracker: Engine) -> Clock:
    """Rows on both sides of every window, as of the real clock."""
    clock = Clock(load_policy(), utcnow())
    seed_both_sides(store, tracker, clock)
    return clock


async def test_the_purger_purges_in_the_background(
    configured: None, rows: Clock, store_url: str, locations: DataLocations
) -> None:
    purger = RetentionPurger(INTERVAL, str(DEFAULT_FILE))
    purger.start()
    try:
        await until(
            lambda: recent_runs(locations.new_uow(), 1)[0].as_of > rows.now,
            timeout=10,
            what="a run of the purger in the log",
        )
    finally:
        await purger.stop()

    assert keys_left(get_engine(store_url), "interactions", "conversation_id") == {"fresh-key"}


async def test_a_failed_run_is_logged_and_the_next_one_tries_again(
    configured: None,
    rows: Clock,
    store_url: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    policy_file = tmp_path / "retention.yml"
    policy_file.write_text("categories: {transcripts: {keep: soon}}\n", encoding="utf-8")
    purger = RetentionPurger(INTERVAL, str(policy_file))
    engine = get_engine(store_url)
    with caplog.at_level(logging.ERROR, logger="bot.customer_data.retention"):
        purger.start()
        try:
            await until(
                lambda: "retention purge failed" in caplog.text, timeout=10, what="the failure"
            )
            assert purger.running
            policy_file.write_text(DEFAULT_FILE.read_text(encoding="utf-8"), encoding="utf-8")
            await until(
                lambda: keys_left(engine, "interactions", "conversation_id") == {"fresh-key"},
                timeout=10,
                what="the purge after the file was mended",
            )
        finally:
            await purger.stop()
    assert "missing category interaction_log" in caplog.text  # the error names the key
