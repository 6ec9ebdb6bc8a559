"""Tests wait for the condition they need, never for a fixed time.

A fixed sleep is wrong both ways: too long on a fast machine (the suite pays it every run)
and too short on a loaded one (the test flakes). Polling the condition returns as soon as
it holds and fails, naming what never happened and what was last seen, after a time-out
generous enough for a busy CI runner. `wait_until` is for threads, `until` for asyncio
tests (its predicate may be a coroutine function, and the loop keeps serving meanwhile).

Only a wait that proves something does NOT happen within a window, or lets a timer run
out on purpose, is a plain sleep; it says so in a comment where it is written.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast, overload

T = TypeVar("T")
SHOWN = 500  # characters of the last value in a time-out's message


def wait_until(
    predicate: Callable[[], T | None],
    *,
    timeout: float,
    interval: float = 0.05,
    what: str | Callable[[], str],
    ignoring: tuple[type[Exception], ...] = (),
) -> T:
    """The predicate's first truthy value (so never None); AssertionError after `timeout`
    seconds, naming `what` (a callable: read then, e.g. to show what a list holds by then).
    Exceptions of the `ignoring` types count as "not yet" (a server not listening yet)."""
    deadline = time.monotonic() + timeout
    while True:
        answered, last = _attempt(predicate, ignoring)
        if answered and last:
            return cast(T, last)
        if time.monotonic() >= deadline:
            raise AssertionError(_timed_out(what, timeout, last))
        time.sleep(interval)


@overload
async def until(
    predicate: Callable[[], Awaitable[T]],
    *,
    timeout: float,
    interval: float = ...,
    what: str | Callable[[], str],
    ignoring: tuple[type[Exception], ...] = ...,
) -> T: ...


@overload
async def until(
    predicate: Callable[[], T],
    *,
    timeout: float,
    interval: float = ...,
    what: str | Callable[[], str],
    ignoring: tuple[type[Exception], ...] = ...,
) -> T: ...


async def until(
    predicate: Callable[[], T | Awaitable[T]],
    *,
    timeout: float,
    interval: float = 0.05,
    what: str | Callable[[], str],
    ignoring: tuple[type[Exception], ...] = (),
) -> T:
    """As `wait_until`, without blocking the event loop between attempts."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        answered, last = await _attempt_async(predicate, ignoring)
        if answered and last:
            return cast(T, last)
        if loop.time() >= deadline:
            raise AssertionError(_timed_out(what, timeout, last))
        await asyncio.sleep(interval)


def _attempt(
    predicate: Callable[[], T], ignoring: tuple[type[Exception], ...]
) -> tuple[bool, object]:
    """(True, the predicate's value) or (False, the ignored exception it raised)."""
    try:
        return True, predicate()
    except ignoring as error:
        return False, error


async def _attempt_async(
    predicate: Callable[[], T | Awaitable[T]], ignoring: tuple[type[Exception], ...]
) -> tuple[bool, object]:
    try:
        value = predicate()
        return True, (await value if inspect.isawaitable(value) else value)
    except ignoring as error:
        return False, error


def _timed_out(what: str | Callable[[], str], timeout: float, last: object) -> str:
    seen = repr(last)
    if len(seen) > SHOWN:
        seen = seen[:SHOWN] + "..."
    named = what if isinstance(what, str) else what()
    return f"timed out after {timeout:g} s waiting for {named}; last seen: {seen}"
