"""Login throttling: a password can't be guessed at network speed.

After `max_failures` wrong passwords for one username within `window_seconds`, that
username is locked for the rest of the window; one client address gets `max_per_address`
failures (across usernames, against password spraying). A successful login clears the
username's count. Counts live in the Rasa process: each replica throttles on its own, so
N replicas allow at most N times the limit.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

MAX_KEYS = 10_000  # memory bound: the oldest keys are forgotten first


class LoginThrottle:
    def __init__(
        self,
        *,
        max_failures: int = 5,
        max_per_address: int = 20,
        window_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures, self.max_per_address = max_failures, max_per_address
        self.window_seconds, self.clock = window_seconds, clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, username: str, address: str | None) -> int | None:
        """Seconds until this login may be tried again; None if it may be tried now."""
        now = self.clock()
        waits = [self._wait(key, limit, now) for key, limit in self._keys(username, address)]
        longest = max((wait for wait in waits if wait is not None), default=None)
        return None if longest is None else max(1, math.ceil(longest))

    def failed(self, username: str, address: str | None) -> None:
        now = self.clock()
        for key, _ in self._keys(username, address):
            times = self._failures.pop(key, None) or deque()
            times.append(now)
            self._failures[key] = times  # most recent last
        while len(self._failures) > MAX_KEYS:
            self._failures.popitem(last=False)

    def succeeded(self, username: str) -> None:
        self._failures.pop(_user_key(username), None)

    def _keys(self, username: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(_user_key(username), self.max_failures)]
        if address:
            keys.append((f"addr:{address}", self.max_per_address))
        return keys

    def _wait(self, key: str, limit: int, now: float) -> float | None:
        times = self._failures.get(key)
        if not times:
            return None
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        if len(times) < limit:
            return None
        return times[-limit] + self.window_seconds - now


def _user_key(username: str) -> str:
    return "user:" + username.strip().casefold()[:200]
