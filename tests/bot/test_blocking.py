"""`in_thread` keeps the event loop serving while a blocking call runs."""

from __future__ import annotations

import asyncio
import contextvars
import threading

from bot.blocking import in_thread

REQUEST = contextvars.ContextVar("request", default="none")


async def test_the_loop_serves_others_while_a_blocking_call_waits() -> None:
    released = threading.Event()
    ticks: list[int] = []

    async def ticker() -> None:
        for tick in range(3):
            ticks.append(tick)
            await asyncio.sleep(0)
        released.set()  # only reachable while the blocking call is still waiting

    def blocking() -> str:
        assert released.wait(timeout=10), "the loop was blocked"
        return "done"

    result, _ = await asyncio.gather(in_thread(blocking), ticker())
    assert result == "done" and ticks == [0, 1, 2]


async def test_arguments_results_errors_and_context_reach_the_caller() -> None:
    REQUEST.set("r-1")

    def work(a: int, *, b: int) -> tuple[int, str, str]:
        return a + b, REQUEST.get(), threading.current_thread().name

    total, request, thread = await in_thread(work, 2, b=3)
    assert (total, request) == (5, "r-1")
    assert thread != threading.current_thread().name

    def fails() -> None:
        raise ValueError("bad input")

    try:
        await in_thread(fails)
    except ValueError as error:
        assert str(error) == "bad input"
    else:
        raise AssertionError("the error was lost")
