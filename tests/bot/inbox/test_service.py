"""The review inbox on SQLite and PostgreSQL: redacted, merged, grouped, decided."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from bot.inbox import service
from bot.inbox.service import Names, Observation, observation_from_parse, record
from bot.store.review_models import ReviewItem
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW

PERSONAL = "I'm Maria Lopez, maria@example.com, +49 30 1234 5678, order 100001, 12 Baker Street"


def parse(text: str, intent: str, confidence: float, *ranking: tuple[str, float]) -> dict[str, Any]:
    return {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        "interaction_type": {"name": "service", "confidence": 0.7},
    }


def test_only_unsure_fallen_back_or_out_of_scope_messages_are_observed() -> None:
    sure = parse("where is my order", "order_status", 0.97)
    assert observation_from_parse(sure, conversation_id="c", review_below=0.6) is None
    unsure = observation_from_parse(
        parse("wheres my stuff", "order_status", 0.41, ("order_status", 0.41), ("greet", 0.2)),
        conversation_id="c",
        review_below=0.6,
    )
    assert unsure is not None and unsure.source == "low_confidence"
    assert unsure.suggestions == (("order_status", 0.41), ("greet", 0.2))
    fallback = observation_from_parse(
        parse("blorp", "nlu_fallback", 0.35, ("nlu_fallback", 0.35), ("greet", 0.3)),
        conversation_id="c",
        review_below=0.6,
    )
    assert fallback is not None and fallback.source == "fallback"
    assert fallback.suggestions == (("greet", 0.3),)  # the fallback is no suggestion
    button = parse("/affirm", "affirm", 0.1)
    assert observation_from_parse(button, conversation_id="c", review_below=0.6) is None
    for bad in ({}, {"text": None}, {"text": "   "}, {"text": 5, "intent": "x"}):
        assert observation_from_parse(bad, conversation_id=None, review_below=0.6) is None


def test_nothing_personal_reaches_the_inbox_tables(uow: UoW, factory: sessionmaker) -> None:
    names = Names(lambda: UoW(factory)).matcher()
    item = record(
        uow,
        Observation(
            text=PERSONAL,
            source="handoff",
            details={"notes": "customer Maria Lopez called from +49 30 1234 5678", "rating": 1},
        ),
        names=names,
    )
    assert item is not None
    assert item.text == "I'm [NAME], [EMAIL], [PHONE], order [ORDER], [ADDRESS]"
    assert item.details == {"notes": "customer [NAME] called from [PHONE]", "rating": 1}
    with factory() as session:
        stored = " ".join(
            f"{row.key} {row.text} {row.details}" for row in session.scalars(select(ReviewItem))
        )
    for secret in ("Maria", "maria@", "1234", "100001", "Baker"):
        assert secret.lower() not in stored.lower()


def test_exact_duplicates_are_merged(uow: UoW) -> None:
    first = record(uow, Observation(text="Wheres my parcel??", source="fallback"))
    again = record(uow, Observation(text="  wheres my  PARCEL ", source="low_confidence"))
    assert first is not None and again is not None
    assert again.id == first.id and again.count == 2
    assert record(uow, Observation(text="   ", source="fallback")) is None
    assert record(uow, Observation(text=None, source="fallback")) is None  # type: ignore[arg-type]


def test_groups_are_ranked_by_frequency_with_their_top_suggestions(uow: UoW) -> None:
    for text, times in (
        ("where is my parcel", 3),
        ("where is my parcell", 2),
        ("do you sell gift cards", 1),
    ):
        for _ in range(times):
            record(
                uow,
                Observation(
                    text=text,
                    source="fallback",
                    suggestions=(("order_status", 0.5), ("product_info", 0.2)),
                ),
            )
    groups = service.list_groups(uow)
    assert [g.count for g in groups] == [5, 1]
    assert [i.text for i in groups[0].items] == ["where is my parcel", "where is my parcell"]
    assert groups[0].suggestions[0] == ("order_status", 0.5)


def test_decisions(uow: UoW) -> None:
    a = record(uow, Observation(text="gift card balance?", source="fallback"))
    b = record(uow, Observation(text="what's the weather", source="out_of_scope"))
    assert a is not None and b is not None
    known = {"order_status", "gift_cards"}
    refused = service.decide(
        uow, item_ids=[a.id], decision="label", intent="nope", known_intents=known
    )
    assert refused.reason == "unknown_intent"
    assert service.decide(uow, item_ids=[a.id], decision="label", intent="Bad Name!").reason == (
        "bad_intent_name"
    )
    assert service.decide(uow, item_ids=[], decision="discard").reason == "no_items"
    assert service.decide(uow, item_ids=["x", None], decision="discard").reason == "no_items"
    assert service.decide(uow, item_ids=[999999], decision="discard").reason == "not_found"
    assert service.decide(uow, item_ids=[a.id], decision="explode").reason == "unknown_decision"
    done = service.decide(
        uow, item_ids=[a.id], decision="label", intent="gift_cards", known_intents=known
    )
    assert done.ok and done.items[0].state == "labelled" and done.items[0].label == "gift_cards"
    assert service.decide(uow, item_ids=[a.id], decision="discard").reason == "already_decided"
    assert service.decide(uow, item_ids=[b.id], decision="out_of_scope").ok
    assert service.list_groups(uow) == []
    with uow:
        assert [i.label for i in uow.reviews.untrained_labels()] == ["gift_cards", None]


def test_a_label_can_name_a_new_intent_with_its_type(uow: UoW) -> None:
    item = record(uow, Observation(text="do you sell gift cards", source="fallback"))
    assert item is not None
    known = {"greet"}
    assert (
        service.decide(
            uow,
            item_ids=[item.id],
            decision="label",
            intent="greet",
            new_intent_type="sales",
            known_intents=known,
        ).reason
        == "intent_exists"
    )
    assert (
        service.decide(
            uow,
            item_ids=[item.id],
            decision="label",
            intent="gift_cards",
            new_intent_type="nope",
            known_intents=known,
        ).reason
        == "unknown_interaction_type"
    )
    done = service.decide(
        uow,
        item_ids=[item.id],
        decision="label",
        intent="gift_cards",
        new_intent_type="sales",
        known_intents=known,
    )
    assert done.ok and done.items[0].details["new_intent_type"] == "sales"
