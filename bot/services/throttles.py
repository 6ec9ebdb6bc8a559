"""Counters on the server that a chat cannot reset: quotas per window, and keys that wait.

A conversation slot starts again with `/restart`, a new session or a new sender id, so
whatever limits a client (wrong verification pairs, handoffs opened) is counted here, in
the customer store, per key. Keys are HMAC-SHA256 of the value under a server secret: the
table never holds an email in clear, and nobody outside can compute a key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from bot.store.models import ChatThrottle
from bot.store.unit_of_work import AbstractUnitOfWork

logger = logging.getLogger(__name__)


def hashed_key(value: str, *, secret: str) -> str:
    """The stored key for `value` (an email, a client key, a conversation id)."""
    raw = value.encode("utf-8", "surrogatepass")
    return hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Quota:
    """At most `limit` uses per `window_seconds` for one key of one scope."""

    scope: str
    key: str
    limit: int
    window_seconds: int


def take(uow: AbstractUnitOfWork, *, quotas: Sequence[Quota], now: datetime) -> bool:
    """One use of every quota, or of none when one of them is used up (then False)."""
    with uow:
        rows = uow.throttles.lock(keys=[(q.scope, q.key) for q in quotas], now=now)
        for quota in quotas:
            _roll_window(rows[(quota.scope, quota.key)], quota, now)
        if any(rows[(q.scope, q.key)].count >= q.limit for q in quotas):
            return False
        for quota in quotas:
            row = rows[(quota.scope, quota.key)]
            row.count, row.last_at = row.count + 1, now
        uow.commit()
    return True


def _roll_window(row: ChatThrottle, quota: Quota, now: datetime) -> None:
    if row.window_started_at <= now - timedelta(seconds=quota.window_seconds):
        row.count, row.window_started_at = 0, now


def waiting_until(rows: Iterable[ChatThrottle], now: datetime) -> datetime | None:
    """The latest time one of `rows` must wait until, if any of them waits now."""
    waits = [row.locked_until for row in rows if row.locked_until and row.locked_until > now]
    return max(waits) if waits else None


def purge(
    uow: AbstractUnitOfWork, *, scopes: Sequence[str], idle_seconds: int, now: datetime
) -> None:
    """Housekeeping in a transaction of its own: forget idle counters of `scopes`."""
    try:
        with uow:
            idle_before = now - timedelta(seconds=idle_seconds)
            uow.throttles.purge(scopes=scopes, idle_before=idle_before, now=now)
            uow.commit()
    except SQLAlchemyError:
        logger.warning("could not purge idle counters of %s", ", ".join(scopes), exc_info=True)
