"""Reading shopping messages against the catalogue: budgets, needs, names, things not sold.

The sentences are our own; each asserts the mechanism (the catalogue's words), not a phrase.
"""

from __future__ import annotations

import pytest

from bot.services.catalogue_requests import asked_things, budget_in, named_products, stem
from bot.services.recommendations import answer_question, recommend_for
from bot.services.views import ProductView
from bot.store.products import CATALOGUE
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW

PRODUCTS = [
    ProductView(e.sku, e.name, e.category, e.price_cents, e.in_stock, e.description)
    for e in CATALOGUE
]


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("anything below $25 for my niece?", 2500),
        ("I can spend up to 70 dollars", 7000),
        ("not more than 15 bucks please", 1500),
        ("budget roughly $200", 22000),  # "roughly": a little room
        ("somewhere around 30-45 dollars", 4950),
        ("the 55L pack for 3 days", None),  # sizes and counts are not money
        ("a 2 person tent", None),
    ],
)
def test_budgets_are_read_as_a_person_states_them(text: str, cents: int | None) -> None:
    budget = budget_in(text)
    assert (budget.max_cents if budget else None) == cents


def test_plural_and_singular_read_alike() -> None:
    assert stem("boots") == stem("boot") and stem("batteries") == "battery"


def test_forms_of_an_activity_read_alike() -> None:
    assert stem("runs") == stem("running") == stem("runner")
    assert stem("hikes") == stem("hiking") == stem("hiker")


def test_a_word_naming_one_product_outweighs_one_many_share(reader: UoW) -> None:
    found = recommend_for(reader, text="which watch would suit a jogger who runs", customer_id=None)
    assert found.products[0].name == "GPS Watch Pro"


def test_every_product_a_message_names_is_found_in_its_order() -> None:
    text = "how do the merino base layer and the storm shell compare on warmth?"
    assert [p.name for p in named_products(text, PRODUCTS)] == [
        "Merino Base Layer",
        "Storm Rain Shell",
    ]


def test_a_single_shared_word_names_nothing() -> None:
    assert named_products("something for a long trail", PRODUCTS) == []


def test_things_the_catalogue_has_no_word_for_are_not_sold() -> None:
    things = asked_things("do you stock surfboards or wetsuits?", PRODUCTS)
    assert [(t.text, t.sold) for t in things] == [("surfboards", False), ("wetsuits", False)]


def test_an_unknown_kind_of_a_known_thing_is_not_sold_but_has_an_alternative() -> None:
    (thing,) = asked_things("do you sell climbing boots", PRODUCTS)
    assert not thing.sold
    assert [p.name for p in thing.matches] == ["Summit Hiking Boots"]


@pytest.mark.parametrize("text", ["do you carry leather boots", "do you sell kids' boots"])
def test_a_describing_word_is_no_other_kind_of_thing(text: str) -> None:
    (thing,) = asked_things(text, PRODUCTS)
    assert thing.sold and [p.name for p in thing.matches] == ["Summit Hiking Boots"]


def test_a_known_thing_is_sold_with_its_products() -> None:
    (thing,) = asked_things("do you carry sleeping bags", PRODUCTS)
    assert thing.sold and "Sleeping Bag -5C" in [p.name for p in thing.matches]


def test_only_the_shops_own_verbs_count_when_asked_to_be_strict() -> None:
    text = "looking for a birthday present"
    assert asked_things(text, PRODUCTS, shop_verbs_only=True) == []


def test_a_recommendation_follows_the_need(reader: UoW) -> None:
    found = recommend_for(reader, text="what should I cook on when we camp?", customer_id=None)
    assert [p.name for p in found.products] == ["Camp Stove Mini"]


def test_a_recommendation_stays_within_the_budget(reader: UoW) -> None:
    found = recommend_for(reader, text="something for hiking, max $30", customer_id=None)
    assert found.products and all(p.price_cents <= 3000 for p in found.products)
    assert not found.over_budget


def test_nothing_within_the_budget_is_said_with_the_closest(reader: UoW) -> None:
    found = recommend_for(reader, text="a tech gadget under $10", customer_id=None)
    assert found.over_budget and found.products
    assert found.products[0].category == "electronics"


def test_without_a_need_a_signed_in_customer_gets_their_own_categories(
    reader: UoW, maria: object
) -> None:
    found = recommend_for(reader, text="any ideas?", customer_id=maria.id)  # type: ignore[attr-defined]
    assert found.personal and found.products


def test_answer_names_every_product_asked_about(reader: UoW) -> None:
    answer = answer_question(
        reader, text="price of the headlamp 400 vs the first aid kit?", product_name=None
    )
    assert [p.name for p in answer.named] == ["Headlamp 400", "First Aid Kit"]
