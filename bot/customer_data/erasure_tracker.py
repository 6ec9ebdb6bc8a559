"""The tracker store's part of an erasure: the `events` rows of the customer's conversations.

Its own transaction on the tracker's database (which may be another database than the
store's), run before the store's: if the store's part then fails, the customer is still
there to erase again, and a second run finds the same conversations in the store's tables.

Caches across replicas: `bot.trackers.store.CachedSQLTrackerStore` checks a cached tracker
on every read against the conversation's newest row id in this table; with the rows gone that
check fails, the entry is dropped and the tracker is not served again, by any replica
(tests/bot/customer_data/test_erasure.py holds a real cached store to that).

Anonymous conversations in which the customer typed their email (or their phone number as the
store has it) are theirs too: `mentioning` finds them, so they go with the rest unless another
customer's rows claim the conversation. Order numbers are not searched that way: six digits
also occur in timestamps and other customers' messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.customer_data.erasure_store import allow_long_statements, chunks
from bot.kpis.sources import events_table

MIN_NEEDLE = 6  # shorter values would match unrelated text


def delete_events(engine: Engine | None, conversations: Sequence[str]) -> int:
    """Delete every event row of `conversations`, in one transaction; the rows deleted."""
    if engine is None or not conversations:
        return 0
    deleted = 0
    with engine.begin() as connection:
        allow_long_statements(connection)
        for batch in chunks(conversations):
            result = connection.execute(
                events_table.delete().where(events_table.c.sender_id.in_(batch))
            )
            deleted += int(result.rowcount)
    return deleted


def mentioning(engine: Engine | None, values: Iterable[str | None]) -> set[str]:
    """Conversations with an event whose text holds one of `values` (case-insensitive).

    LIKE narrows the scan (`_` and `%` in a value only widen it); the exact, case-folded
    substring test decides."""
    needles = sorted({v.casefold() for v in values if v and len(v) >= MIN_NEEDLE})
    if engine is None or not needles:
        return set()
    e = events_table.c
    data = sa.func.lower(e.data)
    query = sa.select(e.sender_id, e.data).where(sa.or_(*(data.like(f"%{n}%") for n in needles)))
    with engine.begin() as connection:  # a transaction, for SET LOCAL
        allow_long_statements(connection)
        rows = connection.execute(query).all()
    return {sender for sender, text in rows if any(n in (text or "").casefold() for n in needles)}
