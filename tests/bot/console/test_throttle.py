from __future__ import annotations

import pytest

from bot.console.throttle import MAX_KEYS, Backoff, LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("failures", "wait"),
    [(0, 0), (4, 0), (5, 30), (6, 60), (7, 120), (9, 480), (10, 900), (99, 900)],
)
def test_a_names_wait_doubles_after_five_failures_up_to_fifteen_minutes(
    failures: int, wait: float
) -> None:
    assert Backoff(free=5, first_wait=30, max_wait=900).wait(failures) == wait


def test_a_name_waits_after_five_failures_then_may_try_again() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    for _ in range(4):
        throttle.failed("anna", "10.0.0.1")
        assert throttle.retry_after("anna", "10.0.0.1") is None
    throttle.failed("anna", "10.0.0.2")
    assert throttle.retry_after("anna", "10.0.0.9") == 30  # from any address
    clock.now += 29.5
    assert throttle.retry_after("anna", None) == 1
    clock.now += 1
    assert throttle.retry_after("anna", None) is None
    throttle.failed("anna", None)  # the sixth failure: twice as long
    assert throttle.retry_after("anna", None) == 60


def test_failures_are_forgotten_after_a_quiet_period() -> None:
    clock = Clock()
    throttle = LoginThrottle(forget_seconds=900, clock=clock)
    for _ in range(7):
        throttle.failed("anna", None)
    clock.now += 900
    assert throttle.retry_after("anna", None) is None
    throttle.failed("anna", None)
    assert throttle.retry_after("anna", None) is None  # counting from one again


def test_a_success_clears_the_name_but_not_the_address() -> None:
    throttle = LoginThrottle(max_failures=2, max_per_address=3, clock=Clock())
    throttle.failed("anna", "10.0.0.1")
    throttle.succeeded("anna")
    throttle.failed("anna", "10.0.0.1")
    assert throttle.retry_after("anna", "10.0.0.1") is None
    throttle.failed("ben", "10.0.0.1")
    assert throttle.retry_after("carl", "10.0.0.1") is not None  # password spraying
    assert throttle.retry_after("carl", "10.0.0.2") is None


def test_an_address_gets_short_growing_waits_never_a_long_lock_out() -> None:
    """Behind one office's NAT every agent shares an address: junk logins from it slow it
    down by seconds, doubling, never for minutes."""
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    waits = []
    for i in range(30):
        throttle.failed(f"junk{i}", "203.0.113.5")
        waits.append(throttle.retry_after("colleague", "203.0.113.5") or 0)
    assert waits[:19] == [0] * 19
    assert waits[19:25] == [1, 2, 4, 8, 16, 32]
    assert max(waits) == 60
    assert throttle.retry_after("colleague", "198.51.100.7") is None


def test_a_name_no_agent_can_have_counts_against_the_address_only() -> None:
    throttle = LoginThrottle(max_per_address=2, clock=Clock())
    throttle.failed(None, "10.0.0.1")
    throttle.failed(None, "10.0.0.1")
    assert throttle.retry_after("anna", "10.0.0.1") == 1
    assert throttle.retry_after("anna", "10.0.0.2") is None


def test_memory_is_bounded_whatever_is_thrown_at_it() -> None:
    throttle = LoginThrottle(clock=Clock())
    for i in range(MAX_KEYS + 500):
        throttle.failed(f"user-{i}", None)
    throttle.failed("x" * 100_000, "y" * 100_000)
    assert len(throttle._failures) <= MAX_KEYS
