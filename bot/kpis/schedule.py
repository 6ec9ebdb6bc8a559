"""The KPI facts kept fresh by the Rasa process: `cim kpis refresh`, every few minutes.

The agent console channel starts it; each run is incremental (see `refresh`) and runs in a
thread, so the chat never waits. `CIM_KPI_REFRESH_SECONDS` (default 300, 0: off, e.g. when a
cron job runs `cim kpis refresh` instead). A failed run is logged and tried again next time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

logger = logging.getLogger(__name__)


def refresh_now() -> int:
    """One incremental refresh of the store's KPI facts; returns the conversations derived."""
    from bot.kpis.refresh import refresh
    from bot.settings import get_settings
    from bot.store.db import get_engine

    store = get_engine(get_settings().database_url)
    tracker_path = os.environ.get("CIM_TRACKER_DB")
    tracker = get_engine(f"sqlite:///{tracker_path}") if tracker_path else store
    return refresh(store, tracker).conversations


class KpiRefresher:
    def __init__(self, interval_seconds: float) -> None:
        self.interval_seconds = interval_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None and self.interval_seconds > 0:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_seconds)
            try:
                derived = await asyncio.get_running_loop().run_in_executor(None, refresh_now)
                logger.debug("KPI facts refreshed: %d conversations.", derived)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Refreshing the KPI facts failed; trying again later.")
