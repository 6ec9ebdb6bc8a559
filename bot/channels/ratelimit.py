"""Chat rate limits: token buckets per client and per conversation, in this process.

One client replaying 2,000 messages slowed every other customer's turn tenfold (issue 14,
finding 10), and a new conversation id per message escapes any per-conversation limit, so
both are limited. A message takes one token from its client's bucket and one from its
conversation's; each bucket holds `burst` tokens and refills at `per_minute`. The defaults
(bot/settings.py: CIM_CHAT_*) sit far above what a person types, even several people behind
one address, so only scripts meet them, and they are answered at once without Rasa.

State is per process: with several replicas, a conversation stays on one replica (HAProxy's
affinity), so its limit holds; a client spreading conversations over N replicas gets up to N
times its limit. Buckets idle long enough to be full again are dropped, and at most
`max_keys` are kept (the least recently used go first: dropping a bucket only refills it).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]
DEFAULT_MAX_KEYS = 100_000


@dataclass(frozen=True)
class Rate:
    burst: int  # tokens a full bucket holds: messages in a row
    per_minute: int  # tokens added per minute: the sustained rate

    def __post_init__(self) -> None:
        if self.burst < 1 or self.per_minute < 1:
            raise ValueError("a chat rate needs a burst and a per-minute rate of at least 1")

    def refill_seconds(self) -> float:
        """How long an empty bucket takes to be full again."""
        return self.burst * 60.0 / self.per_minute


@dataclass
class _Bucket:
    tokens: float
    at: float


class Buckets:
    """Token buckets for one rate, one per key."""

    def __init__(
        self, rate: Rate, *, clock: Clock = time.monotonic, max_keys: int = DEFAULT_MAX_KEYS
    ) -> None:
        self.rate, self._clock, self._max_keys = rate, clock, max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def available(self, key: str) -> float:
        """Tokens `key` holds now (a bucket never seen is full)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return float(self.rate.burst)
        elapsed = max(0.0, self._clock() - bucket.at)
        return min(float(self.rate.burst), bucket.tokens + elapsed * self.rate.per_minute / 60)

    def take(self, key: str) -> None:
        """Spend one token (callers check `available` first)."""
        self._buckets[key] = _Bucket(self.available(key) - 1, self._clock())
        self._buckets.move_to_end(key)
        self._forget_idle()

    def wait_seconds(self, key: str) -> float:
        """How long until `key` has a token again."""
        missing = 1 - self.available(key)
        return max(0.0, missing * 60 / self.rate.per_minute)

    def _forget_idle(self) -> None:
        full_after = self.rate.refill_seconds()
        now = self._clock()
        while self._buckets:
            key, oldest = next(iter(self._buckets.items()))
            if len(self._buckets) <= self._max_keys and now - oldest.at < full_after:
                return
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)


class ChatLimits:
    """Both limits a customer message must pass."""

    def __init__(self, client: Rate, conversation: Rate, *, clock: Clock = time.monotonic):
        self.clients = Buckets(client, clock=clock)
        self.conversations = Buckets(conversation, clock=clock)

    @classmethod
    def from_settings(cls) -> ChatLimits:
        from bot.settings import get_settings

        settings = get_settings()
        return cls(
            Rate(settings.chat_client_burst, settings.chat_client_per_minute),
            Rate(settings.chat_conversation_burst, settings.chat_conversation_per_minute),
        )

    def admit(self, *, client: str, conversation: str) -> float:
        """0 if the message may go on (a token is taken from both buckets); otherwise the
        seconds to wait, and nothing is taken, so a refused message costs the sender nothing
        more than the wait."""
        wait = max(self.clients.wait_seconds(client), self.conversations.wait_seconds(conversation))
        if wait > 0:
            return wait
        self.clients.take(client)
        self.conversations.take(conversation)
        return 0.0
