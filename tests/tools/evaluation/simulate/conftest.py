"""A real seeded store for the simulation tests, and helpers to build conversations, casts
and turn records the way the runner does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import PROJECT_ROOT
from bot.store.db import create_schema, get_engine, session_factory
from tools.evaluation.simulate.cast import Cast, World, cast
from tools.evaluation.simulate.record import Judge, TurnNotes, TurnRecord
from tools.evaluation.simulate.runner import Runner, Target
from tools.evaluation.simulate.shop_facts import ShopFacts, load_shop_facts
from tools.evaluation.simulate.store import Snapshot, StoreReader
from tools.evaluation.simulate.suite import Conversation, parse_conversation
from tools.evaluation.simulate.transport import Reply
from tools.seed.databases import SEED_NOW, temporary_database
from tools.seed.demo_store import seed_demo_data

SUITE = PROJECT_ROOT / "simulations"
TODAY = SEED_NOW.date()


def _seeded(url: str) -> str:
    create_schema(get_engine(url))
    seed_demo_data(session_factory(url), customers=40, orders=200, now=SEED_NOW)
    return url


@pytest.fixture(scope="module")
def store_url() -> Iterator[str]:
    """A seeded store the module's tests only read."""
    with temporary_database("sqlite") as url:
        yield _seeded(url)


@pytest.fixture
def fresh_store_url() -> Iterator[str]:
    """A seeded store of the test's own, to change."""
    with temporary_database("sqlite") as url:
        yield _seeded(url)


@pytest.fixture(scope="module")
def shop() -> ShopFacts:
    return load_shop_facts(SUITE / "_shop_facts.yml", policy_file=PROJECT_ROOT / "escalation.yml")


def conversation(text: str, *, category: str = "test") -> Conversation:
    """One conversation from its YAML, as a suite file would hold it."""
    return parse_conversation(yaml.safe_load(text), category=category, source="test.yml")


def world(url: str) -> World:
    return Runner(Target("http://unused", url, "secret"), _shop_stub(), {}).world()


def _shop_stub() -> ShopFacts:
    return ShopFacts({})


def cast_of(text: str, url: str, *, used: set[str] | None = None) -> tuple[Conversation, Cast]:
    spec = conversation(text)
    return spec, cast(spec, world(url), used=used or set())


def judge_for(chosen: Cast, url: str, shop: ShopFacts) -> Judge:
    start = StoreReader(url).snapshot(customer_ids=chosen.customer_ids, conversation_id="c-1")
    return Judge(chosen, start, shop, tuple(StoreReader(url).products()), TODAY)


def turn(
    *replies: str,
    before: Snapshot,
    after: Snapshot | None = None,
    buttons: tuple[str, ...] = (),
    notes: TurnNotes | None = None,
    text: str = "hello",
    **extra: Any,
) -> TurnRecord:
    made = [Reply(r) for r in replies]
    if buttons:
        made.append(Reply("", buttons))
    return TurnRecord(
        1, text, tuple(made), before, after or before, notes=notes, typed=text, **extra
    )


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path
