"""Login throttling: a password can't be guessed at network speed, and one client's junk
logins don't lock everyone else out.

Two counts of failed logins, each waiting longer the more it fails:

- per username, in the one normalised form the login looks up (NFKC, case-folded,
  stripped; see `bot.services.agents.normalise_username`), so `anna\\x00` or `  ANNA` is
  the same name: after `max_failures` the name waits `user_wait_seconds`, doubling with each
  further failure up to `max_user_wait_seconds`;
- per client address (behind a proxy, the forwarded client: bot/client_address.py):
  after `max_per_address` failures (password spraying across names) a short wait that
  doubles up to `max_address_wait_seconds`, never a long lock-out, because a whole
  office can share one address.

A count is forgotten `forget_seconds` after its last failure; a successful login clears
the name's. Counts live in the Rasa process: N replicas allow at most N times as much.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_KEYS = 10_000  # memory bound: the oldest keys are forgotten first


@dataclass(frozen=True)
class Backoff:
    free: int  # failures before the first wait
    first_wait: float
    max_wait: float

    def wait(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.max_wait, self.first_wait * 2 ** min(failures - self.free, 32))


class LoginThrottle:
    def __init__(
        self,
        *,
        max_failures: int = 5,
        user_wait_seconds: float = 30.0,
        max_user_wait_seconds: float = 900.0,
        max_per_address: int = 20,
        address_wait_seconds: float = 1.0,
        max_address_wait_seconds: float = 60.0,
        forget_seconds: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.user = Backoff(max_failures, user_wait_seconds, max_user_wait_seconds)
        self.address = Backoff(max_per_address, address_wait_seconds, max_address_wait_seconds)
        self.forget_seconds, self.clock = forget_seconds, clock
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # count, last

    def retry_after(self, username: str | None, address: str | None) -> int | None:
        """Seconds until this login may be tried; None if it may be tried now. `username`
        is the normalised name (None for one that no agent can have)."""
        now = self.clock()
        waits = [self._wait(key, backoff, now) for key, backoff in self._keys(username, address)]
        longest = max(waits, default=0.0)
        return max(1, math.ceil(longest)) if longest > 0 else None

    def failed(self, username: str | None, address: str | None) -> None:
        now = self.clock()
        for key, _ in self._keys(username, address):
            count, _last = self._current(key, now)
            self._failures.pop(key, None)
            self._failures[key] = (count + 1, now)  # most recent last
        while len(self._failures) > MAX_KEYS:
            self._failures.popitem(last=False)

    def succeeded(self, username: str | None) -> None:
        if username:
            self._failures.pop(_user_key(username), None)

    def _keys(self, username: str | None, address: str | None) -> list[tuple[str, Backoff]]:
        keys = [(_user_key(username), self.user)] if username else []
        if address:
            keys.append((f"addr:{address[:64]}", self.address))
        return keys

    def _current(self, key: str, now: float) -> tuple[int, float]:
        count, last = self._failures.get(key, (0, now))
        return (0, now) if now - last >= self.forget_seconds else (count, last)

    def _wait(self, key: str, backoff: Backoff, now: float) -> float:
        count, last = self._current(key, now)
        return max(0.0, last + backoff.wait(count) - now) if count else 0.0


def _user_key(username: str) -> str:
    return "user:" + username[:64]
