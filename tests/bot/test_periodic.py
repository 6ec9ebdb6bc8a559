"""The loop behind the queue sweep, the review inbox's collection and the KPI refresh."""

from __future__ import annotations

import asyncio
import logging
from itertools import pairwise

import pytest

from bot.periodic import PeriodicTask

LOGGER = logging.getLogger("tests.periodic")
WAIT = 2.0  # seconds a condition may take before the test fails


class Job:
    """Counts its rounds with their loop times; fails the rounds listed in `failing`."""

    def __init__(self, *, failing: tuple[int, ...] = ()) -> None:
        self.times: list[float] = []
        self.failing = failing
        self._changed = asyncio.Event()

    async def __call__(self) -> None:
        self.times.append(asyncio.get_running_loop().time())
        self._changed.set()
        if len(self.times) in self.failing:
            raise RuntimeError(f"round {len(self.times)} failed")

    async def rounds(self, count: int) -> None:
        async def reached() -> None:
            while len(self.times) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(reached(), WAIT)


def periodic(job: Job, interval: float, **options: bool) -> PeriodicTask:
    failure = "The job failed; trying again in %(interval)ss."
    return PeriodicTask(job, interval_seconds=interval, failure=failure, logger=LOGGER, **options)


async def test_the_job_runs_at_once_then_every_interval() -> None:
    job = Job()
    task = periodic(job, 0.05)
    started = asyncio.get_running_loop().time()
    task.start()
    await job.rounds(4)
    await task.stop()
    assert job.times[0] - started < 0.05
    gaps = [later - earlier for earlier, later in pairwise(job.times)]
    assert all(gap >= 0.045 for gap in gaps), gaps  # the loop's clock may round a little


async def test_with_first_run_now_off_the_first_round_waits_one_interval() -> None:
    job = Job()
    task = periodic(job, 0.2, first_run_now=False)
    started = asyncio.get_running_loop().time()
    task.start()
    await job.rounds(1)
    await task.stop()
    assert job.times[0] - started >= 0.19


async def test_a_failing_round_is_logged_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    job = Job(failing=(1, 2))
    task = periodic(job, 0.01)
    with caplog.at_level(logging.ERROR, logger=LOGGER.name):
        task.start()
        await job.rounds(3)
        await task.stop()
    failures = [r for r in caplog.records if r.name == LOGGER.name]
    assert [r.getMessage() for r in failures] == ["The job failed; trying again in 0.01s."] * 2
    assert [str(r.exc_info[1]) for r in failures if r.exc_info] == [
        "round 1 failed",
        "round 2 failed",
    ]


async def test_a_failure_message_need_not_name_the_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    job = Job(failing=(1,))
    task = PeriodicTask(job, interval_seconds=0.01, failure="Collecting failed.", logger=LOGGER)
    with caplog.at_level(logging.ERROR, logger=LOGGER.name):
        task.start()
        await job.rounds(2)
        await task.stop()
    assert [r.getMessage() for r in caplog.records if r.name == LOGGER.name] == [
        "Collecting failed."
    ]


async def test_stop_ends_a_round_in_progress_at_once_and_may_be_called_again() -> None:
    began, cancelled = asyncio.Event(), asyncio.Event()

    async def endless() -> None:
        began.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    task = PeriodicTask(endless, interval_seconds=3600, failure="failed", logger=LOGGER)
    task.start()
    await asyncio.wait_for(began.wait(), WAIT)
    await asyncio.wait_for(task.stop(), 0.5)
    assert cancelled.is_set() and not task.running
    await asyncio.wait_for(task.stop(), 0.5)  # a second stop is a no-op
    assert not task.running


async def test_no_round_runs_after_stop() -> None:
    job = Job()
    task = periodic(job, 0.01)
    task.start()
    await job.rounds(2)
    await task.stop()
    done = len(job.times)
    await asyncio.sleep(0.1)  # ten intervals: proving that nothing happens takes time
    assert len(job.times) == done


async def test_starting_twice_runs_one_loop() -> None:
    job = Job()
    task = periodic(job, 3600)
    task.start()
    task.start()
    await job.rounds(1)
    for _ in range(5):  # let a second loop, if any, take its first round
        await asyncio.sleep(0)
    await task.stop()
    assert len(job.times) == 1


@pytest.mark.parametrize("interval", [0, -1])
async def test_an_interval_of_zero_or_less_is_off(interval: float) -> None:
    task = periodic(Job(), interval)
    task.start()
    assert not task.running
    await task.stop()
