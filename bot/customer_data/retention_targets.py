"""What each retention category purges, one short batch at a time.

A step removes (or, for the KPI facts, de-identifies) at most `n` expired rows in the
transaction it is given and says how many it took, so the purge (retention.py) can commit
after every batch: live traffic waits at most for one batch's locks, never for a whole run.
Rows are picked by primary key, `DELETE ... WHERE id IN (SELECT id ... LIMIT n)`, which
SQLite and PostgreSQL both run off the tables' time indexes.

Transcripts go by whole conversations: a conversation whose *last* event is older than the
window loses every event (a window on a transcript means the chat, not half of it). The
conversations are listed once per run; each batch also requires the event itself to be past
the cutoff, so a conversation that came back to life meanwhile keeps everything new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.kpis.schema import KpiConversation
from bot.kpis.sources import events_table
from bot.store.console_models import ConsoleAccessClearance, ConsoleAccessEntry, ConsoleSession
from bot.store.conversation_models import ConversationRating, Interaction, NpsResponse
from bot.store.guard_models import ChatThrottle, VerifiedSession
from bot.store.queue_models import Handoff, HandoffNote
from bot.store.retention_models import RetentionRun
from bot.store.review_models import ReviewItem, ReviewSource

SENDERS_PER_CHUNK = 500


@dataclass(frozen=True)
class Batch:
    """What one step did: the expired rows it took (fewer than asked: the last batch), and
    the rows removed or changed per table."""

    taken: int
    removed: dict[str, int]


Step = Callable[[Connection, datetime, int], Batch]
Due = Callable[[Connection, datetime], dict[str, int]]


@dataclass(frozen=True)
class Target:
    """One table (or family of tables) of a category; `tracker`: in the tracker's database.

    `step` purges one batch; `due` counts, per table, what a purge would take (a preview)."""

    name: str
    step: Step
    due: Due
    tracker: bool = False


def count_where(table: sa.Table, expired: Callable[[datetime], Any]) -> Due:
    def due(connection: Connection, cutoff: datetime) -> dict[str, int]:
        query = sa.select(sa.func.count()).select_from(table).where(expired(cutoff))
        return {table.name: int(connection.scalar(query) or 0)}

    return due


def delete_step(table: sa.Table, key: Any, expired: Callable[[datetime], Any]) -> Step:
    """A step deleting up to `n` rows of `table` whose `key` is picked by `expired(cutoff)`."""

    def step(connection: Connection, cutoff: datetime, n: int) -> Batch:
        picked = sa.select(key).where(expired(cutoff)).limit(n).scalar_subquery()
        if isinstance(key, sa.sql.elements.Tuple):
            picked = sa.select(*key.clauses).where(expired(cutoff)).limit(n)
        removed = connection.execute(table.delete().where(key.in_(picked))).rowcount
        return Batch(removed, {table.name: removed})

    return step


def _table(model: Any) -> sa.Table:
    return model.__table__  # type: ignore[no-any-return]


def _delete_older(model: Any, column: Any) -> Target:
    table = _table(model)

    def expired(cutoff: datetime) -> Any:
        return column < cutoff

    return Target(table.name, delete_step(table, table.c.id, expired), count_where(table, expired))


def _handoff_expired(cutoff: datetime) -> Any:
    return Handoff.updated_at < cutoff


def _handoffs_due(connection: Connection, cutoff: datetime) -> dict[str, int]:
    expired = sa.select(Handoff.id).where(_handoff_expired(cutoff))
    notes = sa.select(sa.func.count()).where(HandoffNote.handoff_id.in_(expired))
    handoffs = count_where(_table(Handoff), _handoff_expired)(connection, cutoff)
    return {**handoffs, "handoff_notes": int(connection.scalar(notes) or 0)}


def _handoffs(connection: Connection, cutoff: datetime, n: int) -> Batch:
    """Handoffs untouched since the cutoff, whatever their state (one idle for the whole
    window is live for no one), with their notes: deleted explicitly, as SQLite cascades
    only when its foreign keys are on."""
    ids = _ids(connection, sa.select(Handoff.id).where(_handoff_expired(cutoff)), n)
    notes = connection.execute(sa.delete(HandoffNote).where(HandoffNote.handoff_id.in_(ids)))
    handoffs = connection.execute(sa.delete(Handoff).where(Handoff.id.in_(ids)))
    return Batch(len(ids), {"handoffs": handoffs.rowcount, "handoff_notes": notes.rowcount})


def _item_expired(cutoff: datetime) -> Any:
    return ReviewItem.last_seen_at < cutoff


def _review_items(connection: Connection, cutoff: datetime, n: int) -> Batch:
    """Inbox items last seen before the cutoff; what collected them keeps its mark (so the
    same handoff is not collected again) but no longer points at them."""
    ids = _ids(connection, sa.select(ReviewItem.id).where(_item_expired(cutoff)), n)
    connection.execute(
        sa.update(ReviewSource).where(ReviewSource.item_id.in_(ids)).values(item_id=None)
    )
    removed = connection.execute(sa.delete(ReviewItem).where(ReviewItem.id.in_(ids))).rowcount
    return Batch(len(ids), {"review_items": removed})


def _access_trail(connection: Connection, cutoff: datetime, n: int) -> Batch:
    """The one delete the access log's trigger allows: under a clearance that exists only
    inside this transaction (bot/store/console_models.py)."""
    clearance = _table(ConsoleAccessClearance)
    added = connection.execute(clearance.insert().values(purge_before=cutoff))
    step = delete_step(_log, _log.c.id, _entry_expired)
    batch = step(connection, cutoff, n)
    connection.execute(clearance.delete().where(clearance.c.id == added.inserted_primary_key[0]))
    return batch


def kpi_identities_step() -> Step:
    """The fact stays (every count and score with it); who it was, and their words, go.

    Facts are kept for ever, so the step walks them oldest first from where its last batch
    ended: a run visits each old fact once, not once per batch."""
    facts = _table(KpiConversation)
    reached: list[datetime] = []

    def step(connection: Connection, cutoff: datetime, n: int) -> Batch:
        query = sa.select(facts.c.id, facts.c.started_at).where(_kpi_identified(cutoff))
        if reached:
            query = query.where(facts.c.started_at >= reached[-1])
        picked = connection.execute(query.order_by(facts.c.started_at).limit(n)).all()
        if not picked:
            return Batch(0, {})
        reached.append(picked[-1].started_at)
        changed = connection.execute(
            facts.update()
            .where(facts.c.id.in_([row.id for row in picked]))
            .values(customer_id=None, csat_comment_redacted=None)
        ).rowcount
        return Batch(len(picked), {facts.name: changed})

    return step


def _kpi_identified(cutoff: datetime) -> Any:
    facts = _table(KpiConversation)
    identified = sa.or_(
        facts.c.customer_id.is_not(None), facts.c.csat_comment_redacted.is_not(None)
    )
    return sa.and_(facts.c.started_at < cutoff, identified)


def transcripts_step(senders: Sequence[str]) -> Step:
    """Events of the conversations listed as expired, `n` at a time, chunk by chunk."""
    chunks = list(_chunks(senders, SENDERS_PER_CHUNK))

    def step(connection: Connection, cutoff: datetime, n: int) -> Batch:
        e, taken = events_table.c, 0
        while chunks and taken < n:
            wanted = n - taken
            picked = (
                sa.select(e.id)
                .where(e.sender_id.in_(chunks[0]), e.timestamp < cutoff.timestamp())
                .limit(wanted)
                .scalar_subquery()
            )
            removed = connection.execute(events_table.delete().where(e.id.in_(picked))).rowcount
            taken += removed
            if removed < wanted:  # this chunk's conversations are gone
                chunks.pop(0)
        return Batch(taken, {"events": taken})

    return step


def expired_conversations(connection: Connection, cutoff: datetime) -> list[str]:
    """Conversations whose last event is older than `cutoff` (one read per run)."""
    return list(connection.scalars(_expired_senders(cutoff)))


def transcripts_due(connection: Connection, cutoff: datetime) -> dict[str, int]:
    e = events_table.c
    query = sa.select(sa.func.count()).where(
        e.sender_id.in_(_expired_senders(cutoff)), e.timestamp < cutoff.timestamp()
    )
    return {"events": int(connection.scalar(query) or 0)}


def _expired_senders(cutoff: datetime) -> Any:
    e = events_table.c
    return (
        sa.select(e.sender_id)
        .group_by(e.sender_id)
        .having(sa.func.max(e.timestamp) < cutoff.timestamp())
    )


def _ids(connection: Connection, query: Any, n: int) -> list[int]:
    return list(connection.scalars(query.limit(n)))


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _throttle_spent(cutoff: datetime) -> Any:
    """Both the last attempt and the wait (if any) ended before the cutoff."""
    t = ChatThrottle
    return sa.and_(t.last_at < cutoff, sa.or_(t.locked_until.is_(None), t.locked_until < cutoff))


def _session_ended(cutoff: datetime) -> Any:
    return sa.or_(ConsoleSession.expires_at < cutoff, ConsoleSession.revoked_at < cutoff)


_throttles = _table(ChatThrottle)
_sessions = _table(ConsoleSession)
_log = _table(ConsoleAccessEntry)


def _entry_expired(cutoff: datetime) -> Any:
    return _log.c.at < cutoff


def store_targets(category: str) -> tuple[Target, ...]:
    """What a category purged by age purges in the store, fresh for one run (a step may
    keep its place between batches); the transcripts are in the tracker's database."""
    if category == "kpi_identities":
        facts = _table(KpiConversation)
        due = count_where(facts, _kpi_identified)
        return (Target("kpi_conversations", kpi_identities_step(), due),)
    return STORE_TARGETS[category]


# Per category of retention.yml purged by age, what it purges (transcripts: see `purge`).
STORE_TARGETS: dict[str, tuple[Target, ...]] = {
    "interaction_log": (_delete_older(Interaction, Interaction.created_at),),
    "handoffs": (Target("handoffs", _handoffs, _handoffs_due),),
    "review_inbox": (
        Target("review_items", _review_items, count_where(_table(ReviewItem), _item_expired)),
    ),
    "ratings": (
        _delete_older(ConversationRating, ConversationRating.created_at),
        _delete_older(NpsResponse, NpsResponse.asked_at),
    ),
    "verified_sessions": (_delete_older(VerifiedSession, VerifiedSession.expires_at),),
    "throttles": (
        Target(
            "chat_throttles",
            delete_step(
                _throttles, sa.tuple_(_throttles.c.scope, _throttles.c.key), _throttle_spent
            ),
            count_where(_throttles, _throttle_spent),
        ),
    ),
    "console_sessions": (
        Target(
            "console_sessions",
            delete_step(_sessions, _sessions.c.token_hash, _session_ended),
            count_where(_sessions, _session_ended),
        ),
    ),
    "access_trail": (
        Target("console_access_log", _access_trail, count_where(_log, _entry_expired)),
    ),
    "retention_runs": (_delete_older(RetentionRun, RetentionRun.as_of),),
}
