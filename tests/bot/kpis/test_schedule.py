"""The Rasa process keeps the KPI facts fresh on its own."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from bot.blocking import in_thread
from bot.kpis import schedule
from bot.kpis.schedule import KpiRefresher, refresh_now
from bot.settings import get_settings
from bot.store.db import create_schema, get_engine
from tools.seed.databases import temporary_database


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with temporary_database("sqlite") as url:
        create_schema(get_engine(url))
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.delenv("CIM_TRACKER_DB", raising=False)
        get_settings.cache_clear()
        yield url
        get_settings.cache_clear()


def test_a_refresh_builds_the_kpi_tables(store: str) -> None:
    assert refresh_now() == 0  # nothing recorded yet
    names = sa.inspect(get_engine(store)).get_table_names()
    assert "kpi_conversations" in names and "kpi_daily" in names


async def test_the_refresher_runs_every_interval_and_survives_failures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    ran_again = threading.Event()

    def flaky() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database down")
        ran_again.set()
        return 0

    monkeypatch.setattr(schedule, "refresh_now", flaky)
    refresher = KpiRefresher(0.01)
    refresher.start()
    assert await in_thread(ran_again.wait, 5.0)  # the round after the failure ran
    await refresher.stop()
    assert len(calls) >= 2
    off = KpiRefresher(0)
    off.start()
    assert off._task is None
