"""Reading the recorded events the facts come from, a batch of conversations at a time.

- the tracker store's `events` table (Rasa's SQLTrackerStore model, written by
  bot/trackers/store.py), in its own database (CIM_TRACKER_DB) or in the store's;
- the store's interaction log, handoffs, CSAT ratings and NPS answers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from sqlalchemy.engine import Connection, Engine

from bot.kpis.facts import ConversationRecord, HandoffRecord, LogRecord, TrackerEvent
from bot.store.db import get_engine
from bot.store.models import ConversationRating, Customer, Handoff, Interaction, NpsResponse

BATCH = 500

# Rasa's own tracker table (SQLTrackerStore's model, the one bot/trackers/store.py writes):
# its columns are read from Rasa's definition, never a copy that could drift from it.
events_table = SQLTrackerStore.SQLEvent.__table__
KPI_EVENT_TYPES = ("user", "bot", "action", "slot")
TRACKER_DB_ENV = "CIM_TRACKER_DB"  # the SQLite file `cim run` keeps the trackers in


def tracker_engine(store: Engine, tracker_url: str | None = None) -> Engine:
    """Where the events are: `tracker_url`, else CIM_TRACKER_DB's SQLite file, else the
    store's own database (the production profile keeps the trackers there)."""
    path = os.environ.get(TRACKER_DB_ENV)
    url = tracker_url or (f"sqlite:///{path}" if path else None)
    return get_engine(url) if url else store


def has_events_table(engine: Engine) -> bool:
    return sa.inspect(engine).has_table("events")


def index_event_times(engine: Engine) -> None:
    """Rasa indexes `events` by sender only; an incremental refresh looks events up by
    time, so it adds this one index (IF NOT EXISTS: SQLite and PostgreSQL alike)."""
    with engine.begin() as connection:
        connection.execute(
            sa.text("CREATE INDEX IF NOT EXISTS ix_events_kpi_timestamp ON events (timestamp)")
        )


def touched_conversations(
    store: Connection, tracker: Connection | None, since: datetime | None
) -> list[str]:
    """Every conversation with something recorded at or after `since` (all when None)."""
    found: set[str] = set()
    queries: list[Any] = [
        _since(sa.select(Interaction.conversation_id), Interaction.created_at, since),
        _since(sa.select(Handoff.conversation_id), Handoff.updated_at, since),
        _since(sa.select(ConversationRating.conversation_id), ConversationRating.created_at, since),
        _since(
            sa.select(NpsResponse.conversation_id).where(NpsResponse.score.is_not(None)),
            NpsResponse.answered_at,
            since,
        ),
    ]
    for query in queries:
        found.update(c for c in store.scalars(query.distinct()) if c)
    if tracker is not None:
        query = sa.select(events_table.c.sender_id).distinct()
        if since is not None:
            query = query.where(events_table.c.timestamp >= since.timestamp())
        found.update(tracker.scalars(query))
    return sorted(found)


def _since(query: Any, column: Any, since: datetime | None) -> Any:
    return query if since is None else query.where(column >= since)


def batches(items: Sequence[str], size: int = BATCH) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_records(
    store: Connection, tracker: Connection | None, ids: Sequence[str]
) -> list[ConversationRecord]:
    records = {c: ConversationRecord(c) for c in ids}
    if tracker is not None:
        _add_events(tracker, records)
    _add_log(store, records)
    _add_handoffs(store, records)
    _add_ratings(store, records)
    return list(records.values())


def _add_events(tracker: Connection, records: dict[str, ConversationRecord]) -> None:
    e = events_table.c
    rows = tracker.execute(
        sa.select(e.sender_id, e.type_name, e.timestamp, e.intent_name, e.action_name, e.data)
        .where(e.sender_id.in_(list(records)), e.type_name.in_(KPI_EVENT_TYPES))
        .order_by(e.id)
    )
    for sender, type_name, timestamp, intent, action, data in rows:
        records[sender].events.append(
            TrackerEvent(type_name, float(timestamp or 0), intent, action, _decode(data))
        )


def _decode(data: str | None) -> dict[str, Any]:
    try:
        decoded = json.loads(data or "{}")
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def _add_log(store: Connection, records: dict[str, ConversationRecord]) -> None:
    i = Interaction
    rows = store.execute(
        sa.select(i.conversation_id, i.created_at, i.customer_id, i.intent, i.interaction_type)
        .where(i.conversation_id.in_(list(records)))
        .order_by(i.created_at, i.id)
    )
    for conversation, created, customer, intent, kind in rows:
        records[conversation].log.append(LogRecord(created, customer, intent, kind))


def _add_handoffs(store: Connection, records: dict[str, ConversationRecord]) -> None:
    h = Handoff
    rows = store.execute(
        sa.select(
            h.conversation_id,
            h.queued_at,
            h.assigned_at,
            h.resolved_at,
            h.reasons,
            h.disposition,
            h.customer_id,
            h.intent,
            h.interaction_type,
        ).where(h.conversation_id.in_(list(records)))
    )
    for conversation, *values in rows:
        queued, assigned, resolved, reasons, disposition, customer, intent, kind = values
        reasons = [str(r) for r in reasons] if isinstance(reasons, list) else []
        records[conversation].handoffs.append(
            HandoffRecord(queued, assigned, resolved, reasons, disposition, customer, intent, kind)
        )


def _add_ratings(store: Connection, records: dict[str, ConversationRecord]) -> None:
    r, n = ConversationRating, NpsResponse
    for conversation, rating, comment, customer in store.execute(
        sa.select(r.conversation_id, r.rating, r.comment, r.customer_id).where(
            r.conversation_id.in_(list(records))
        )
    ):
        records[conversation].csat = rating
        records[conversation].csat_comment = comment
        records[conversation].rated_by = records[conversation].rated_by or customer
    for conversation, score, customer in store.execute(
        sa.select(n.conversation_id, n.score, n.customer_id)
        .where(n.conversation_id.in_(list(records)), n.score.is_not(None))
        .order_by(n.answered_at)
    ):
        records[conversation].nps = score
        records[conversation].rated_by = records[conversation].rated_by or customer


def customers(store: Connection, customer_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """id -> (tier, full name) of the customers the store knows."""
    wanted = sorted(set(customer_ids))
    found: dict[int, tuple[str, str]] = {}
    c = Customer
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        rows = store.execute(
            sa.select(c.id, c.tier, c.first_name, c.last_name).where(c.id.in_(chunk))
        )
        found.update((int(i), (str(tier), f"{first} {last}")) for i, tier, first, last in rows)
    return found
