"""A job the Rasa process runs every few seconds beside the chat, as an asyncio task.

The queue sweep, the review inbox's collection and the KPI refresh share this loop: a
failed round is logged and the next one tries again, so a database hiccup never ends the
housekeeping; `stop` cancels the task and waits for it, so no round starts after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

Job = Callable[[], Awaitable[object]]


class PeriodicTask:
    """Runs `job` every `interval_seconds` once started; an interval of 0 or less is off.

    `failure` is logged with the traceback of a failed round, on `logger` (the job's own
    module's, so the log says whose loop failed); it may name `%(interval)s`. With
    `first_run_now=False` the first round waits one interval, as the rest do.
    """

    def __init__(
        self,
        job: Job,
        *,
        interval_seconds: float,
        failure: str,
        logger: logging.Logger,
        first_run_now: bool = True,
    ) -> None:
        self.job, self.interval_seconds = job, interval_seconds
        self.failure, self.logger, self.first_run_now = failure, logger, first_run_now
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

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
        if not self.first_run_now:
            await asyncio.sleep(self.interval_seconds)
        while True:
            await self._round()
            await asyncio.sleep(self.interval_seconds)

    async def _round(self) -> None:
        try:
            await self.job()
        except Exception:  # CancelledError is not one: stop() still ends the loop
            self.logger.exception(self.failure, {"interval": self.interval_seconds})
