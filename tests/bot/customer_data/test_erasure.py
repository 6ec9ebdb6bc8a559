"""Erasure on real stores (SQLite and PostgreSQL, the tracker in a database of its own).

Two customers each get their whole footprint (tests/bot/customer_data/footprints.py); the
first is erased and every table of the store and the tracker's events are searched for
anything that identifies them, while the KPI totals and the second customer stay as they were.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import UserUttered
from sqlalchemy.engine import Engine

from bot.customer_data.erasure import (
    NotTheirConversation,
    UnknownCustomer,
    erase_conversation,
    erase_customer,
)
from bot.customer_data.erasure_training import RETRAIN_FLAG, retrain_reasons
from bot.customer_data.footprint import (
    conversations_of,
    find_customer,
    identifiers_of,
    session_of,
)
from bot.customer_data.locations import DataLocations
from bot.kpis.refresh import refresh
from bot.kpis.schema import KpiConversation, kpi_daily
from bot.kpis.sources import events_table
from bot.services.throttles import hashed_key
from bot.settings import get_settings
from bot.store.db import get_engine
from bot.store.models import Base, ChatThrottle, Customer, Order
from bot.store.review_models import ReviewItem, TrainingRun
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from bot.trackers.store import CachedSQLTrackerStore
from tests.bot.customer_data.footprints import DOMAIN, Footprint, make_footprint

ACTOR = "cli:tester"
FACT_SUMS = ("contained", "handed_off", "human_resolved", "user_messages", "fallbacks", "csat")
DAILY_SUMS = ("conversations", "contained", "handed_off", "user_messages", "csat_sum", "csat_count")


async def two_footprints(
    locations: DataLocations, store_url: str, tracker_url: str
) -> tuple[Footprint, Footprint]:
    made = [
        await make_footprint(
            locations, store_url=store_url, tracker_url=tracker_url, public_id=who, tag=tag
        )
        for who, tag in (("C0001", "mine"), ("C0002", "other"))
    ]
    return made[0], made[1]


def everything(store: Engine, tracker: Engine) -> list[tuple[str, str, str]]:
    """(table, column, text) for every non-empty value of every table and of `events`."""
    found: list[tuple[str, str, str]] = []
    for engine, tables in ((store, Base.metadata.sorted_tables), (tracker, [events_table])):
        present = set(sa.inspect(engine).get_table_names())
        with engine.connect() as connection:
            for table in (t for t in tables if t.name in present):
                for row in connection.execute(sa.select(table)).mappings():
                    found += [(table.name, k, _text(v)) for k, v in row.items() if v is not None]
    return found


def _text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def pattern(identifier: str) -> re.Pattern[str]:
    """A whole word or number: "Li" is not in "delivered", order 100234 not in 1100234."""
    return re.compile(rf"(?<![\w.]){re.escape(identifier)}(?!\w)", re.IGNORECASE)


def traces(
    store: Engine, tracker: Engine, identifiers: Iterable[str], *, kept_orders: Iterable[str]
) -> list[tuple[str, str, str]]:
    """Where any identifier still is. Order numbers are allowed in `orders.number` only: the
    erasure keeps the orders (the shop's accounts), and a number names no one once its
    customer row is anonymous."""
    kept = set(kept_orders)
    hits = []
    for table, column, text in everything(store, tracker):
        for identifier in identifiers:
            if (table, column) == ("orders", "number") and identifier in kept:
                continue
            if pattern(identifier).search(text):
                hits.append((table, column, identifier))
    return hits


def others_identifiers(store: Engine, erased: Iterable[str]) -> set[str]:
    """Identifiers another customer shares (a first name): theirs to keep."""
    with store.connect() as connection:
        rows = connection.execute(sa.select(Customer.first_name, Customer.last_name)).all()
    names = {part.casefold() for first, last in rows for part in (first, last)}
    return {i for i in erased if i.casefold() in names}


def free_texts(footprint: Footprint) -> list[str]:
    """What the customer, the bot and the agent wrote, and both conversation ids."""
    return [
        footprint.web_conversation,
        footprint.rest_conversation,
        *footprint.said,
        footprint.note,
        footprint.rating_comment,
        footprint.nps_comment,
        footprint.review_text,
    ]


def kpi_totals(store: Engine) -> dict[str, int]:
    c = KpiConversation.__table__.c
    sums = [sa.func.coalesce(sa.func.sum(sa.cast(c[n], sa.Integer)), 0) for n in FACT_SUMS]
    daily = [sa.func.coalesce(sa.func.sum(kpi_daily.c[n]), 0) for n in DAILY_SUMS]
    with store.connect() as connection:
        facts = connection.execute(sa.select(sa.func.count(), *sums)).one()
        rollup = connection.execute(sa.select(*daily)).one()
    return {
        "facts": int(facts[0]),
        **{n: int(v) for n, v in zip(FACT_SUMS, facts[1:], strict=True)},
        **{f"daily_{n}": int(v) for n, v in zip(DAILY_SUMS, rollup, strict=True)},
    }


def snapshot(store: Engine, tracker: Engine, footprint: Footprint) -> list[Any]:
    """Every row that mentions the customer's id or one of their conversations."""
    ids = {footprint.web_conversation, footprint.rest_conversation}
    marks = [*ids, footprint.customer.email, footprint.note, footprint.review_text]
    return sorted(
        (table, column, text)
        for table, column, text in everything(store, tracker)
        if any(mark in text for mark in marks)
    )


async def test_no_identifier_of_theirs_is_left_in_any_table_or_event(
    locations: DataLocations, store_url: str, tracker_url: str, tracker: Engine
) -> None:
    mine, _other = await two_footprints(locations, store_url, tracker_url)
    store = get_engine(store_url)
    identifiers = identifiers_of(mine.customer)
    wanted = [*identifiers, *free_texts(mine)]
    before = traces(store, tracker, wanted, kept_orders=())
    assert {i for _t, _c, i in before} == set(wanted)  # the search finds each one first
    assert {t for t, _c, _i in before} >= {"customers", "orders", "events", "handoff_notes"}
    receipt = erase_customer(locations, public_id="C0001", actor=ACTOR)
    shared = others_identifiers(store, identifiers)
    left = [i for i in wanted if i not in shared]
    assert traces(store, tracker, left, kept_orders=mine.customer.order_numbers) == []
    assert receipt.removed["events"] > 0 and receipt.removed["customers"] == 1
    assert receipt.erased_id.startswith("ERASED-") and not receipt.already_erased


async def test_kept_orders_keep_their_amounts_and_lose_the_address(
    locations: DataLocations, store_url: str, tracker_url: str
) -> None:
    mine, _other = await two_footprints(locations, store_url, tracker_url)
    store = get_engine(store_url)
    query = sa.select(Order.number, Order.total_cents, Order.ship_to_name, Order.ship_to_city)
    mine_only = query.where(Order.customer_id == mine.customer.id).order_by(Order.number)
    with store.connect() as connection:
        before = connection.execute(mine_only).all()
    receipt = erase_customer(locations, public_id="C0001", actor=ACTOR)
    with store.connect() as connection:
        after = connection.execute(mine_only).all()
    assert [(n, t) for n, t, *_ in after] == [(n, t) for n, t, *_ in before]
    assert all(name == "" and city == "" for *_, name, city in after)
    assert receipt.removed["orders"] == len(before) > 0


async def test_kpi_totals_stay_and_only_identified_becomes_anonymous(
    locations: DataLocations, store_url: str, tracker_url: str
) -> None:
    _mine, _other = await two_footprints(locations, store_url, tracker_url)
    store = get_engine(store_url)
    before = kpi_totals(store)
    identified_before = _identified(store)
    erase_customer(locations, public_id="C0001", actor=ACTOR)
    assert kpi_totals(store) == before
    assert _identified(store) == identified_before - 2  # their two conversations
    with store.connect() as connection:
        renamed = list(
            connection.scalars(
                sa.select(KpiConversation.conversation_id).where(
                    KpiConversation.conversation_id.like("erased-%")
                )
            )
        )
    assert len(set(renamed)) == len(renamed) == 2
    assert all(re.fullmatch(r"erased-[0-9a-f]{32}", name) for name in renamed)
    refresh(store, locations.tracker_engine, full=True)  # a full rebuild keeps them too
    assert kpi_totals(store) == before


def _identified(store: Engine) -> int:
    with store.connect() as connection:
        return int(connection.scalar(sa.select(sa.func.sum(kpi_daily.c.identified))) or 0)


async def test_another_customers_data_is_untouched(
    locations: DataLocations, store_url: str, tracker_url: str, tracker: Engine
) -> None:
    _mine, other = await two_footprints(locations, store_url, tracker_url)
    store = get_engine(store_url)
    before = snapshot(store, tracker, other)
    conversations = conversations_of(locations, customer_id=other.customer.id)
    erase_customer(locations, public_id="C0001", actor=ACTOR)
    assert snapshot(store, tracker, other) == before and len(before) > 10
    assert conversations_of(locations, customer_id=other.customer.id) == conversations
    with locations.new_uow() as uow:
        assert find_customer(uow, public_id="C0002") == other.customer


async def test_a_second_run_removes_nothing_and_says_already_erased(
    locations: DataLocations, store_url: str, tracker_url: str
) -> None:
    await two_footprints(locations, store_url, tracker_url)
    first = erase_customer(locations, public_id="C0001", actor=ACTOR)
    second = erase_customer(locations, public_id="c0001", actor="cli:someone-else")
    assert second.already_erased and second.total == 0
    assert second.erased_id == first.erased_id and set(second.removed) == set(first.removed)
    assert second.as_json()["already_erased"] is True and second.actor == "cli:someone-else"
    by_erased_id = erase_customer(locations, public_id=first.erased_id.lower(), actor=ACTOR)
    assert by_erased_id.already_erased and by_erased_id.erased_id == first.erased_id
    assert re.fullmatch(r"ERASED-[0-9A-F]{9}", first.erased_id)


def test_a_customer_that_never_existed_is_unknown(locations: DataLocations) -> None:
    with pytest.raises(UnknownCustomer):
        erase_customer(locations, public_id="C9999", actor=ACTOR)


async def test_the_receipt_is_recorded_without_personal_data(
    locations: DataLocations, store_url: str, tracker_url: str
) -> None:
    mine, _other = await two_footprints(locations, store_url, tracker_url)
    moment = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    receipt = erase_customer(locations, public_id="C0001", actor=ACTOR, now=moment)
    with get_engine(store_url).connect() as connection:
        row = connection.execute(sa.text("SELECT * FROM erasure_records")).mappings().one()
    assert row["erased_id"] == receipt.erased_id and row["actor"] == ACTOR
    assert row["kind"] == "customer" and _text(row["removed"]) != ""
    stored = json.loads(row["removed"]) if isinstance(row["removed"], str) else row["removed"]
    assert stored == dict(receipt.removed)
    assert "C0001" not in str(dict(row)) and mine.customer.email not in str(dict(row))
    document = receipt.as_json()
    assert document["erased_at"] == moment.isoformat() and document["total"] == receipt.total
    assert set(document["how"]) == set(receipt.removed)
    assert receipt.removed["handoff_notes"] == 1 and receipt.removed["review_items"] == 1


async def test_their_throttle_counters_go_and_others_stay(
    locations: DataLocations, store_url: str, tracker_url: str
) -> None:
    mine, other = await two_footprints(locations, store_url, tracker_url)
    secret = get_settings().token_secret
    keys = {
        "mine-email": hashed_key(mine.customer.email, secret=secret),
        "mine-chat": hashed_key(mine.web_conversation, secret=secret),
        "other-email": hashed_key(other.customer.email, secret=secret),
    }
    with locations.new_uow() as uow:
        uow.throttles.lock(keys=[("verify_email", k) for k in keys.values()], now=_now())
        uow.commit()
    erase_customer(locations, public_id="C0001", actor=ACTOR)
    with get_engine(store_url).connect() as connection:
        left = set(connection.scalars(sa.select(ChatThrottle.key)))
    assert left == {keys["other-email"]}


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def test_an_anonymous_conversation_with_their_email_goes_too(
    locations: DataLocations, store_url: str, tracker_url: str, tracker: Engine
) -> None:
    mine, _other = await two_footprints(locations, store_url, tracker_url)
    said = f"my email is {mine.customer.email.upper()}"
    await _say(tracker_url, "anonymous-chat", said)
    await _say(tracker_url, "unrelated-chat", "hello there")
    erase_customer(locations, public_id="C0001", actor=ACTOR)
    with tracker.connect() as connection:
        senders = set(connection.scalars(sa.select(events_table.c.sender_id).distinct()))
    assert "anonymous-chat" not in senders and "unrelated-chat" in senders


async def _say(tracker_url: str, sender: str, text: str) -> None:
    store = CachedSQLTrackerStore(DOMAIN, host=tracker_url, cache_size=0)
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    tracker.update(UserUttered(text, {"name": "inform", "confidence": 0.9}))
    await store.save(tracker)


async def test_a_cached_tracker_is_not_served_after_erasure(
    locations: DataLocations, store_url: str, tracker_url: str
) -> None:
    mine, _other = await two_footprints(locations, store_url, tracker_url)
    cached = CachedSQLTrackerStore(DOMAIN, host=tracker_url, cache_size=10)
    tracker = await cached.retrieve(mine.web_conversation)
    assert tracker is not None and tracker.events
    await cached.save(tracker)  # handed back: the next read would be a cache hit
    assert cached.cached == 1
    erase_customer(locations, public_id="C0001", actor=ACTOR)
    assert await cached.retrieve(mine.web_conversation) is None
    assert cached.cached == 0


def labelled_example(data_dir: Path, locations: DataLocations, text: str) -> Path:
    """The inbox item labelled, and its text in a training file beside an example of
    the shop's own (as `cim train` would have put it; a temporary copy, never data/)."""
    with locations.new_uow() as uow:
        item = uow.reviews.by_key(key=text)
        assert isinstance(item, ReviewItem)
        item.state, item.label = "labelled", "order_status"
        uow.commit()
    path = data_dir / "nlu" / "informative" / "order_status.yml"
    path.parent.mkdir(parents=True)
    path.write_text(
        'version: "3.1"\nnlu:\n- intent: order_status\n  examples: |\n'
        f"    - where is my parcel\n    - {text}\n    - has it shipped yet\n",
        encoding="utf-8",
    )
    return path


async def test_training_examples_from_them_are_removed_and_a_retrain_flagged(
    locations: DataLocations, store_url: str, tracker_url: str, data_dir: Path
) -> None:
    mine, _other = await two_footprints(locations, store_url, tracker_url)
    path = labelled_example(data_dir, locations, mine.review_text)
    regressions = data_dir.parent / "tests" / "nlu" / "regressions.yml"
    regressions.parent.mkdir(parents=True)
    regressions.write_text(
        f'version: "3.1"\nnlu:\n- intent: order_status\n  examples: |\n    - {mine.review_text}\n',
        encoding="utf-8",
    )
    run = recorded_run(locations, mine.review_text)
    receipt = erase_customer(locations, public_id="C0001", actor=ACTOR)
    assert path.read_text(encoding="utf-8") == (
        'version: "3.1"\nnlu:\n- intent: order_status\n  examples: |\n'
        "    - where is my parcel\n    - has it shipped yet\n"
    )
    assert mine.review_text not in regressions.read_text(encoding="utf-8")
    assert receipt.retrain_flagged
    assert receipt.removed["data/nlu/informative/order_status.yml"] == 1
    assert receipt.removed["tests/nlu/regressions.yml"] == 1
    reasons = retrain_reasons(data_dir)
    assert len(reasons) == 1 and receipt.erased_id in reasons[0]
    assert (data_dir / RETRAIN_FLAG).is_file()
    with locations.new_uow() as uow:
        changes = session_of(uow).get(TrainingRun, run).changes
    assert [c["text"] for c in changes] == ["[erased]", "a trainer's own example"]
    assert receipt.removed["training_runs"] == 1


def recorded_run(locations: DataLocations, text: str) -> int:
    """The retraining that took the label, with its record of the change (as cim train
    writes it), beside a change of someone else's."""
    with locations.new_uow() as uow:
        item = uow.reviews.by_key(key=text)
        assert item is not None
        run = TrainingRun(requested_by="trainer", outcome="accepted")
        run.changes = [
            {"item_id": item.id, "text": text, "intent": "order_status", "new_type": None},
            {"item_id": None, "text": "a trainer's own example", "intent": "greet"},
        ]
        uow.reviews.add_run(run)
        item.trained_in = run.id
        uow.commit()
        return int(run.id)


async def test_their_notes_merged_into_anothers_inbox_item_are_removed(
    locations: DataLocations, store_url: str, tracker_url: str
) -> None:
    mine, other = await two_footprints(locations, store_url, tracker_url)
    with locations.new_uow() as uow:
        item = uow.reviews.by_key(key=other.review_text)
        rating = uow.ratings.for_conversation(conversation_id=mine.web_conversation)
        assert item is not None and rating is not None
        item.details = {**item.details, "notes": mine.note, "disposition": "solved"}
        uow.reviews.mark_collected(kind="rating", source_id=rating.id, item_id=item.id)
        uow.commit()
    erase_customer(locations, public_id="C0001", actor=ACTOR)
    with locations.new_uow() as uow:
        kept = uow.reviews.by_key(key=other.review_text)
        assert kept is not None and kept.details == {"disposition": "solved"}


async def test_no_labelled_example_flags_no_retrain(
    locations: DataLocations, store_url: str, tracker_url: str, data_dir: Path
) -> None:
    await two_footprints(locations, store_url, tracker_url)
    receipt = erase_customer(locations, public_id="C0001", actor=ACTOR)
    assert not receipt.retrain_flagged and retrain_reasons(data_dir) == []


async def test_erasing_one_conversation_leaves_the_customer_and_their_other_one(
    locations: DataLocations, store_url: str, tracker_url: str, tracker: Engine
) -> None:
    mine, _other = await two_footprints(locations, store_url, tracker_url)
    store = get_engine(store_url)
    before = kpi_totals(store)
    receipt = erase_conversation(
        locations, conversation_id=mine.web_conversation, customer_id=mine.customer.id, actor=ACTOR
    )
    assert receipt.kind == "conversation" and receipt.removed["events"] > 0
    assert "orders" not in receipt.kept and "kpi_conversations" in receipt.kept
    left = [mine.web_conversation, mine.note, mine.rating_comment, mine.review_text]
    assert traces(store, tracker, left, kept_orders=()) == []
    assert conversations_of(locations, customer_id=mine.customer.id) == [mine.rest_conversation]
    with locations.new_uow() as uow:
        assert find_customer(uow, public_id="C0001") == mine.customer
    assert kpi_totals(store) == before
    again = erase_conversation(
        locations, conversation_id=mine.web_conversation, customer_id=mine.customer.id, actor=ACTOR
    )
    assert again.already_erased and again.total == 0


async def test_erasing_a_conversation_of_another_customer_is_refused(
    locations: DataLocations, store_url: str, tracker_url: str, tracker: Engine
) -> None:
    mine, other = await two_footprints(locations, store_url, tracker_url)
    for proven in (False, True):  # a signed session id never outweighs another's rows
        with pytest.raises(NotTheirConversation):
            erase_conversation(
                locations,
                conversation_id=other.web_conversation,
                customer_id=mine.customer.id,
                actor=ACTOR,
                owner_proven=proven,
            )
    assert conversations_of(locations, customer_id=other.customer.id) == sorted(
        [other.web_conversation, other.rest_conversation]
    )


def test_a_fresh_store_without_trackers_or_kpis_is_erased_too(
    locations: DataLocations, data_dir: Path
) -> None:
    bare = DataLocations(locations.new_uow, tracker_engine=None, data_dir=None)
    receipt = erase_customer(bare, public_id="C0003", actor=ACTOR, now=_now())
    assert receipt.removed["customers"] == 1 and receipt.removed["events"] == 0
    assert date.today() >= receipt.erased_at.date()


async def test_trackers_kept_in_the_stores_own_database_are_erased_too(
    store: Any, store_url: str, data_dir: Path
) -> None:
    """The production profile keeps the `events` table in the store's database."""
    engine = get_engine(store_url)
    events_table.create(engine, checkfirst=True)
    together = DataLocations(
        new_uow=lambda: SqlAlchemyUnitOfWork(store), tracker_engine=engine, data_dir=data_dir
    )
    mine, other = await two_footprints(together, store_url, store_url)
    receipt = erase_customer(together, public_id="C0001", actor=ACTOR)
    with engine.connect() as connection:
        senders = set(connection.scalars(sa.select(events_table.c.sender_id).distinct()))
    assert senders == {other.web_conversation, other.rest_conversation}
    assert receipt.removed["events"] > 0
    assert traces(engine, engine, [mine.customer.email, *mine.said], kept_orders=()) == []
