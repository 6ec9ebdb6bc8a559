"""Retention: what is past its window (retention.yml) is purged, in batches, with a run log.

`purge` walks every category purged by age; per target it removes at most `batch_size` rows
per transaction and commits (retention_targets.py), so a run over a million conversations
never holds a lock for longer than one batch. A failing category is recorded with its error
and the others still run. Every run, even one that removed nothing, writes one row to the run
log (retention_runs.py): the evidence that the windows are kept.

Who runs it: the Rasa process, every CIM_RETENTION_PURGE_SECONDS (`RetentionPurger`, started
by bot/bootstrap.py), or cron through `cim privacy purge`. Runs are safe to overlap with live
traffic, with each other (replicas: a row goes once, each run logs what it removed) and to
repeat: a second run right after the first removes nothing. The policy file is read at each
run, so an edited window applies from the next one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.blocking import in_thread
from bot.customer_data.locations import DataLocations, default_locations, events_engine
from bot.customer_data.retention_policy import (
    CATEGORIES,
    PURGED_CATEGORIES,
    RetentionConfigError,
    RetentionPolicy,
    load_policy,
)
from bot.customer_data.retention_runs import (
    CategoryResult,
    PurgeRun,
    recent_runs,
    record_run,
    store_session,
)
from bot.customer_data.retention_targets import (
    Batch,
    Step,
    Target,
    expired_conversations,
    store_targets,
    transcripts_due,
    transcripts_step,
)
from bot.periodic import PeriodicTask
from bot.store.columns import utcnow

__all__ = [
    "CATEGORIES",
    "CategoryResult",
    "PurgeRun",
    "RetentionConfigError",
    "RetentionPolicy",
    "RetentionPurger",
    "load_policy",
    "preview",
    "purge",
    "purge_now",
    "recent_runs",
]

logger = logging.getLogger(__name__)
DEFAULT_BATCH = 500


def purge(
    locations: DataLocations,
    policy: RetentionPolicy,
    *,
    now: datetime,
    batch_size: int = DEFAULT_BATCH,
) -> PurgeRun:
    """Purge every category past its window as of `now` (aware; a later `now` is a moved
    clock), `batch_size` rows per transaction; the run, logged, is returned."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    started = utcnow()
    results = {
        category: _purge_category(locations, category, now - policy.keep(category), batch_size)
        for category in PURGED_CATEGORIES
    }
    run = PurgeRun(now, started, utcnow(), batch_size, policy.source, results)
    run = record_run(locations.new_uow(), run)
    logger.info("Retention run %s: %d rows removed (%s).", run.id, run.removed, run.outcome)
    return run


def preview(
    locations: DataLocations, policy: RetentionPolicy, *, now: datetime
) -> dict[str, dict[str, int]]:
    """Per category and table, what `purge` as of `now` would remove (or de-identify);
    nothing is changed and no run is logged (`cim privacy purge --dry-run`)."""
    due: dict[str, dict[str, int]] = {}
    for category in PURGED_CATEGORIES:
        cutoff = now - policy.keep(category)
        if category == "transcripts":
            due[category] = _transcripts_due(locations, cutoff)
            continue
        with locations.new_uow() as uow:
            connection = store_session(uow).connection()
            due[category] = {
                table: rows
                for target in store_targets(category)
                for table, rows in target.due(connection, cutoff).items()
            }
    return due


def _transcripts_due(locations: DataLocations, cutoff: datetime) -> dict[str, int]:
    tracker = events_engine(locations)
    if tracker is None:
        return {}
    with tracker.begin() as connection:
        return transcripts_due(without_time_limit(connection), cutoff)


def _purge_category(
    locations: DataLocations, category: str, cutoff: datetime, batch_size: int
) -> CategoryResult:
    """Every target of `category`; a failure is recorded with what was committed before it
    (each batch committed is in the count), and the other categories still run."""
    tally = _Tally()
    error = None
    try:
        for target in _targets(locations, category, cutoff):
            _run_target(locations, target, cutoff, batch_size, tally)
    except Exception as failure:
        logger.exception("Retention of %s failed.", category)
        error = repr(failure)
    return CategoryResult(category, cutoff, tally.removed, tally.batches, error)


@dataclass
class _Tally:
    """What a category's committed batches removed so far."""

    removed: dict[str, int] = field(default_factory=dict)
    batches: int = 0

    def add(self, batch: Batch) -> None:
        self.batches += 1 if batch.taken else 0
        for table, rows in batch.removed.items():
            self.removed[table] = self.removed.get(table, 0) + rows


def _targets(locations: DataLocations, category: str, cutoff: datetime) -> tuple[Target, ...]:
    if category != "transcripts":
        return store_targets(category)
    tracker = events_engine(locations)
    if tracker is None:
        return ()
    with tracker.begin() as connection:
        senders = expired_conversations(without_time_limit(connection), cutoff)
    return (Target("events", transcripts_step(senders), transcripts_due, tracker=True),)


def without_time_limit(connection: Connection) -> Connection:
    """The one long read of a run (a scan of every conversation's last event) is exempt from
    the store's statement time-out (CIM_DB_STATEMENT_TIMEOUT_MS) for its transaction: it
    locks nothing a chat needs; every batch that writes stays under the limit."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SET LOCAL statement_timeout = 0"))
    return connection


def _run_target(
    locations: DataLocations, target: Target, cutoff: datetime, batch_size: int, tally: _Tally
) -> None:
    """Batches of `target` until one takes fewer rows than asked, each committed alone."""
    while True:
        batch = _one_batch(locations, target, cutoff, batch_size)
        tally.add(batch)
        if batch.taken < batch_size:
            return


def _one_batch(
    locations: DataLocations, target: Target, cutoff: datetime, batch_size: int
) -> Batch:
    if target.tracker:
        assert locations.tracker_engine is not None  # a tracker target exists only then
        return _in_transaction(locations.tracker_engine, target.step, cutoff, batch_size)
    with locations.new_uow() as uow:
        batch = target.step(store_session(uow).connection(), cutoff, batch_size)
        uow.commit()
    return batch


def _in_transaction(engine: Engine, step: Step, cutoff: datetime, batch_size: int) -> Batch:
    connection: Connection
    with engine.begin() as connection:
        return step(connection, cutoff, batch_size)


def purge_now(retention_file: str | None = None) -> PurgeRun:
    """One run over the running product's stores, as of now, with the configured policy."""
    from bot.settings import get_settings

    settings = get_settings()
    path = Path(retention_file or settings.retention_file)
    return purge(default_locations(settings), load_policy(path), now=utcnow())


class RetentionPurger(PeriodicTask):
    """`purge_now` in a thread every `interval_seconds`, the first one interval after `start`
    (a process just started serves its chats first); a failed run is logged and the next
    one tries again (PeriodicTask)."""

    def __init__(self, interval_seconds: float, retention_file: str | None = None) -> None:
        super().__init__(
            self._purge,
            interval_seconds=interval_seconds,
            failure="The retention purge failed; trying again in %(interval)s s.",
            logger=logger,
            first_run_now=False,
        )
        self.retention_file = retention_file

    async def _purge(self) -> None:
        run = await in_thread(purge_now, self.retention_file)
        logger.debug("Retention purge: %d rows removed.", run.removed)
