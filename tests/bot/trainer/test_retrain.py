"""The labels the trainer page counts as pending (the job that trains them: tests/tools/retrain)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import sessionmaker

from bot.inbox import service
from bot.inbox.service import Observation, record
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW
from bot.trainer.retrain import pending_labels
from tests.bot.services.conftest import SMALL_SEED
from tests.bot.trainer.factories import labelled
from tools.seed.databases import seeded_database


@pytest.fixture
def factory() -> Iterator[sessionmaker]:
    with seeded_database("sqlite", **SMALL_SEED) as made:
        yield made


def test_pending_labels_include_new_intents_and_out_of_scope(factory: sessionmaker) -> None:
    labelled(factory, "gift card please", "gift_cards", new_intent_type="sales")
    item = record(UoW(factory), Observation(text="whats the weather", source="fallback"))
    assert item is not None
    service.decide(UoW(factory), item_ids=[item.id], decision="out_of_scope")
    labels = pending_labels(UoW(factory))
    assert [(label.intent, label.new_type) for label in labels] == [
        ("gift_cards", "sales"),
        ("out_of_scope", None),
    ]


def test_no_labels_are_pending_in_a_fresh_store(factory: sessionmaker) -> None:
    assert pending_labels(UoW(factory)) == []
