"""A synthetic month of conversations with known outcomes, written as the product writes
them: Rasa events in the tracker's `events` table (rows made from real Rasa `Event`s, as
SQLTrackerStore.save makes them), the interaction log, handoffs through the queue
services, ratings through the ratings service, NPS through the NPS service.

Each conversation carries its expected outcome (`Truth`), set by the scenario that wrote
it, never read back from the KPI code; `expected_sums` tallies them per dimension.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.kpis.nps import NpsPolicy, mark_asked, record_answer
from bot.services import queue
from bot.services.interactions import log_interaction
from bot.services.ratings import record_rating
from bot.store.models import Customer, Handoff, Interaction
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tests.bot.services.queue_factories import ALWAYS_OPEN, decision

MONTH_START = datetime(2024, 3, 1, tzinfo=timezone.utc)
DAYS = 30
TIERS = ("standard", "silver", "gold", "vip")
EVERYONE = NpsPolicy(share_percent=100, every_days=1)


@dataclass
class Truth:
    """What the test knows about one conversation because it wrote it that way."""

    conversation_id: str
    start: datetime
    end: datetime
    intent: str
    interaction_type: str
    channel: str
    customer: int | None
    tier: str
    user_messages: int
    fallbacks: int
    first_response_ms: int
    handed_off: bool = False
    reason: str | None = None
    queue_s: int | None = None
    handle_s: int | None = None
    human_solved: bool = False
    exit_bad: bool = False  # left right after a fallback or a negative message
    csat: int | None = None
    nps: int | None = None
    returned: bool = False  # set by `mark_returns`
    repeat: bool = False


@dataclass
class Month:
    truths: list[Truth] = field(default_factory=list)
    customers: dict[int, str] = field(default_factory=dict)


def tracker_rows(sender: str, events: Iterable[Event]) -> list[dict[str, Any]]:
    """The rows SQLTrackerStore.save writes for these events."""
    rows = []
    for event in events:
        data = event.as_dict()
        rows.append(
            {
                "sender_id": sender,
                "type_name": event.type_name,
                "timestamp": data.get("timestamp"),
                "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                "action_name": data.get("name"),
                "data": json.dumps(data),
            }
        )
    return rows


def create_tracker_table(engine: Engine) -> None:
    SQLTrackerStore.SQLEvent.__table__.create(engine, checkfirst=True)


def _user(text: str, intent: str, at: datetime, channel: str) -> UserUttered:
    return UserUttered(
        text,
        intent={"name": intent, "confidence": 0.9},
        timestamp=at.timestamp(),
        input_channel=channel,
    )


@dataclass
class Writer:
    factory: sessionmaker
    engine: Engine
    rows: list[dict[str, Any]] = field(default_factory=list)

    def uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self.factory)

    def flush(self) -> None:
        table = SQLTrackerStore.SQLEvent.__table__
        with self.engine.begin() as connection:
            connection.execute(table.insert(), self.rows)
        self.rows.clear()


# --- scenarios: each writes one conversation and returns its truth ------------------------------
Scenario = Callable[[Writer, Truth], Truth]


def _opening(w: Writer, t: Truth, text: str, *, reply_after: float = 2.0) -> list[Event]:
    """The first turn; an identified customer's id reaches the slot as actions set it."""
    at = t.start.timestamp()
    known = [SlotSet("customer_id", str(t.customer), timestamp=at + 0.5)] if t.customer else []
    return [
        ActionExecuted("action_session_start", timestamp=at - 1),
        _user(text, t.intent, t.start, t.channel),
        *known,
        ActionExecuted("utter_answer", timestamp=at + reply_after - 0.1),
        BotUttered("Here you go.", timestamp=at + reply_after),
    ]


def resolved(w: Writer, t: Truth) -> Truth:
    events = _opening(w, t, "where is my parcel?", reply_after=t.first_response_ms / 1000)
    thanks = t.start + timedelta(seconds=40)
    events += [_user("thanks!", "thanks", thanks, t.channel)]
    events += [BotUttered("You're welcome.", timestamp=thanks.timestamp() + 1)]
    w.rows += tracker_rows(t.conversation_id, events)
    log_interaction(
        w.uow(),
        conversation_id=t.conversation_id,
        customer_id=t.customer,
        intent=t.intent,
        interaction_type=t.interaction_type,
        action="action_order_status",
        outcome="answered",
    )
    with w.uow() as uow:  # the log stamps the wall clock; this month is in the past
        uow.session.execute(
            sa.update(Interaction)
            .where(Interaction.conversation_id == t.conversation_id)
            .values(created_at=t.start + timedelta(seconds=2))
        )
        uow.commit()
    return replace(t, end=thanks + timedelta(seconds=1), user_messages=2)


def fallback_exit(w: Writer, t: Truth) -> Truth:
    events = _opening(w, t, "where is my parcel?", reply_after=t.first_response_ms / 1000)
    later = t.start + timedelta(seconds=30)
    events += [
        _user("blorf quux zzz", "nlu_fallback", later, t.channel),
        ActionExecuted("action_default_fallback", timestamp=later.timestamp() + 0.5),
        BotUttered("Sorry, I didn't get that.", timestamp=later.timestamp() + 1),
    ]
    w.rows += tracker_rows(t.conversation_id, events)
    return replace(t, end=later + timedelta(seconds=1), user_messages=2, fallbacks=1, exit_bad=True)


def negative_exit(w: Writer, t: Truth) -> Truth:
    events = _opening(w, t, "my order?", reply_after=t.first_response_ms / 1000)
    later = t.start + timedelta(seconds=50)
    events += [
        _user("this is useless", t.intent, later, t.channel),
        BotUttered("I'm sorry to hear that.", timestamp=later.timestamp() + 1),
    ]
    w.rows += tracker_rows(t.conversation_id, events)
    return replace(t, end=later + timedelta(seconds=1), user_messages=2, exit_bad=True)


def _handoff(w: Writer, t: Truth, reason: str, queue_s: int | None, handle_s: int | None) -> int:
    queued = t.start + timedelta(seconds=10)
    ticket = queue.enqueue(
        w.uow(),
        conversation_id=t.conversation_id,
        customer_id=t.customer,
        decision=decision("conflict", code=reason),
        interaction_type=t.interaction_type,
        intent=t.intent,
        now=queued,
        policy=ALWAYS_OPEN,
    )
    with w.uow() as uow:
        row = uow.session.get(Handoff, ticket.handoff.id)
        assert row is not None
        row.reasons = [reason]
        if queue_s is not None:
            row.assigned_at = queued + timedelta(seconds=queue_s)
        if handle_s is not None and row.assigned_at is not None:
            row.resolved_at = row.assigned_at + timedelta(seconds=handle_s)
        uow.commit()
    return ticket.handoff.id


def handed_off(solved: bool, reason: str, queue_s: int | None, handle_s: int | None) -> Scenario:
    def write(w: Writer, t: Truth) -> Truth:
        events = _opening(w, t, "I want a person", reply_after=t.first_response_ms / 1000)
        w.rows += tracker_rows(t.conversation_id, events)
        handoff = _handoff(w, t, reason, queue_s, handle_s)
        with w.uow() as uow:
            row = uow.session.get(Handoff, handoff)
            assert row is not None
            row.state = "resolved" if handle_s is not None else "abandoned"
            row.disposition = ("solved" if solved else "not_solved") if handle_s else None
            uow.commit()
        times = [t.start + timedelta(seconds=2), t.start + timedelta(seconds=10)]
        if queue_s is not None:
            times.append(t.start + timedelta(seconds=10 + queue_s + (handle_s or 0)))
        return replace(
            t,
            end=max(times),
            user_messages=1,
            handed_off=True,
            reason=reason,
            queue_s=queue_s,
            handle_s=handle_s,
            human_solved=solved and handle_s is not None,
        )

    return write


SCENARIOS: dict[str, Scenario] = {
    "resolved": resolved,
    "fallback_exit": fallback_exit,
    "negative_exit": negative_exit,
    "solved": handed_off(True, "explicit_request", 60, 300),
    "not_solved": handed_off(False, "repeated_fallback", 120, 600),
    "abandoned": handed_off(False, "negative_words", None, None),
}
# (scenario, intent, type, channel) in turn; customers rotate separately.
PLAN = (
    ("resolved", "order_status", "service", "web"),
    ("resolved", "order_status", "service", "socketio"),
    ("fallback_exit", "order_status", "service", "web"),
    ("solved", "complaint", "conflict", "web"),
    ("negative_exit", "late_delivery", "conflict", "socketio"),
    ("resolved", "shipping_policy", "informative", "web"),
    ("not_solved", "damaged_item", "conflict", "web"),
    ("abandoned", "complaint", "conflict", "socketio"),
    ("resolved", "loyalty_points", "relationship", "web"),
)


def create_customers(factory: sessionmaker, count: int) -> dict[int, str]:
    tiers = {}
    with SqlAlchemyUnitOfWork(factory) as uow:
        for n in range(count):
            customer = Customer(
                public_id=f"K{n:04d}",
                first_name=f"Kim{n}",
                last_name="Tester",
                email=f"kim{n}@example.com",
                tier=TIERS[n % len(TIERS)],
            )
            uow.customers.add(customer)
            uow.session.flush()
            tiers[customer.id] = customer.tier
        uow.commit()
    return tiers


def write_month(
    factory: sessionmaker, engine: Engine, *, customers: int = 7, days: int = DAYS
) -> Month:
    """`days` days (DAYS: a month), 3 or 4 conversations a day, a fixed mix of outcomes; one
    in five is anonymous. Some customers come back within a day with the same intent, or
    within a week."""
    create_tracker_table(engine)
    month = Month(customers=create_customers(factory, customers))
    ids = sorted(month.customers)
    writer = Writer(factory, engine)
    n = 0
    for day in range(days):
        for slot in range(3 + day % 2):
            name, intent, kind, channel = PLAN[n % len(PLAN)]
            # Two conversations in a row share a customer, so some come back the same day.
            customer = None if n % 5 == 4 else ids[(n // 2) % len(ids)]
            start = MONTH_START + timedelta(days=day, hours=8 + slot * 3, minutes=n % 50)
            truth = Truth(
                conversation_id=f"month-{n:04d}",
                start=start,
                end=start,
                intent=intent,
                interaction_type=kind,
                channel=channel,
                customer=customer,
                tier=month.customers.get(customer, "anonymous") if customer else "anonymous",
                user_messages=0,
                fallbacks=0,
                first_response_ms=1000 + 250 * (n % 7),
            )
            truth = SCENARIOS[name](writer, truth)
            truth = _feedback(writer, truth, n)
            month.truths.append(truth)
            n += 1
    writer.flush()
    mark_returns(month.truths)
    return month


def _feedback(w: Writer, t: Truth, n: int) -> Truth:
    """Every second conversation is rated; every third identified one answers NPS."""
    if n % 2 == 0:
        rating = 1 + n % 5
        record_rating(
            w.uow(),
            conversation_id=t.conversation_id,
            rating=rating,
            comment=f"comment {n}",
            now=t.end + timedelta(seconds=5),
        )
        t = replace(t, csat=rating)
    if t.customer is not None and n % 3 == 0:
        asked = mark_asked(
            w.uow(),
            customer_id=t.customer,
            conversation_id=t.conversation_id,
            now=t.end + timedelta(seconds=6),
            policy=EVERYONE,
        )
        if asked is not None:
            score = n % 11
            record_answer(
                w.uow(),
                customer_id=t.customer,
                score=score,
                now=t.end + timedelta(seconds=7),
                policy=EVERYONE,
            )
            t = replace(t, nps=score)
    return t


def mark_returns(truths: list[Truth]) -> None:
    """The test's own reading of the 24-hour and 7-day rules, conversation by conversation."""
    for t in truths:
        if t.customer is None:
            continue
        others = [o for o in truths if o.customer == t.customer and o is not t]
        t.repeat = any(t.start < o.start <= t.start + timedelta(days=7) for o in others)
        t.returned = any(
            o.intent == t.intent and t.end < o.start <= t.end + timedelta(hours=24) for o in others
        )


def contained(t: Truth) -> bool:
    return not t.handed_off


def falsely_contained(t: Truth) -> bool:
    return contained(t) and (t.exit_bad or t.returned)


def dimension_value(t: Truth, dimension: str) -> str:
    return {
        "interaction_type": t.interaction_type,
        "intent": t.intent,
        "channel": t.channel,
        "customer_tier": t.tier,
        "day": t.start.date().isoformat(),
        "handoff_reason": t.reason or "—",
    }[dimension]


def expected_sums(truths: Iterable[Truth], dimension: str | None) -> dict[str, dict[str, int]]:
    """The rollup's sums, tallied from the truths: key -> sum name -> value."""
    tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for t in truths:
        s = tally["all" if dimension is None else dimension_value(t, dimension)]
        s["conversations"] += 1
        s["contained"] += contained(t)
        s["false_contained"] += falsely_contained(t)
        s["handed_off"] += t.handed_off
        s["bot_resolved"] += contained(t) and not falsely_contained(t)
        s["human_resolved"] += t.human_solved
        s["identified"] += t.customer is not None
        s["repeat_7d"] += t.repeat
        s["user_messages"] += t.user_messages
        s["fallbacks"] += t.fallbacks
        s["frt_count"] += 1
        s["frt_sum_ms"] += t.first_response_ms
        s["queue_count"] += t.queue_s is not None
        s["queue_sum_s"] += t.queue_s or 0
        s["handle_count"] += t.handle_s is not None
        s["handle_sum_s"] += t.handle_s or 0
        s["csat_count"] += t.csat is not None
        s["csat_sum"] += t.csat or 0
        s["csat_satisfied"] += (t.csat or 0) >= 4
        s["nps_count"] += t.nps is not None
        s["nps_promoters"] += t.nps is not None and t.nps >= 9
        s["nps_detractors"] += t.nps is not None and t.nps <= 6
    return {key: dict(values) for key, values in tally.items()}


def month_days() -> tuple[date, date]:
    return MONTH_START.date(), (MONTH_START + timedelta(days=DAYS - 1)).date()


def count_rows(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)
