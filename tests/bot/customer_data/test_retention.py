"""Retention: a moved clock, real rows on both sides of every window, SQLite and PostgreSQL.

`now` is passed in the future (a moved clock); each category gets one row just past its
window and one just inside it (expiring_rows.py), and the purge must take exactly the first.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from bot.customer_data.locations import DataLocations
from bot.customer_data.retention import (
    RetentionConfigError,
    RetentionPolicy,
    load_policy,
    preview,
    purge,
    recent_runs,
)
from bot.customer_data.retention_policy import CATEGORIES, DEFAULT_FILE
from bot.customer_tokens import METADATA_KEY as TOKEN_KEY
from bot.kpis.schema import KpiConversation, kpi_daily
from bot.store.columns import utcnow
from bot.store.db import get_engine
from bot.store.models import ConsoleAccessEntry, Interaction
from bot.store.review_models import ReviewSource
from bot.trackers.scrub import NOT_STORED
from tests.bot.customer_data.expiring_rows import KEYS, Clock, keys_left, seed_both_sides
from tests.bot.customer_data.footprints import make_footprint

NOW = datetime(2031, 3, 1, 12, 0, tzinfo=timezone.utc)  # a moved clock: years from today


@pytest.fixture
def policy() -> RetentionPolicy:
    return load_policy()


@pytest.fixture
def both_sides(store: sessionmaker, tracker: Engine, policy: RetentionPolicy) -> Clock:
    clock = Clock(policy, NOW)
    seed_both_sides(store, tracker, clock)
    return clock


def test_exactly_the_expired_rows_are_gone(
    locations: DataLocations, both_sides: Clock, store_url: str, tracker: Engine
) -> None:
    purge(locations, both_sides.policy, now=NOW)

    engine = get_engine(store_url)
    for table, column in KEYS.items():
        assert keys_left(engine, table, column) == {"fresh-key"}, table
    assert keys_left(tracker, "events", "sender_id") == {"fresh-key"}
    with engine.connect() as connection:
        # What collected the purged inbox item keeps its mark, pointing at nothing.
        marks = connection.execute(sa.select(ReviewSource.item_id)).scalars().all()
    assert len(marks) == 2 and marks.count(None) == 1


def test_the_run_log_says_per_category_what_was_removed(
    locations: DataLocations, both_sides: Clock, policy: RetentionPolicy
) -> None:
    run = purge(locations, policy, now=NOW)

    logged = recent_runs(locations.new_uow(), limit=5)[0]  # after it: the seeded fresh one
    assert logged.id == run.id and logged.as_of == NOW and logged.outcome == "ok"
    removed = {name: result.removed for name, result in logged.categories.items()}
    assert removed == {
        "transcripts": {"events": 2},
        "interaction_log": {"interactions": 1},
        "handoffs": {"handoffs": 1, "handoff_notes": 1},
        "review_inbox": {"review_items": 1},
        "ratings": {"conversation_ratings": 1, "nps_responses": 1},
        "verified_sessions": {"verified_sessions": 1},
        "throttles": {"chat_throttles": 1},
        "console_sessions": {"console_sessions": 1},
        "access_trail": {"console_access_log": 1},
        "kpi_identities": {"kpi_conversations": 1},
        "retention_runs": {"retention_runs": 1},
    }
    assert logged.removed == 14
    for name, result in logged.categories.items():
        assert result.cutoff == NOW - policy.keep(name) and result.error is None
        assert result.batches == (2 if name == "ratings" else 1)  # one per table: ratings, NPS


def test_a_second_run_removes_nothing(
    locations: DataLocations, both_sides: Clock, policy: RetentionPolicy
) -> None:
    first = purge(locations, policy, now=NOW)
    second = purge(locations, policy, now=NOW)

    assert first.removed == 14 and second.removed == 0
    assert all(result.batches == 0 for result in second.categories.values())
    assert [run.id for run in recent_runs(locations.new_uow(), 2)] == [second.id, first.id]


def test_a_preview_counts_what_a_purge_removes_and_changes_nothing(
    locations: DataLocations, both_sides: Clock, store_url: str, policy: RetentionPolicy
) -> None:
    runs_before = len(recent_runs(locations.new_uow()))

    due = preview(locations, policy, now=NOW)

    assert len(recent_runs(locations.new_uow())) == runs_before
    assert keys_left(get_engine(store_url), "interactions", "conversation_id") == {
        "old-key",
        "fresh-key",
    }
    run = purge(locations, policy, now=NOW)
    assert due == {name: result.removed for name, result in run.categories.items()}


def test_batches_of_two_on_five_rows_run_in_three_batches(
    locations: DataLocations, store: sessionmaker, tracker: Engine, policy: RetentionPolicy
) -> None:
    """For each kind of step: rows by id, facts by a cursor (all five at one instant, so
    ties are not skipped), events of conversations listed first (2 + 3 in two chats)."""
    with store() as session:
        for n in range(5):
            old = NOW - policy.keep("interaction_log") - timedelta(days=1, minutes=n)
            session.add(
                Interaction(conversation_id=f"c{n}", action="a", outcome="o", created_at=old)
            )
            old = NOW - policy.keep("kpi_identities") - timedelta(days=1)
            session.add(
                KpiConversation(
                    conversation_id=f"c{n}",
                    started_at=old,
                    ended_at=old,
                    day=old.date(),
                    customer_id=n + 1,
                )
            )
        session.commit()
    stamp = (NOW - policy.keep("transcripts") - timedelta(days=1)).timestamp()
    with tracker.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO events (sender_id, type_name, timestamp) VALUES (:s, 'user', :t)"),
            [{"s": "chat-a" if n < 2 else "chat-b", "t": stamp + n} for n in range(5)],
        )

    run = purge(locations, policy, now=NOW, batch_size=2)

    done = {name: (r.batches, r.removed) for name, r in run.categories.items() if r.total}
    assert done == {
        "interaction_log": (3, {"interactions": 5}),
        "kpi_identities": (3, {"kpi_conversations": 5}),
        "transcripts": (3, {"events": 5}),
    }


def test_whole_conversations_go_when_their_last_event_is_past_the_window(
    locations: DataLocations, both_sides: Clock, tracker: Engine
) -> None:
    purge(locations, both_sides.policy, now=NOW)

    with tracker.connect() as connection:
        left = connection.execute(sa.text("SELECT sender_id, timestamp FROM events")).all()
    # The fresh conversation keeps its first event although that one alone is past it.
    assert sorted(sender for sender, _ in left) == ["fresh-key", "fresh-key"]


def test_the_kpi_counts_stay_while_identities_go(
    locations: DataLocations, both_sides: Clock, store_url: str
) -> None:
    facts = KpiConversation.__table__
    engine = get_engine(store_url)
    with engine.begin() as connection:
        connection.execute(
            kpi_daily.insert().values(
                day=NOW.date(),
                interaction_type="t",
                intent="i",
                channel="web",
                customer_tier="gold",
                conversations=2,
                identified=2,
                csat_count=2,
                csat_sum=8,
            )
        )

    purge(locations, both_sides.policy, now=NOW)

    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                facts.c.conversation_id,
                facts.c.customer_id,
                facts.c.csat,
                facts.c.csat_comment_redacted,
            ).order_by(facts.c.conversation_id)
        ).all()
        daily = connection.execute(
            sa.select(kpi_daily.c.conversations, kpi_daily.c.identified)
        ).all()
    fresh, old = rows
    assert old[0] == "old-key" and old[1:] == (None, 4, None)
    assert fresh[0] == "fresh-key" and fresh[1] is not None and fresh[3] == "comment"
    assert daily == [(2, 2)]


def test_the_access_log_still_refuses_every_other_delete_and_update(
    locations: DataLocations, both_sides: Clock, store: sessionmaker, policy: RetentionPolicy
) -> None:
    log = ConsoleAccessEntry.__table__
    purge(locations, policy, now=NOW)

    for statement in (log.delete(), log.update().values(detail="changed")):
        with store() as session, pytest.raises(DBAPIError, match="append-only"):
            session.execute(statement)
            session.commit()
    with store() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(log)) == 1
        assert session.scalar(sa.text("SELECT count(*) FROM console_access_clearance")) == 0


def test_a_clearance_lets_only_older_rows_go_and_never_an_update(
    both_sides: Clock, store: sessionmaker
) -> None:
    log = ConsoleAccessEntry.__table__
    cutoff = both_sides.at("access_trail", "old") + timedelta(minutes=1)
    with store() as session:
        session.execute(
            sa.text("INSERT INTO console_access_clearance (purge_before) VALUES (:c)"),
            {"c": _as_stored(session, cutoff)},
        )
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(log.delete().where(log.c.detail == "fresh-key"))
    with store() as session:
        session.execute(
            sa.text("INSERT INTO console_access_clearance (purge_before) VALUES (:c)"),
            {"c": _as_stored(session, cutoff)},
        )
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(log.update().where(log.c.detail == "old-key").values(detail="x"))


def _as_stored(session: object, moment: datetime) -> object:
    """A datetime as UtcDateTime stores it (naive UTC on SQLite, aware on PostgreSQL)."""
    dialect = session.get_bind().dialect.name  # type: ignore[attr-defined]
    return moment.replace(tzinfo=None) if dialect == "sqlite" else moment


def test_a_failing_category_is_logged_with_what_it_removed_and_the_others_still_purge(
    locations: DataLocations, both_sides: Clock, store_url: str, policy: RetentionPolicy
) -> None:
    with get_engine(store_url).begin() as connection:
        connection.execute(sa.text("DROP TABLE nps_responses"))  # the second of ratings' two

    run = purge(locations, policy, now=NOW)

    assert run.outcome == "partial"
    ratings = recent_runs(locations.new_uow())[0].categories["ratings"]
    assert "nps_responses" in (ratings.error or "")
    assert ratings.removed == {"conversation_ratings": 1}  # committed before the failure
    assert run.categories["interaction_log"].removed == {"interactions": 1}
    assert run.removed == 13


def test_without_a_tracker_store_the_rest_is_purged(
    locations: DataLocations, both_sides: Clock, policy: RetentionPolicy
) -> None:
    run = purge(dataclasses.replace(locations, tracker_engine=None), policy, now=NOW)

    assert run.categories["transcripts"].removed == {}
    assert run.removed == 12


async def test_a_whole_footprint_past_every_window_is_purged_but_the_shop_records(
    locations: DataLocations, store_url: str, tracker_url: str, policy: RetentionPolicy
) -> None:
    """Rows written as the product writes them (our tracker store, the services), purged
    with the clock moved three years on: no conversation of theirs is left anywhere, the
    KPI facts stay without who they were, the customer and orders stay (until_erased)."""
    footprint = await make_footprint(
        locations, store_url=store_url, tracker_url=tracker_url, public_id="C0001", tag="old"
    )
    conversations = [footprint.web_conversation, footprint.rest_conversation]
    engine = get_engine(store_url)
    before = _counts(engine, ("customers", "orders", "kpi_conversations"))

    run = purge(locations, policy, now=utcnow() + timedelta(days=3 * 365))

    assert run.outcome == "ok" and run.removed > 0
    for table in (
        "interactions",
        "handoffs",
        "conversation_ratings",
        "nps_responses",
        "verified_sessions",
        "review_items",
    ):
        assert _rows_of(engine, table, conversations) == 0, table
    assert _counts(engine, ("handoff_notes",)) == {"handoff_notes": 0}
    assert locations.tracker_engine is not None
    assert _rows_of(locations.tracker_engine, "events", conversations, column="sender_id") == 0
    assert _counts(engine, ("customers", "orders", "kpi_conversations")) == before
    with engine.connect() as connection:
        identities = connection.execute(
            sa.text("SELECT customer_id, csat_comment_redacted FROM kpi_conversations")
        ).all()
    assert identities and set(identities) == {(None, None)}


def _rows_of(
    engine: Engine, table: str, conversations: list[str], column: str = "conversation_id"
) -> int:
    query = sa.text(f"SELECT count(*) FROM {table} WHERE {column} IN :ids").bindparams(
        sa.bindparam("ids", expanding=True)
    )
    with engine.connect() as connection:
        return int(connection.scalar(query, {"ids": conversations}) or 0)


def _counts(engine: Engine, tables: tuple[str, ...]) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            t: int(connection.scalar(sa.text(f"SELECT count(*) FROM {t}")) or 0) for t in tables
        }


def test_the_shipped_file_has_a_window_for_every_category() -> None:
    policy = load_policy(DEFAULT_FILE)

    assert set(policy.windows) == set(CATEGORIES)
    assert policy.keep("transcripts") == timedelta(days=180)
    assert policy.keep("review_inbox") == timedelta(days=90)
    assert policy.keep("access_trail") == timedelta(days=730)
    assert policy.window("customer_tokens").rule == "never"


def test_customer_tokens_are_never_stored_by_the_tracker_store() -> None:
    """The `never` of retention.yml holds because the tracker store scrubs the token."""
    assert load_policy().window("customer_tokens").purged is False
    assert TOKEN_KEY in NOT_STORED


@pytest.mark.parametrize(
    ("category", "keep", "named"),
    [
        ("transcripts", "180 days", "categories.transcripts.keep must be a duration"),
        ("review_inbox", "0d", "categories.review_inbox.keep must be a duration"),
        ("ratings", None, "categories.ratings.keep must be a duration"),
        ("customer_tokens", "1d", "categories.customer_tokens.keep must be `never`"),
        ("shop_records", "30d", "categories.shop_records.keep must be `until_erased`"),
        ("chats", "1d", "unknown category chats"),
    ],
)
def test_a_bad_retention_file_gives_a_clear_error(
    tmp_path: Path, category: str, keep: str | None, named: str
) -> None:
    document = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    document["categories"][category] = {"keep": keep}

    with pytest.raises(RetentionConfigError, match=named):
        load_policy(_written(tmp_path, document))


def test_a_file_without_categories_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RetentionConfigError, match="needs a `categories:` mapping"):
        load_policy(_written(tmp_path, {"windows": {}}))


def _written(directory: Path, document: object) -> Path:
    path = directory / "retention.yml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_a_missing_category_is_named(tmp_path: Path) -> None:
    document = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    del document["categories"]["ratings"]

    with pytest.raises(RetentionConfigError, match="missing category ratings"):
        load_policy(_written(tmp_path, document))
