"""Issue 17 end to end, with the real processes, on SQLite and on PostgreSQL.

One signed-in customer (C0001) leaves a footprint in every store through the product itself:
a widget chat with a handoff, an agent's note and a rating, a REST chat with a message the
bot does not understand (the review inbox), KPI facts from `cim kpis refresh`. A second
customer (C0002) leaves their own. A supervisor exports C0001 from the console (the archive
must hold every piece); `cim privacy erase` erases them, after which no table of the store,
no tracker event, no file the stack wrote and no Rasa API answer holds anything that
identifies them, while C0002's rows and the KPI totals are as they were; a second erasure is
safe. Last, `cim privacy purge` with a moved clock removes exactly what is past its window and
the run log (read from the console) says so.

One stack per backend for the whole module: each fixture below is one stage of the story,
computed once; the tests only look at what a stage recorded. The tracker store is the stack's
SQLite file (endpoints.yml) on both backends; the store is what changes.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.customer_data.footprint import find_customer, identifiers_of
from bot.kpis.schema import create_kpi_schema
from bot.settings import PROJECT_ROOT
from bot.store.db import get_engine
from bot.store.models import Base
from tests.bot.customer_data.test_erasure import kpi_totals
from tests.e2e.privacy_footprint import Footprint, cim, rest_chat, signed_footprint, socket_chat
from tests.e2e.stack import Stack, running_stack
from tests.e2e.test_handoff import AgentBrowser, create_agent, uow
from tests.waiting import wait_until
from tools.seed.databases import BACKENDS, temporary_database
from tools.seed.demo_store import ensure_seeded

# The inbox collector sweeps every second; the clock-driven jobs are left to the test.
ENV = {
    "CIM_QUEUE_SWEEP_SECONDS": "1",
    "CIM_KPI_REFRESH_SECONDS": "0",
    "CIM_RETENTION_PURGE_SECONDS": "0",
}
GIBBERISH = "zorblat quimble vextrawn plonkish?"
OTHER_GIBBERISH = "flumbering wozzit crandle snarp?"
FOOTPRINT_PLACES = {
    "customers",
    "events",
    "handoffs",
    "handoff_notes",
    "conversation_ratings",
    "interactions",
    "review_items",
    "kpi_conversations",
}
SQLITE_FILES = (".db", ".db-wal", ".db-shm", ".db-journal")


@dataclass
class World:
    stack: Stack
    tmp: Path
    store: Engine
    tracker: Engine
    erased: Footprint
    kept: Footprint
    identifiers: list[str]
    order_numbers: list[str]


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp: Path = tmp_path_factory.mktemp(f"privacy-{request.param}")
    # Training files in a copy: the erasure edits data/ and never the repository's own.
    shutil.copytree(PROJECT_ROOT / "data", tmp / "training" / "data")
    with temporary_database(request.param) as url:
        ensure_seeded(url)
        create_kpi_schema(get_engine(url))
        env = {**ENV, "CIM_TRAINING_ROOT": str(tmp / "training")}
        with running_stack(tmp, database_url=url, env=env) as stack:
            create_agent(stack, "anna", "Anna")
            create_agent(stack, "sam", "Sam", role="supervisor")
            yield made_world(stack, tmp)


def made_world(stack: Stack, tmp: Path) -> World:
    maria = signed_footprint(
        stack,
        "C0001",
        said=[
            "where is my order 100002?",
            "can I speak to a real person please",
            "what is your return policy on opened teapots?",
            GIBBERISH,
        ],
        note="Maria called twice about the blue teapot parcel, escalate to the warehouse",
        comment="Too slow, the blue teapot parcel is still missing",
    )
    james = signed_footprint(
        stack, "C0002", said=["where is my order?", "do you ship to Norway?", OTHER_GIBBERISH]
    )
    anna = AgentBrowser(stack, "anna")
    asyncio.run(socket_chat(stack, maria, anna))
    rest_chat(stack, maria, maria.said[2:])
    asyncio.run(socket_chat(stack, james, None))
    rest_chat(stack, james, james.said[1:])
    with uow(stack) as unit:
        customer = find_customer(unit, public_id="C0001")
    assert customer is not None
    store = get_engine(stack.settings.database_url)
    tracker = get_engine(f"sqlite:///{tmp / 'tracker.db'}")
    both = {GIBBERISH, OTHER_GIBBERISH}
    wait_until(lambda: _inbox_texts(store) >= both, timeout=60, what="the inbox items")
    wait_until(lambda: _all_collected(stack), timeout=60, what="the low rating in the inbox")
    cim(stack, tmp, "kpis", "refresh", "--all")
    return World(
        stack,
        tmp,
        store,
        tracker,
        maria,
        james,
        identifiers=[*identifiers_of(customer), customer.name],
        order_numbers=list(customer.order_numbers),
    )


def _all_collected(stack: Stack) -> bool:
    """The inbox collector took in the finished handoff and the low rating (before the
    export and the erasure, which must then find them)."""
    with uow(stack) as unit:
        reviews = unit.reviews
        return not reviews.uncollected_handoffs() and not reviews.uncollected_low_ratings()


def _inbox_texts(store: Engine) -> set[str]:
    with store.connect() as db:
        return set(db.scalars(sa.text("SELECT text FROM review_items")))


def supervisor(world: World) -> AgentBrowser:
    return AgentBrowser(world.stack, "sam")


def post(agent: AgentBrowser, path: str, body: dict[str, Any]) -> Any:
    headers = {"X-CSRF-Token": agent.csrf}
    return agent.http.post(agent.base + path, json=body, headers=headers, timeout=120)


# --- the whole store, the tracker's events and the files, as text -------------------------


def every_value(engine: Engine) -> list[tuple[str, str, str]]:
    """(table, column, text) of every non-empty value of every table the database has
    (reflected: the store's models, the KPI tables, Rasa's events, anything else)."""
    tables = sa.MetaData()
    tables.reflect(engine)
    found = []
    with engine.connect() as db:
        for table in tables.sorted_tables:
            for row in db.execute(sa.select(table)).mappings():
                found += [(table.name, k, _text(v)) for k, v in row.items() if v is not None]
    return found


def searched_tables(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def written_files(world: World) -> list[tuple[str, str, str]]:
    """The stack's log, its var files and the training data copy. SQLite files are read
    through SQL above: their free pages are not what the product serves or exports."""
    found = []
    for path in sorted(world.tmp.rglob("*")):
        if path.is_file() and not path.name.endswith(SQLITE_FILES):
            text = path.read_bytes().decode("utf-8", "replace")
            found.append((str(path.relative_to(world.tmp)), "", text))
    return found


def pattern(identifier: str) -> re.Pattern[str]:
    """A whole word or number: "Li" is not in "delivered", order 100234 not in 1100234."""
    return re.compile(rf"(?<![\w.]){re.escape(identifier)}(?!\w)", re.IGNORECASE)


def traces(world: World, marks: list[str]) -> list[tuple[str, str, str]]:
    """Where any mark is. Order numbers only in `orders.number`: the erasure keeps the shop's
    orders, and a number names no one once its customer row is anonymous."""
    places = every_value(world.store) + every_value(world.tracker) + written_files(world)
    hits = []
    for table, column, text in places:
        for mark in marks:
            if (table, column) == ("orders", "number") and mark in world.order_numbers:
                continue
            if authored(table, mark):
                continue
            if pattern(mark).search(text):
                hits.append((table, column, mark))
    return hits


def authored(place: str, mark: str) -> bool:
    """A demo name or order number the project's own training examples use (the repository's
    data/, which no test writes): not the customer's, who labelled no example here."""
    if not place.startswith("training/data/"):
        return False
    original = PROJECT_ROOT / place.removeprefix("training/")
    return original.is_file() and pattern(mark).search(original.read_text()) is not None


def rows_about(world: World, who: Footprint, email: str) -> list[tuple[str, str, str]]:
    marks = [*who.conversations, email, *who.texts]
    return sorted(
        place
        for place in every_value(world.store) + every_value(world.tracker)
        if any(mark in place[2] for mark in marks)
    )


# --- the stages: export, erase (twice), purge --------------------------------------------


@dataclass
class Exported:
    archive: dict[str, Any]
    html: str
    kpi_rows: int
    from_cli: dict[str, Any]


@pytest.fixture(scope="module")
def exported(world: World) -> Exported:
    with world.store.connect() as db:
        kpi_rows = int(
            db.scalar(
                sa.text(
                    "SELECT count(*) FROM kpi_conversations k JOIN customers c"
                    " ON c.id = k.customer_id WHERE c.public_id = 'C0001'"
                )
            )
        )
    answer = post(supervisor(world), "/api/privacy/customers/C0001/export", {})
    assert answer.status_code == 200, answer.text
    body, html = unzipped(answer.content)
    # The CLI's archive, written outside the stack's directory (the customer's copy, which
    # the search after the erasure must not find), is the same apart from its time.
    out = world.tmp.parent / f"{world.tmp.name}-exports"
    written = cim(
        world.stack, world.tmp, "privacy", "export", "--customer", "C0001", "--out", str(out)
    )
    from_cli, _ = unzipped(Path(written.stdout.strip()).read_bytes())
    return Exported(body, html, kpi_rows, from_cli)


def unzipped(content: bytes) -> tuple[dict[str, Any], str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return json.loads(archive.read("customer.json")), archive.read("summary.html").decode()


@dataclass
class Erased:
    receipt: dict[str, Any]
    again: dict[str, Any]
    totals_before: dict[str, int]
    totals_after: dict[str, int]
    kept_before: list[tuple[str, str, str]]
    kept_after: list[tuple[str, str, str]]
    marks: list[str]
    found_before: list[str]
    trackers: list[dict[str, Any]]


@pytest.fixture(scope="module")
def erased(world: World, exported: Exported) -> Erased:
    james_email = exported_email(world, "C0002")
    totals_before = kpi_totals(world.store)
    kept_before = rows_about(world, world.kept, james_email)
    # Rasa serves (and so holds) their trackers before the erasure.
    assert world.erased.said[0] in str(world.stack.tracker(world.erased.socket_conversation))
    assert world.erased.said[2] in str(world.stack.tracker(world.erased.rest_conversation))
    marks = [
        *(i for i in world.identifiers if i.casefold() not in others_names(world.store)),
        *world.erased.conversations,
        *world.erased.texts,
    ]
    found_before = sorted({place for place, _, _ in traces(world, marks)})
    done = cim(world.stack, world.tmp, "privacy", "erase", "--customer", "C0001", "--yes")
    again = post(supervisor(world), "/api/privacy/customers/C0001/erase", {"confirm": "C0001"})
    assert again.status_code == 200, again.text
    return Erased(
        receipt=json.loads(done.stdout),
        again=again.json()["receipt"],
        totals_before=totals_before,
        totals_after=kpi_totals(world.store),
        kept_before=kept_before,
        kept_after=rows_about(world, world.kept, james_email),
        marks=marks,
        found_before=found_before,
        trackers=[world.stack.tracker(c) for c in world.erased.conversations],
    )


def others_names(store: Engine) -> set[str]:
    """Name parts another customer has too (a first name): theirs to keep."""
    query = "SELECT first_name, last_name FROM customers WHERE public_id <> 'C0001'"
    with store.connect() as db:
        return {part.casefold() for row in db.execute(sa.text(query)) for part in row}


def exported_email(world: World, public_id: str) -> str:
    with uow(world.stack) as unit:
        found = find_customer(unit, public_id=public_id)
    assert found is not None
    return found.email


# --- the tests -------------------------------------------------------------------------


def test_the_export_holds_every_piece_of_their_footprint(world: World, exported: Exported) -> None:
    archive, maria = exported.archive, world.erased
    assert archive["profile"]["email"] == exported_email(world, "C0001")
    assert {o["number"] for o in archive["orders"]} >= set(world.order_numbers) - {""}
    transcripts = {c["conversation_id"]: c for c in archive["conversations"]}
    assert set(maria.conversations) <= set(transcripts)
    typed = [
        m["text"] for c in transcripts.values() for m in c["messages"] if m["from"] == "customer"
    ]
    assert set(maria.said) <= set(typed)
    notes = [n["body"] for h in archive["handoffs"] for n in h["notes"]]
    assert notes == [maria.note]
    ratings = archive["feedback"]["ratings"]
    assert [(r["rating"], r["comment"]) for r in ratings] == [(2, maria.comment)]
    logged = {row["conversation_id"] for row in archive["interaction_log"]}
    assert set(maria.conversations) <= logged
    assert GIBBERISH in [item["text"] for item in archive["review_inbox_items"]]
    assert len(archive["kpi_facts"]) == exported.kpi_rows >= 2
    assert "C0002" not in json.dumps(archive)
    assert "blue teapot parcel" in exported.html
    timeless = {"generated_at": None}
    assert {**exported.from_cli, **timeless} == {**archive, **timeless}


def test_after_erasure_nothing_identifies_them_in_any_table_event_or_file(
    world: World, erased: Erased
) -> None:
    assert erased.receipt["total"] > 0 and not erased.receipt["already_erased"]
    # The search reads every table: each model's, and the KPI tables.
    assert set(Base.metadata.tables) | {"kpi_daily"} <= searched_tables(world.store)
    # The same search found them everywhere before: the store, the events, the log files.
    assert set(erased.found_before) >= FOOTPRINT_PLACES, erased.found_before
    assert traces(world, erased.marks) == []


def test_rasa_serves_no_event_of_their_conversations_after_erasure(erased: Erased) -> None:
    for tracker in erased.trackers:
        assert [e for e in tracker["events"] if e["event"] in ("user", "bot")] == []


def test_the_other_customer_and_the_kpi_totals_are_untouched(erased: Erased) -> None:
    assert erased.kept_before and erased.kept_after == erased.kept_before
    assert erased.totals_after == erased.totals_before


def test_a_second_erasure_removes_nothing_and_says_so(erased: Erased) -> None:
    assert erased.again["already_erased"] and erased.again["total"] == 0


def test_the_access_trail_has_both_exports_and_both_erasures(world: World, erased: Erased) -> None:
    with world.store.connect() as db:
        actions = list(db.scalars(sa.text("SELECT action FROM console_access_log")))
    assert actions.count("export_customer") == 2 and actions.count("erase_customer") == 2


# --- retention with a moved clock ---------------------------------------------------------


@dataclass
class Purged:
    expected_gone: dict[str, int]
    before: dict[str, int]
    after: dict[str, int]
    events_left: set[str]
    events_kept: set[str]
    run: dict[str, Any]
    as_of: datetime


KEPT_TABLES = ("interactions", "handoffs", "conversation_ratings", "kpi_conversations")


@pytest.fixture(scope="module")
def purged(world: World, erased: Erased) -> Purged:
    """One more conversation a moment later, then a purge as of 180 days after the moment
    between the two: every older conversation's events go, the newer one's stay."""
    time.sleep(1.5)
    late = Footprint("C0002", said=["what are your opening hours?"])
    rest_chat(world.stack, late, late.said)
    last = last_events(world.tracker)
    split = datetime.fromtimestamp(last[late.rest_conversation] - 0.7, tz=timezone.utc)
    as_of = split + timedelta(days=180)
    before = counts(world)
    expected_gone = {
        "events": sum(
            n
            for sender, n in event_counts(world.tracker).items()
            if last[sender] < split.timestamp()
        ),
        "review_items": before["review_items"],
    }
    cim(world.stack, world.tmp, "privacy", "purge", "--now", as_of.isoformat(), "--batch", "7")
    runs = supervisor(world).get("/api/privacy/retention-runs")["runs"]
    return Purged(
        expected_gone,
        before,
        counts(world),
        set(last_events(world.tracker)),
        {late.rest_conversation},
        runs[0],
        as_of,
    )


def last_events(tracker: Engine) -> dict[str, float]:
    with tracker.connect() as db:
        rows = db.execute(
            sa.text("SELECT sender_id, max(timestamp) FROM events GROUP BY sender_id")
        )
        return {str(sender): float(moment) for sender, moment in rows}


def event_counts(tracker: Engine) -> dict[str, int]:
    with tracker.connect() as db:
        rows = db.execute(sa.text("SELECT sender_id, count(*) FROM events GROUP BY sender_id"))
        return {str(sender): int(n) for sender, n in rows}


def counts(world: World) -> dict[str, int]:
    found = {"events": sum(event_counts(world.tracker).values())}
    with world.store.connect() as db:
        for table in (*KEPT_TABLES, "review_items"):
            found[table] = int(db.scalar(sa.text(f"SELECT count(*) FROM {table}")))
    return found


def test_retention_removes_exactly_what_is_past_its_window(purged: Purged) -> None:
    assert purged.expected_gone["events"] > 0 and purged.expected_gone["review_items"] > 0
    assert purged.after["events"] == purged.before["events"] - purged.expected_gone["events"]
    assert purged.events_left == purged.events_kept
    assert purged.after["review_items"] == 0
    for table in KEPT_TABLES:
        assert purged.after[table] == purged.before[table], table


def test_the_retention_run_log_says_what_went(purged: Purged) -> None:
    run = purged.run
    assert datetime.fromisoformat(run["as_of"]) == purged.as_of and run["outcome"] == "ok"
    categories = run["categories"]
    assert categories["transcripts"]["removed"] == {"events": purged.expected_gone["events"]}
    assert categories["review_inbox"]["removed"] == {
        "review_items": purged.expected_gone["review_items"]
    }
    assert categories["transcripts"]["batches"] >= purged.expected_gone["events"] // 7
