"""The retention run log: one row per purge, the audit evidence that the windows are kept.

A supervisor (or an auditor) reads it to see, run by run, what each category's cutoff was and
how many rows went (bot/customer_data/retention.py writes it; `recent_runs` reads it). It is
itself a category of retention.yml (`retention_runs`), so it does not grow for ever.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Integer, String
from sqlalchemy.orm import Mapped

from bot.store.columns import UtcDateTime, one_of, utcnow
from bot.store.declarative import Base

RUN_OUTCOMES = ("ok", "partial", "failed")


class RetentionRun(Base):
    """A purge: when it ran, the clock it used (`as_of`), and per category what it did.

    `categories` maps a category to `{"cutoff": iso, "removed": {table: rows}, "batches": n,
    "error": text | null}`; `removed` is the run's total, `outcome` "partial" when some
    category failed and the rest were still purged. The log's own window counts from
    `as_of`, the clock the run used.
    """

    __tablename__ = "retention_runs"
    __table_args__ = (one_of("outcome", RUN_OUTCOMES, name="outcome"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    started_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow, index=True)
    finished_at: Mapped[datetime] = Column(UtcDateTime, nullable=False, default=utcnow)
    as_of: Mapped[datetime] = Column(UtcDateTime, nullable=False)
    batch_size: Mapped[int] = Column(Integer, nullable=False)
    policy: Mapped[str] = Column(String(500), nullable=False)
    outcome: Mapped[str] = Column(String(16), nullable=False)
    removed: Mapped[int] = Column(Integer, nullable=False, default=0)
    categories: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)
