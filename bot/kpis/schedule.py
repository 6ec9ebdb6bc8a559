"""The KPI facts kept fresh by the Rasa process: `cim kpis refresh`, every few minutes.

bot/bootstrap.py starts it; each run is incremental (see `refresh`) and runs in a
thread, so the chat never waits. `CIM_KPI_REFRESH_SECONDS` (default 300, 0: off, e.g. when a
cron job runs `cim kpis refresh` instead). A failed run is logged and tried again next time.
"""

from __future__ import annotations

import logging

from bot.blocking import in_thread
from bot.periodic import PeriodicTask

logger = logging.getLogger(__name__)


def refresh_now() -> int:
    """One incremental refresh of the store's KPI facts; returns the conversations derived."""
    from bot.kpis.refresh import refresh
    from bot.kpis.sources import tracker_engine
    from bot.settings import get_settings
    from bot.store.db import get_engine

    store = get_engine(get_settings().database_url)
    return refresh(store, tracker_engine(store)).conversations


class KpiRefresher(PeriodicTask):
    """`refresh_now` in a thread every `interval_seconds`, the first time one interval after
    `start` (the KPIs can wait; the chat of a process just started cannot)."""

    def __init__(self, interval_seconds: float) -> None:
        super().__init__(
            self._refresh,
            interval_seconds=interval_seconds,
            failure="Refreshing the KPI facts failed; trying again later.",
            logger=logger,
            first_run_now=False,
        )

    async def _refresh(self) -> None:
        derived = await in_thread(refresh_now)
        logger.debug("KPI facts refreshed: %d conversations.", derived)
