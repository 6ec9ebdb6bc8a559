"""The retention run log, written and read: the audit evidence of every purge.

One row per run (bot/store/retention_models.py). `purge` writes it when the run ends, with
per category the cutoff it used, what it removed per table, in how many batches and any
error; supervisors read it through `recent_runs` (the console's endpoint, `cim privacy`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from bot.customer_data.locations import DataLocations
from bot.store.retention_models import RetentionRun
from bot.store.unit_of_work import AbstractUnitOfWork, SqlAlchemyUnitOfWork


@dataclass(frozen=True)
class CategoryResult:
    """What one category's purge did; `cutoff` None for a category not purged by age."""

    category: str
    cutoff: datetime | None
    removed: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    error: str | None = None

    @property
    def total(self) -> int:
        return sum(self.removed.values())

    def as_json(self) -> dict[str, Any]:
        cutoff = self.cutoff.isoformat() if self.cutoff else None
        return {
            "cutoff": cutoff,
            "removed": dict(self.removed),
            "batches": self.batches,
            "error": self.error,
        }


@dataclass(frozen=True)
class PurgeRun:
    """One run: the clock it used (`as_of`), when it ran, and per category what it did."""

    as_of: datetime
    started_at: datetime
    finished_at: datetime
    batch_size: int
    policy: str
    categories: dict[str, CategoryResult]
    id: int | None = None

    @property
    def removed(self) -> int:
        return sum(result.total for result in self.categories.values())

    @property
    def outcome(self) -> str:
        failed = [r for r in self.categories.values() if r.error]
        if not failed:
            return "ok"
        return "failed" if len(failed) == len(self.categories) else "partial"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "as_of": self.as_of.isoformat(),
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "batch_size": self.batch_size,
            "policy": self.policy,
            "outcome": self.outcome,
            "removed": self.removed,
            "categories": {name: r.as_json() for name, r in self.categories.items()},
        }


def record_run(uow: AbstractUnitOfWork, run: PurgeRun) -> PurgeRun:
    """`run` written to the run log (committed); returned with its id."""
    with uow:
        row = RetentionRun(
            as_of=run.as_of,
            started_at=run.started_at,
            finished_at=run.finished_at,
            batch_size=run.batch_size,
            policy=run.policy[:500],
            outcome=run.outcome,
            removed=run.removed,
            categories={name: r.as_json() for name, r in run.categories.items()},
        )
        session = store_session(uow)
        session.add(row)
        session.flush()
        run_id = row.id
        uow.commit()
    return replace(run, id=run_id)


def recent_runs(where: AbstractUnitOfWork | DataLocations, limit: int = 20) -> list[PurgeRun]:
    """The latest `limit` runs, newest first (what a supervisor is shown); `where` is a unit
    of work over the store, or the locations whose store it is."""
    uow = where.new_uow() if isinstance(where, DataLocations) else where
    with uow:
        query = sa.select(RetentionRun).order_by(RetentionRun.id.desc()).limit(limit)
        return [_view(row) for row in store_session(uow).scalars(query)]


def store_session(uow: AbstractUnitOfWork) -> Session:
    """The session of a unit of work over SQLAlchemy (retention speaks SQL to the store)."""
    if not isinstance(uow, SqlAlchemyUnitOfWork):
        raise TypeError("retention needs the SQLAlchemy unit of work")
    return uow.session


def _view(row: RetentionRun) -> PurgeRun:
    categories = {
        name: CategoryResult(
            category=name,
            cutoff=datetime.fromisoformat(entry["cutoff"]) if entry.get("cutoff") else None,
            removed={table: int(n) for table, n in entry.get("removed", {}).items()},
            batches=int(entry.get("batches", 0)),
            error=entry.get("error"),
        )
        for name, entry in (row.categories or {}).items()
    }
    return PurgeRun(
        as_of=row.as_of,
        started_at=row.started_at,
        finished_at=row.finished_at,
        batch_size=row.batch_size,
        policy=row.policy,
        categories=categories,
        id=row.id,
    )
