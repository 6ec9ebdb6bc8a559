from __future__ import annotations

from bot.console.throttle import MAX_KEYS, LoginThrottle


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_username_is_locked_after_five_failures_until_the_window_passes() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    for _ in range(4):
        throttle.failed("Anna", "10.0.0.1")
        assert throttle.retry_after("anna", "10.0.0.1") is None
    throttle.failed("ANNA ", "10.0.0.2")  # case and spaces don't make a new username
    assert throttle.retry_after("anna", "10.0.0.9") == 300
    clock.now += 299.5
    assert throttle.retry_after("anna", None) == 1
    clock.now += 1
    assert throttle.retry_after("anna", None) is None


def test_a_success_clears_the_username_but_not_the_address() -> None:
    throttle = LoginThrottle(max_failures=2, max_per_address=3, clock=Clock())
    throttle.failed("anna", "10.0.0.1")
    throttle.succeeded("Anna")
    throttle.failed("anna", "10.0.0.1")
    assert throttle.retry_after("anna", "10.0.0.1") is None
    throttle.failed("ben", "10.0.0.1")
    assert throttle.retry_after("carl", "10.0.0.1") is not None  # password spraying
    assert throttle.retry_after("carl", "10.0.0.2") is None


def test_memory_is_bounded_whatever_is_thrown_at_it() -> None:
    throttle = LoginThrottle(clock=Clock())
    for i in range(MAX_KEYS + 500):
        throttle.failed(f"user-{i}" + "\x00💥" * 3, None)
    throttle.failed("x" * 100_000, "")
    assert len(throttle._failures) <= MAX_KEYS
