"""The waiting helpers: they return the first truthy value, fail naming what never came,
and keep the event loop serving while they wait."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator

import pytest

from tests.waiting import until, wait_until


def test_wait_until_returns_the_first_truthy_value() -> None:
    values: Iterator[object] = iter([None, 0, [], "found"])
    assert wait_until(lambda: next(values), timeout=5, interval=0, what="a value") == "found"


def test_wait_until_names_what_never_happened_and_the_last_value() -> None:
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"0\.2 s waiting for the row; last seen: \[\]"):
        wait_until(lambda: [], timeout=0.2, what="the row")
    assert 0.2 <= time.monotonic() - started < 2


def test_wait_until_tries_at_least_once_even_with_no_time_left() -> None:
    assert wait_until(lambda: 42, timeout=0, what="the answer") == 42


def test_ignored_exceptions_count_as_not_yet_and_are_shown_on_time_out() -> None:
    refusals = iter(range(2))

    def connect() -> str:
        if next(refusals, None) is not None:
            raise ConnectionError("refused")
        return "listening"

    assert wait_until(connect, timeout=5, interval=0, what="a port", ignoring=(ConnectionError,))

    def refused() -> None:
        raise ConnectionError("still refused")

    with pytest.raises(AssertionError, match="still refused"):
        wait_until(refused, timeout=0.1, what="a port", ignoring=(ConnectionError,))


def test_other_exceptions_are_not_swallowed() -> None:
    def broken() -> None:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        wait_until(broken, timeout=5, what="anything", ignoring=(ConnectionError,))


class LongAndFalsy:
    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "x" * 10_000


def test_what_may_be_read_at_the_time_out() -> None:
    lost: list[str] = []

    def lose() -> bool:
        lost.append("hello")
        return False

    with pytest.raises(AssertionError, match=r"waiting for 2 lost, lost \['hello', 'hello'"):
        wait_until(lose, timeout=0.1, what=lambda: f"2 lost, lost {lost}")


def test_a_long_last_value_is_cut_in_the_message() -> None:
    with pytest.raises(AssertionError, match=r"last seen: x+\.\.\.$") as failure:
        wait_until(LongAndFalsy, timeout=0, what="a short value")
    assert len(str(failure.value)) < 1000


async def test_until_lets_the_loop_run_what_it_waits_for() -> None:
    done: list[str] = []

    async def later() -> None:
        await asyncio.sleep(0.05)
        done.append("ran")

    task = asyncio.create_task(later())
    assert await until(lambda: done, timeout=5, what="the task") == ["ran"]
    await task


async def test_until_awaits_a_coroutine_predicate() -> None:
    calls = itertools.count(1)

    async def third_time() -> int:
        call = next(calls)
        return call if call >= 3 else 0

    assert await until(third_time, timeout=5, interval=0, what="the third call") == 3


async def test_until_times_out_with_the_same_message() -> None:
    with pytest.raises(AssertionError, match=r"0\.1 s waiting for a reply; last seen: None"):
        await until(lambda: None, timeout=0.1, what="a reply")
