"""`cim kpis refresh`: bring the fact table and the daily rollup up to date.

Incremental: only conversations with something recorded since `since` are derived again
(by default, since a week before the newest fact, which covers the 7-day repeat window),
then the customers' neighbouring conversations get their follow-up facts again, and the
rollup is rebuilt for the days those facts fall on, in SQL (INSERT ... SELECT ... GROUP BY).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.kpis import sources
from bot.kpis.access import redact_text
from bot.kpis.facts import REPEAT_WINDOW, customer_of, derive, follow_ups
from bot.kpis.schema import ROLLUP_KEYS, KpiConversation, create_kpi_schema, kpi_daily

FACTS = KpiConversation.__table__
FOLLOW_UP_COLUMNS = ("repeat_7d", "false_reason", "false_contained", "bot_resolved")


@dataclass(frozen=True)
class RefreshResult:
    conversations: int
    days: int


def refresh(
    store: Engine,
    tracker: Engine | None = None,
    *,
    since: datetime | None = None,
    full: bool = False,
) -> RefreshResult:
    """Derive the facts of the conversations touched since `since` (default: see above;
    `full`: every conversation ever recorded)."""
    create_kpi_schema(store)
    if tracker is not None and not sources.has_events_table(tracker):
        tracker = None
    if tracker is not None:
        sources.index_event_times(tracker)
    with store.begin() as db:
        start = None if full else since if since is not None else _default_since(db)
        tracked = tracker.connect() if tracker is not None else None
        try:
            ids = sources.touched_conversations(db, tracked, start)
            for batch in sources.batches(ids):
                _store_facts(db, sources.load_records(db, tracked, batch))
        finally:
            if tracked is not None:
                tracked.close()
        days = _follow_up(db, ids)
        rebuild_rollup(db, days)
    return RefreshResult(len(ids), len(days))


def _default_since(db: Connection) -> datetime | None:
    newest = db.scalar(sa.select(sa.func.max(FACTS.c.started_at)))
    return None if newest is None else newest - REPEAT_WINDOW


def _store_facts(db: Connection, records: Sequence[sources.ConversationRecord]) -> None:
    from bot.interaction_types import type_of

    who = [c for c in (customer_of(r) for r in records) if c is not None]
    known = sources.customers(db, who)
    tiers = {customer: tier for customer, (tier, _) in known.items()}
    rows, comments = [], {r.conversation_id: r.csat_comment for r in records}
    for facts in (derive(r, tiers, type_of) for r in records):
        if facts is not None:
            name = known.get(facts["customer_id"], ("", ""))[1]
            comment = comments[facts["conversation_id"]]
            facts["csat_comment_redacted"] = redact_text(comment, names=[name] if name else None)
            facts["repeat_7d"] = False
            rows.append(facts)
    ids = [r.conversation_id for r in records]
    db.execute(FACTS.delete().where(FACTS.c.conversation_id.in_(ids)))
    if rows:
        db.execute(FACTS.insert(), rows)


def _follow_up(db: Connection, ids: Sequence[str]) -> set[date]:
    """Recompute repeat and return facts for the touched conversations' customers."""
    c = FACTS.c
    days: set[date] = set()
    customers: dict[int, datetime] = {}
    for batch in sources.batches(ids):
        rows = db.execute(
            sa.select(c.customer_id, c.started_at, c.day).where(c.conversation_id.in_(batch))
        )
        for customer, started, day in rows:
            days.add(day)
            if customer is not None:
                customers[customer] = min(started, customers.get(customer, started))
    for customer, first in customers.items():
        days |= _follow_up_customer(db, customer, first - REPEAT_WINDOW - timedelta(days=1))
    return days


def _follow_up_customer(db: Connection, customer: int, since: datetime) -> set[date]:
    c = FACTS.c
    columns = (c.id, c.conversation_id, c.started_at, c.ended_at, c.day, c.intent, c.contained)
    rows = [
        dict(row._mapping)
        for row in db.execute(
            sa.select(*columns, *(c[name] for name in FOLLOW_UP_COLUMNS)).where(
                c.customer_id == customer, c.started_at >= since
            )
        )
    ]
    before = {row["id"]: tuple(row[n] for n in FOLLOW_UP_COLUMNS) for row in rows}
    follow_ups(rows)
    changed = [r for r in rows if tuple(r[n] for n in FOLLOW_UP_COLUMNS) != before[r["id"]]]
    for row in changed:
        db.execute(
            FACTS.update().where(c.id == row["id"]).values({n: row[n] for n in FOLLOW_UP_COLUMNS})
        )
    return {row["day"] for row in changed}


def _sum(expression: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(expression), 0)


def _flag(condition: Any) -> Any:
    return _sum(sa.case((condition, 1), else_=0))


def rollup_sums() -> dict[str, Any]:
    """Each rollup column as an aggregate over the facts (docs/kpis.md)."""
    c = FACTS.c
    return {
        "conversations": sa.func.count(),
        "contained": _flag(c.contained),
        "false_contained": _flag(c.false_contained),
        "handed_off": _flag(c.handed_off),
        "bot_resolved": _flag(c.bot_resolved),
        "human_resolved": _flag(c.human_resolved),
        "identified": _flag(c.customer_id.is_not(None)),
        "repeat_7d": _flag(c.repeat_7d),
        "user_messages": _sum(c.user_messages),
        "fallbacks": _sum(c.fallbacks),
        "frt_count": sa.func.count(c.first_response_ms),
        "frt_sum_ms": _sum(c.first_response_ms),
        "queue_count": sa.func.count(c.queue_seconds),
        "queue_sum_s": _sum(c.queue_seconds),
        "handle_count": sa.func.count(c.handle_seconds),
        "handle_sum_s": _sum(c.handle_seconds),
        "csat_count": sa.func.count(c.csat),
        "csat_sum": _sum(c.csat),
        "csat_satisfied": _flag(c.csat >= 4),
        "nps_count": sa.func.count(c.nps),
        "nps_promoters": _flag(c.nps >= 9),
        "nps_detractors": _flag(c.nps <= 6),
    }


def rebuild_rollup(db: Connection, days: set[date] | None) -> None:
    """Replace the rollup rows of `days` (None: all days) with fresh sums of the facts."""
    keys = [FACTS.c[k] for k in ROLLUP_KEYS]
    sums = rollup_sums()
    query = sa.select(*keys, *sums.values()).group_by(*keys)
    delete = kpi_daily.delete()
    if days is not None:
        if not days:
            return
        wanted = sorted(days)
        query = query.where(FACTS.c.day.in_(wanted))
        delete = delete.where(kpi_daily.c.day.in_(wanted))
    db.execute(delete)
    db.execute(kpi_daily.insert().from_select([*ROLLUP_KEYS, *sums], query))


def rebuild_all(store: Engine) -> None:
    with store.begin() as db:
        rebuild_rollup(db, None)
