"""The KPI tables: one fact row per conversation, and a daily rollup of those facts.

Both are derived data: `cim kpis refresh` rebuilds them from the recorded events (tracker
events, the interaction log, handoffs, ratings, NPS answers), so they carry no foreign keys
and can be dropped and rebuilt at any time. The dashboard's aggregates read the rollup
(a few rows per day and dimension), its drill-downs read the facts through their indexes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Column, Date, Index, Integer, String, Table, Text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped

from bot.store.columns import UtcDateTime
from bot.store.models import Base

ANONYMOUS = "anonymous"  # the tier of a conversation whose customer is unknown
UNKNOWN = "unknown"  # intent, type or channel that no event told


class KpiConversation(Base):
    """What happened in one conversation, as the metrics in docs/kpis.md need it."""

    __tablename__ = "kpi_conversations"
    __table_args__ = (
        Index("ix_kpi_conversations_day_started", "day", "started_at"),
        Index("ix_kpi_conversations_started", "started_at"),
        Index("ix_kpi_conversations_customer_started", "customer_id", "started_at"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(128), nullable=False, unique=True)
    started_at: Mapped[datetime] = Column(UtcDateTime, nullable=False)
    ended_at: Mapped[datetime] = Column(UtcDateTime, nullable=False)
    day: Mapped[date] = Column(Date, nullable=False)
    channel: Mapped[str] = Column(String(32), nullable=False, default=UNKNOWN)
    intent: Mapped[str] = Column(String(100), nullable=False, default=UNKNOWN)
    interaction_type: Mapped[str] = Column(String(32), nullable=False, default=UNKNOWN)
    customer_id: Mapped[int | None] = Column(Integer)
    customer_tier: Mapped[str] = Column(String(16), nullable=False, default=ANONYMOUS)
    user_messages: Mapped[int] = Column(Integer, nullable=False, default=0)
    fallbacks: Mapped[int] = Column(Integer, nullable=False, default=0)
    first_response_ms: Mapped[int | None] = Column(Integer)
    handed_off: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    handoff_reason: Mapped[str | None] = Column(String(64))
    queue_seconds: Mapped[int | None] = Column(Integer)
    handle_seconds: Mapped[int | None] = Column(Integer)
    contained: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    false_contained: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    # fallback_exit, negative_exit or returned_24h: why a contained one counts as false.
    false_reason: Mapped[str | None] = Column(String(16))
    bot_resolved: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    human_resolved: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    repeat_7d: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    csat: Mapped[int | None] = Column(Integer)
    nps: Mapped[int | None] = Column(Integer)
    # The CSAT comment through bot/privacy.py, once at refresh: what trainers see and export.
    csat_comment_redacted: Mapped[str | None] = Column(Text)


# The rollup's key: every dimension the dashboard splits by, plus the handoff reason.
ROLLUP_KEYS = ("day", "interaction_type", "intent", "channel", "customer_tier", "handoff_reason")
# Its sums; each is SUM(expression over kpi_conversations), see bot/kpis/refresh.py.
ROLLUP_SUMS = (
    "conversations",
    "contained",
    "false_contained",
    "handed_off",
    "bot_resolved",
    "human_resolved",
    "identified",
    "repeat_7d",
    "user_messages",
    "fallbacks",
    "frt_count",
    "frt_sum_ms",
    "queue_count",
    "queue_sum_s",
    "handle_count",
    "handle_sum_s",
    "csat_count",
    "csat_sum",
    "csat_satisfied",
    "nps_count",
    "nps_promoters",
    "nps_detractors",
)


# Sums of the facts per day and dimension values: a year is ~10^5 rows, not 10^6.
kpi_daily = Table(
    "kpi_daily",
    Base.metadata,
    Column("id", Integer, primary_key=True),
    Column("day", Date, nullable=False),
    Column("interaction_type", String(32), nullable=False),
    Column("intent", String(100), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("customer_tier", String(16), nullable=False),
    Column("handoff_reason", String(64)),
    *(Column(name, BigInteger, nullable=False, default=0) for name in ROLLUP_SUMS),
    Index("ix_kpi_daily_day", "day"),
)


KPI_TABLES = (KpiConversation.__table__, kpi_daily)


_READY: set[str] = set()


def create_kpi_schema(engine: Engine) -> None:
    """Create the KPI tables (and the store's, which the refresh reads) if missing;
    once per engine and process, because the dashboard calls it on every request."""
    key = engine.url.render_as_string(hide_password=False)
    if key not in _READY:
        Base.metadata.create_all(engine)
        _READY.add(key)
