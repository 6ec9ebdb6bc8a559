"""`cim kpis seed`: a synthetic year of conversations, straight into the KPI tables.

For measuring the dashboard at scale: the facts are generated (not derived from tracker
events, which would be ~10 rows per conversation), with customers and CSAT ratings so the
drill-down joins real rows. The refresh that derives facts from events is tested on a
month with known outcomes (tests/bot/kpis). PostgreSQL is loaded with COPY, SQLite with
executemany; then the rollup is built in SQL, as the refresh builds it.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.kpis.access import redact_text
from bot.kpis.facts import REPEAT_WINDOW, RETURN_WINDOW
from bot.kpis.refresh import rebuild_rollup
from bot.kpis.schema import ANONYMOUS, KpiConversation, create_kpi_schema, kpi_daily
from bot.store.models import ConversationRating, Customer

FACTS = KpiConversation.__table__
CHUNK = 50_000
# (intent, interaction type, weight, handoff probability)
INTENTS = (
    ("order_status", "service", 30, 0.04),
    ("list_orders", "service", 6, 0.02),
    ("refund_status", "service", 6, 0.08),
    ("reset_password", "service", 4, 0.05),
    ("shipping_policy", "informative", 10, 0.01),
    ("return_policy", "informative", 8, 0.01),
    ("payment_methods", "informative", 4, 0.01),
    ("out_of_scope", "informative", 3, 0.10),
    ("cancel_order", "transactional", 6, 0.10),
    ("change_address", "transactional", 4, 0.10),
    ("request_refund", "transactional", 4, 0.15),
    ("loyalty_points", "relationship", 4, 0.02),
    ("complaint", "conflict", 5, 0.55),
    ("damaged_item", "conflict", 3, 0.45),
    ("late_delivery", "conflict", 4, 0.35),
    ("request_human", "conflict", 3, 0.95),
    ("recommend_product", "sales", 3, 0.01),
)
REASONS = ("explicit_request", "conflict", "repeated_fallback", "negative_words", "failed_action")
CHANNELS = (("web", 70), ("socketio", 25), ("rest", 5))
TIERS = (("standard", 70), ("silver", 18), ("gold", 9), ("vip", 3))
COMMENTS = (
    "Quick and helpful.",
    "Still waiting for my refund, order 123456.",
    "Please call me on +44 20 7946 0958.",
    "<b>great</b> service",
    "Write to me at someone@example.com",
    '=HYPERLINK("http://x")',
    "Das war hilfreich 👍",
)


@dataclass(frozen=True)
class SeedOptions:
    conversations: int = 1_000_000
    customers: int = 50_000
    days: int = 365
    end: date = date(2024, 12, 31)
    random_seed: int = 42


def seed(engine: Engine, options: SeedOptions) -> dict[str, int]:
    """Replace the KPI tables' contents with a synthetic year; returns row counts."""
    create_kpi_schema(engine)
    rng = random.Random(options.random_seed)
    first_customer = _insert_customers(engine, options.customers)
    customers = [(first_customer + n, _pick(rng, TIERS)) for n in range(options.customers)]
    facts = _facts(rng, options, customers)
    with engine.begin() as db:
        db.execute(FACTS.delete())
        db.execute(kpi_daily.delete())
    _load(engine, FACTS, facts)
    ratings = _ratings(facts)
    _load(engine, ConversationRating.__table__, ratings)
    with engine.begin() as db:
        rebuild_rollup(db, None)
    if engine.dialect.name == "postgresql":
        with engine.begin() as db:
            db.execute(sa.text("ANALYZE"))
    return {"conversations": len(facts), "customers": options.customers, "ratings": len(ratings)}


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _insert_customers(engine: Engine, count: int) -> int:
    """Seed customers after any existing ones; returns the first new id."""
    with engine.begin() as db:
        start = int(db.scalar(sa.select(sa.func.coalesce(sa.func.max(Customer.id), 0))) or 0) + 1
    now = datetime(2023, 1, 1, tzinfo=timezone.utc)
    rows = (
        {
            "id": start + n,
            "public_id": f"S{start + n:07d}",
            "first_name": f"Seed{n}",
            "last_name": "Customer",
            "email": f"seed{start + n}@example.com",
            "phone": None,
            "tier": "standard",
            "created_at": now,
        }
        for n in range(count)
    )
    _load(engine, Customer.__table__, list(rows))
    return start


def _facts(
    rng: random.Random, options: SeedOptions, customers: Sequence[tuple[int, str]]
) -> list[dict[str, Any]]:
    first_day = options.end - timedelta(days=options.days - 1)
    weights = [w for _, _, w, _ in INTENTS]
    rows = []
    for n in range(options.conversations):
        day = first_day + timedelta(days=rng.randrange(options.days))
        start = datetime.combine(day, time(), tzinfo=timezone.utc) + timedelta(
            seconds=rng.randrange(86_400)
        )
        intent, kind, _, handoff_p = rng.choices(INTENTS, weights=weights)[0]
        # Some customers come often: an exponential pick over the list, not a uniform one.
        customer = customers[min(int(rng.expovariate(3 / len(customers))), len(customers) - 1)]
        identified = rng.random() < 0.7
        rows.append(
            _conversation(rng, n, start, intent, kind, handoff_p, customer if identified else None)
        )
    _follow_ups(rows)
    return rows


def _conversation(
    rng: random.Random,
    n: int,
    start: datetime,
    intent: str,
    kind: str,
    handoff_p: float,
    customer: tuple[int, str] | None,
) -> dict[str, Any]:
    messages = 1 + int(rng.expovariate(0.4))
    fallbacks = sum(rng.random() < 0.08 for _ in range(messages))
    handed = rng.random() < handoff_p + 0.05 * fallbacks
    assigned = handed and rng.random() < 0.85
    resolved = assigned and rng.random() < 0.95
    queue_s = int(rng.expovariate(1 / 180)) if assigned else None
    handle_s = int(rng.expovariate(1 / 420)) + 30 if resolved else None
    duration = 20 + messages * 25 + (queue_s or 0) + (handle_s or 0)
    exit_reason = None
    if not handed and rng.random() < 0.10:
        exit_reason = rng.choice(("fallback_exit", "negative_exit"))
    csat = _rating(rng, handed, exit_reason) if rng.random() < 0.15 else None
    comment = rng.choice(COMMENTS) if csat is not None and rng.random() < 0.4 else None
    return {
        "conversation_id": f"seed-{n:08d}",
        "started_at": start,
        "ended_at": start + timedelta(seconds=duration),
        "day": start.date(),
        "channel": _pick(rng, CHANNELS),
        "intent": intent,
        "interaction_type": kind,
        "customer_id": customer[0] if customer else None,
        "customer_tier": customer[1] if customer else ANONYMOUS,
        "user_messages": messages,
        "fallbacks": fallbacks,
        "first_response_ms": int(300 + rng.expovariate(1 / 400)),
        "handed_off": handed,
        "handoff_reason": rng.choice(REASONS) if handed else None,
        "queue_seconds": queue_s,
        "handle_seconds": handle_s,
        "contained": not handed,
        "false_reason": exit_reason,
        "human_resolved": resolved and rng.random() < 0.8,
        "csat": csat,
        "nps": rng.randrange(11) if customer and rng.random() < 0.03 else None,
        "csat_comment": comment,  # goes to conversation_ratings
        # The seeded comments name nobody, so the customer's name is not passed here.
        "csat_comment_redacted": _redacted(comment),
    }


@cache
def _redacted(comment: str | None) -> str | None:
    return redact_text(comment)


def _rating(rng: random.Random, handed: bool, exit_reason: str | None) -> int:
    if exit_reason is not None:
        return rng.choice((1, 1, 2, 3))
    return rng.choice((3, 4, 5, 5, 5)) if not handed else rng.choice((1, 2, 3, 4, 5, 5))


def _follow_ups(rows: list[dict[str, Any]]) -> None:
    """The same 24-hour and 7-day rules as bot/kpis/facts.py, in one pass per customer."""
    rows.sort(key=lambda r: (r["customer_id"] or 0, r["started_at"]))
    for index, row in enumerate(rows):
        later, after = [], index + 1
        while after < len(rows) and row["customer_id"] is not None:
            other = rows[after]
            if other["customer_id"] != row["customer_id"]:
                break
            if other["started_at"] > row["ended_at"] + REPEAT_WINDOW:
                break
            later.append(other)
            after += 1
        row["repeat_7d"] = any(o["started_at"] <= row["started_at"] + REPEAT_WINDOW for o in later)
        returned = any(
            o["intent"] == row["intent"] and o["started_at"] <= row["ended_at"] + RETURN_WINDOW
            for o in later
            if o["started_at"] > row["ended_at"]
        )
        if row["contained"] and row["false_reason"] is None and returned:
            row["false_reason"] = "returned_24h"
        row["false_contained"] = row["contained"] and row["false_reason"] is not None
        row["bot_resolved"] = row["contained"] and not row["false_contained"]
    rows.sort(key=lambda r: r["started_at"])


def _ratings(facts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "conversation_id": f["conversation_id"],
            "customer_id": f["customer_id"],
            "rating": f["csat"],
            "comment": f["csat_comment"],
            "channel": f["channel"],
            "created_at": f["ended_at"] + timedelta(seconds=5),
        }
        for f in facts
        if f["csat"] is not None
    ]


def _load(engine: Engine, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = [c.name for c in table.columns if c.name in rows[0]]
    if engine.dialect.name == "postgresql":
        _copy(engine, table, columns, rows)
        return
    with engine.begin() as db:
        for chunk in _chunks(rows):
            db.execute(table.insert(), chunk)


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _copy(engine: Engine, table: sa.Table, columns: list[str], rows: list[dict[str, Any]]) -> None:
    """COPY ... FROM STDIN in CSV, a chunk at a time; NULL is the unquoted empty field."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        statement = (
            f"COPY {table.name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '')"
        )
        for chunk in _chunks(rows):
            buffer = io.StringIO()
            writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
            for row in chunk:
                writer.writerow([_csv_value(row[c]) for c in columns])
            buffer.seek(0)
            cursor.copy_expert(statement, buffer)
        raw.commit()
    finally:
        raw.close()


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return value
