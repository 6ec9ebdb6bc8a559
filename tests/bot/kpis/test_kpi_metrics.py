"""Every metric of docs/kpis.md over a synthetic month with known outcomes, on SQLite and
PostgreSQL: the refresh reads what the product recorded, and each number on the dashboard
must equal the test's own tally of what it wrote (tests/bot/kpis/synthetic.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.kpis.access import FULL, REDACTED
from bot.kpis.export import export_conversations
from bot.kpis.metrics import DIMENSIONS, Drill, conversations, count, summary
from bot.kpis.refresh import refresh
from bot.kpis.schema import ROLLUP_SUMS, KpiConversation
from bot.store.db import create_schema, get_engine, session_factory
from tests.bot.kpis import synthetic
from tests.bot.kpis.synthetic import Month, Truth, contained, falsely_contained
from tools.seed.databases import BACKENDS, temporary_database


@dataclass
class Seeded:
    engine: Engine
    factory: sessionmaker
    month: Month


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request: pytest.FixtureRequest) -> Iterator[Seeded]:
    with temporary_database(request.param) as url:
        engine = get_engine(url)
        create_schema(engine)
        factory = session_factory(url)
        month = synthetic.write_month(factory, engine)
        result = refresh(engine, engine)
        assert result.conversations == len(month.truths)
        yield Seeded(engine, factory, month)


def _actual(seeded: Seeded, dimension: str | None) -> dict[str, dict[str, int]]:
    start, end = synthetic.month_days()
    with seeded.engine.connect() as db:
        groups = summary(db, start=start, end=end, by=dimension)
    return {g.key: {n: g.sums[n] for n in ROLLUP_SUMS} for g in groups}


def _expected(truths: list[Truth], dimension: str | None) -> dict[str, dict[str, int]]:
    tallied = synthetic.expected_sums(truths, dimension)
    return {key: {n: int(sums.get(n, 0)) for n in ROLLUP_SUMS} for key, sums in tallied.items()}


def test_the_month_has_every_kind_of_outcome(seeded: Seeded) -> None:
    truths = seeded.month.truths
    assert any(t.returned and contained(t) for t in truths)
    assert any(t.exit_bad for t in truths) and any(t.handed_off for t in truths)
    assert any(t.nps is not None for t in truths) and any(t.csat for t in truths)
    assert any(t.customer is None for t in truths) and any(t.repeat for t in truths)


@pytest.mark.parametrize("dimension", [None, *DIMENSIONS])
def test_every_sum_matches_the_known_outcomes(seeded: Seeded, dimension: str | None) -> None:
    assert _actual(seeded, dimension) == _expected(seeded.month.truths, dimension)


def test_each_metric_equals_its_formula_over_the_known_outcomes(seeded: Seeded) -> None:
    t = seeded.month.truths
    n = len(t)
    handed = [x for x in t if x.handed_off]
    kept = [x for x in t if contained(x)]
    rated = [x.csat for x in t if x.csat is not None]
    answered = [x.nps for x in t if x.nps is not None]
    identified = [x for x in t if x.customer is not None]
    queued = [x.queue_s for x in handed if x.queue_s is not None]
    handled = [x.handle_s for x in handed if x.handle_s is not None]
    expected = {
        "conversations": n,
        "csat": 100 * sum(r >= 4 for r in rated) / len(rated),
        "csat_mean": sum(rated) / len(rated),
        "nps": 100
        * (sum(s >= 9 for s in answered) - sum(s <= 6 for s in answered))
        / len(answered),
        "containment_rate": len(kept) / n,
        "false_containment_rate": sum(falsely_contained(x) for x in t) / len(kept),
        "handoff_rate": len(handed) / n,
        "fallback_rate": sum(x.fallbacks for x in t) / sum(x.user_messages for x in t),
        "first_response_s": sum(x.first_response_ms for x in t) / n / 1000,
        "queue_s": sum(queued) / len(queued),
        "handle_s": sum(handled) / len(handled),
        "bot_resolution_rate": sum(contained(x) and not falsely_contained(x) for x in t) / n,
        "human_resolution_rate": sum(x.human_solved for x in handed) / len(handed),
        "repeat_rate": sum(x.repeat for x in identified) / len(identified),
    }
    start, end = synthetic.month_days()
    with seeded.engine.connect() as db:
        actual = summary(db, start=start, end=end)[0].sums.metrics()
    assert actual == pytest.approx(expected)


@pytest.mark.parametrize(
    ("drill", "wanted"),
    [
        ("false_contained", falsely_contained),
        ("handed_off", lambda t: t.handed_off),
        ("repeat_7d", lambda t: t.repeat),
        ("unsatisfied", lambda t: t.csat is not None and t.csat <= 3),
    ],
)
def test_a_drill_down_lists_exactly_the_conversations_behind_the_number(
    seeded: Seeded, drill: str, wanted: object
) -> None:
    start, end = synthetic.month_days()
    expected = {t.conversation_id for t in seeded.month.truths if wanted(t)}  # type: ignore[operator]
    with seeded.engine.connect() as db:
        rows = conversations(db, Drill(start, end, drill), limit=10_000)
        assert count(db, Drill(start, end, drill)) == len(expected)
    assert {r["conversation_id"] for r in rows} == expected
    assert [r["started_at"] for r in rows] == sorted((r["started_at"] for r in rows), reverse=True)


def test_a_drill_down_by_dimension_filters_by_its_value(seeded: Seeded) -> None:
    start, end = synthetic.month_days()
    drill = Drill(start, end, "handed_off", "handoff_reason", "explicit_request")
    expected = {t.conversation_id for t in seeded.month.truths if t.reason == "explicit_request"}
    with seeded.engine.connect() as db:
        rows = conversations(db, drill, limit=10_000)
    assert {r["conversation_id"] for r in rows} == expected
    assert all(r["customer_email"] is None or "@" in r["customer_email"] for r in rows)


def test_a_range_counts_only_its_days(seeded: Seeded) -> None:
    start, _ = synthetic.month_days()
    week = [t for t in seeded.month.truths if t.start.date() <= start + timedelta(days=6)]
    with seeded.engine.connect() as db:
        total = summary(db, start=start, end=start + timedelta(days=6))[0]
    assert total.sums["conversations"] == len(week)
    assert total.sums["handed_off"] == sum(t.handed_off for t in week)


def test_an_incremental_refresh_sees_a_customer_come_back(seeded: Seeded) -> None:
    """A new conversation with the same intent within 24 h turns the last one false."""
    month = seeded.month
    last = next(
        t
        for t in reversed(month.truths)
        if t.customer and not falsely_contained(t) and contained(t)
    )
    comeback = replace(
        last,
        conversation_id="month-comeback",
        start=last.end + timedelta(hours=2),
        end=last.end + timedelta(hours=2),
        first_response_ms=1000,
    )
    writer = synthetic.Writer(seeded.factory, seeded.engine)
    synthetic.resolved(writer, comeback)
    writer.flush()
    try:
        refresh(seeded.engine, seeded.engine)
        with seeded.engine.connect() as db:
            facts = KpiConversation.__table__
            row = db.execute(
                sa.select(facts.c.false_reason, facts.c.repeat_7d, facts.c.bot_resolved).where(
                    facts.c.conversation_id == last.conversation_id
                )
            ).one()
        assert tuple(row) == ("returned_24h", True, False)
    finally:
        _forget(seeded, "month-comeback")
        refresh(seeded.engine, seeded.engine, since=last.start - timedelta(days=8))


def _forget(seeded: Seeded, conversation_id: str) -> None:
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.store.models import Interaction

    events = SQLTrackerStore.SQLEvent.__table__
    facts = KpiConversation.__table__
    with seeded.engine.begin() as db:
        for table, column in (
            (events, events.c.sender_id),
            (Interaction.__table__, Interaction.__table__.c.conversation_id),
            (facts, facts.c.conversation_id),
        ):
            db.execute(table.delete().where(column == conversation_id))


def _fact_ids(engine: Engine) -> dict[str, int]:
    facts = KpiConversation.__table__
    with engine.connect() as db:
        return dict(db.execute(sa.select(facts.c.conversation_id, facts.c.id)).all())  # type: ignore[arg-type]


@pytest.mark.parametrize("access", [FULL, REDACTED])
def test_the_conversations_export_is_the_same_csv_on_both_databases(
    seeded: Seeded, access: str
) -> None:
    """PostgreSQL writes a supervisor's export itself (COPY); SQLite goes row by row."""
    start, end = synthetic.month_days()
    with seeded.engine.connect() as db:
        body = export_conversations(db, Drill(start, end, "handed_off"), access=access)
    rows = list(csv.DictReader(io.StringIO(body)))
    truths = {t.conversation_id: t for t in seeded.month.truths if t.handed_off}
    newest_first = sorted(truths.values(), key=lambda t: t.start, reverse=True)
    if access == REDACTED:  # a trainer's reference (the KPI row's number), never the id
        ids = _fact_ids(seeded.engine)
        assert [r["conversation_id"] for r in rows] == [
            f"K-{ids[t.conversation_id]}" for t in newest_first
        ]
        assert not any(conversation in body for conversation in truths)
    else:
        assert [r["conversation_id"] for r in rows] == [t.conversation_id for t in newest_first]
    for row, truth in zip(rows, newest_first, strict=True):
        assert row["started_at"] == truth.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert (row["handed_off"], row["contained"]) == ("1", "0")
        assert row["handoff_reason"] == truth.reason and row["day"] == str(truth.start.date())
        email = row["customer_email"]
        if truth.customer is None:
            assert email == ""
        else:
            assert email == (
                "[redacted]" if access == REDACTED else f"kim{truth.customer - 1}@example.com"
            )
