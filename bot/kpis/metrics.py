"""The metrics of docs/kpis.md, over a date range and split by one dimension.

Aggregates come from the daily rollup (counts only, no customer data); the drill-down
lists the fact rows behind a number, newest first, with the customer joined in for the
caller to show or redact (bot/kpis/access.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.kpis.schema import ROLLUP_SUMS, KpiConversation, kpi_daily
from bot.store.models import ConversationRating, Customer

FACTS = KpiConversation.__table__
DIMENSIONS = ("interaction_type", "intent", "channel", "customer_tier", "day", "handoff_reason")
DIMENSION_LABELS = {
    "interaction_type": "Interaction type",
    "intent": "Intent",
    "channel": "Channel",
    "customer_tier": "Customer tier",
    "day": "Day",
    "handoff_reason": "Handoff reason",
}
# What a number on the dashboard counts, as a condition on the facts (drill-down).
DRILLS: dict[str, Any] = {
    "conversations": sa.true(),
    "contained": FACTS.c.contained,
    "false_contained": FACTS.c.false_contained,
    "handed_off": FACTS.c.handed_off,
    "bot_resolved": FACTS.c.bot_resolved,
    "human_resolved": FACTS.c.human_resolved,
    "not_resolved_by_human": sa.and_(FACTS.c.handed_off, sa.not_(FACTS.c.human_resolved)),
    "with_fallback": FACTS.c.fallbacks > 0,
    "repeat_7d": FACTS.c.repeat_7d,
    "rated": FACTS.c.csat.is_not(None),
    "unsatisfied": FACTS.c.csat <= 3,
    "nps_answered": FACTS.c.nps.is_not(None),
    "nps_detractors": FACTS.c.nps <= 6,
    "nps_promoters": FACTS.c.nps >= 9,
}
PAGE_SIZE = 50


@dataclass(frozen=True)
class Sums:
    """The rollup's sums for one group, with the metrics as ratios of them."""

    values: Mapping[str, int]

    def __getitem__(self, name: str) -> int:
        return int(self.values.get(name) or 0)

    def ratio(self, part: str, whole: str, scale: float = 1.0) -> float | None:
        return None if not self[whole] else self[part] * scale / self[whole]

    def metrics(self) -> dict[str, float | None]:
        """Each metric of docs/kpis.md; None where its denominator is zero."""
        nps = self.ratio("nps_promoters", "nps_count", 100.0)
        return {
            "conversations": float(self["conversations"]),
            "csat": self.ratio("csat_satisfied", "csat_count", 100.0),
            "csat_mean": self.ratio("csat_sum", "csat_count"),
            "nps": None
            if nps is None
            else nps - (self.ratio("nps_detractors", "nps_count", 100.0) or 0.0),
            "containment_rate": self.ratio("contained", "conversations"),
            "false_containment_rate": self.ratio("false_contained", "contained"),
            "handoff_rate": self.ratio("handed_off", "conversations"),
            "fallback_rate": self.ratio("fallbacks", "user_messages"),
            "first_response_s": self.ratio("frt_sum_ms", "frt_count", 0.001),
            "queue_s": self.ratio("queue_sum_s", "queue_count"),
            "handle_s": self.ratio("handle_sum_s", "handle_count"),
            "bot_resolution_rate": self.ratio("bot_resolved", "conversations"),
            "human_resolution_rate": self.ratio("human_resolved", "handed_off"),
            "repeat_rate": self.ratio("repeat_7d", "identified"),
        }


@dataclass(frozen=True)
class Group:
    key: str
    sums: Sums


def _key(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return "—" if value is None else str(value)


def summary(db: Connection, *, start: date, end: date, by: str | None = None) -> list[Group]:
    """Sums over start..end (inclusive), one group per value of `by` (or one in all)."""
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r}")
    sums = [sa.func.coalesce(sa.func.sum(kpi_daily.c[n]), 0).label(n) for n in ROLLUP_SUMS]
    where = kpi_daily.c.day.between(start, end)
    if by is None:
        row = db.execute(sa.select(*sums).where(where)).one()
        return [Group("all", Sums(dict(row._mapping)))]
    column = kpi_daily.c[by]
    query = sa.select(column.label("key"), *sums).where(where).group_by(column).order_by(column)
    return [Group(_key(r.key), Sums(dict(r._mapping))) for r in db.execute(query)]


@dataclass(frozen=True)
class Drill:
    """Which conversations a number stands for."""

    start: date
    end: date
    metric: str = "conversations"
    dimension: str | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        if self.metric not in DRILLS:
            raise ValueError(f"unknown metric {self.metric!r}")
        if self.dimension is not None and self.dimension not in DIMENSIONS:
            raise ValueError(f"unknown dimension {self.dimension!r}")
        if self.end < self.start:
            raise ValueError("the range ends before it starts")
        if self.dimension == "day" and self.value not in (None, "", "—"):
            date.fromisoformat(str(self.value))  # ValueError for anything but a date

    def where(self) -> list[Any]:
        conditions = [FACTS.c.day.between(self.start, self.end), DRILLS[self.metric]]
        if self.dimension is not None:
            conditions.append(self._dimension_condition())
        return conditions

    def _dimension_condition(self) -> Any:
        assert self.dimension is not None
        column = FACTS.c[self.dimension]
        if self.value in (None, "", "—"):
            return column.is_(None)
        if self.dimension == "day":
            return column == date.fromisoformat(str(self.value))
        return column == self.value


DRILL_COLUMNS = (
    "conversation_id",
    "started_at",
    "day",
    "interaction_type",
    "intent",
    "channel",
    "customer_tier",
    "user_messages",
    "fallbacks",
    "handed_off",
    "handoff_reason",
    "contained",
    "false_reason",
    "bot_resolved",
    "human_resolved",
    "repeat_7d",
    "csat",
    "nps",
)


def drill_select(
    drill: Drill, columns: Sequence[Any], *, limit: int, offset: int = 0
) -> sa.sql.Select:
    """`columns` of the facts behind a number (with the customer and the CSAT comment
    joined in), newest first."""
    return (
        sa.select(*columns)
        .select_from(
            FACTS.outerjoin(Customer.__table__, Customer.id == FACTS.c.customer_id).outerjoin(
                ConversationRating.__table__,
                ConversationRating.conversation_id == FACTS.c.conversation_id,
            )
        )
        .where(*drill.where())
        .order_by(FACTS.c.started_at.desc(), FACTS.c.id.desc())
        .limit(limit)
        .offset(offset)
    )


CUSTOMER_NAME = (Customer.first_name + " " + Customer.last_name).label("customer_name")
JOINED_COLUMNS: dict[str, Any] = {
    "customer_public_id": Customer.public_id,
    "customer_name": CUSTOMER_NAME,
    "customer_email": Customer.email,
    "csat_comment": ConversationRating.comment,
}


def conversations(
    db: Connection, drill: Drill, *, limit: int = PAGE_SIZE, offset: int = 0
) -> list[dict[str, Any]]:
    """The facts behind a number, newest first, with the customer and CSAT comment."""
    columns = [
        *(FACTS.c[n] for n in DRILL_COLUMNS),
        *(column.label(name) for name, column in JOINED_COLUMNS.items()),
        FACTS.c.id.label("fact_id"),  # a trainer's reference instead of the conversation id
    ]
    query = drill_select(drill, columns, limit=limit, offset=offset)
    return [dict(row._mapping) for row in db.execute(query)]


def count(db: Connection, drill: Drill) -> int:
    return int(db.scalar(sa.select(sa.func.count()).select_from(FACTS).where(*drill.where())) or 0)


def ranges(groups: Sequence[Group], metric: str) -> list[tuple[str, float | None]]:
    return [(group.key, group.sums.metrics()[metric]) for group in groups]
