"""Casting against a real seeded store: the customer fits the situation, the named orders
are theirs and distinct, placeholders become their facts, and the pick is repeatable."""

from __future__ import annotations

import pytest

from tests.tools.evaluation.simulate.conftest import cast_of, conversation, world
from tools.evaluation.simulate.cast import SetupError, candidates
from tools.evaluation.simulate.store import StoreReader

TWO_OPEN = """
id: two-open
routine: true
customer:
  identity: signed_in
  situation: {open_orders: 2, has: [in_transit]}
  orders:
    moving: {status: in_transit}
    other_open: {open: true}
turns:
  - "where's {moving}? the one with the {moving.item} - {first_name} here, {email}"
"""


def test_the_customer_has_exactly_the_situation_asked_for(store_url: str) -> None:
    _, chosen = cast_of(TWO_OPEN, store_url)
    assert chosen.persona is not None
    orders = StoreReader(store_url).orders(customer_ids=[chosen.persona.id])
    assert sum(o.is_open for o in orders) == 2
    assert any(o.status == "in_transit" for o in orders)
    moving, other = chosen.orders["moving"], chosen.orders["other_open"]
    assert moving.status == "in_transit" and other.is_open and moving.number != other.number
    assert {moving.customer_id, other.customer_id} == {chosen.persona.id}


def test_placeholders_become_the_customers_facts(store_url: str) -> None:
    _, chosen = cast_of(TWO_OPEN, store_url)
    moving, persona = chosen.orders["moving"], chosen.persona
    assert persona is not None
    (text,) = chosen.texts
    assert f"where's {moving.number}?" in text
    assert persona.first_name in text and persona.email in text
    item = text.split("the one with the ")[1].split(" - ")[0]
    assert item in moving.items
    assert item not in chosen.orders["other_open"].items


def test_the_pick_is_repeatable_and_prefers_unused_customers(store_url: str) -> None:
    _, first = cast_of(TWO_OPEN, store_url)
    _, again = cast_of(TWO_OPEN, store_url)
    assert first.persona == again.persona
    assert first.persona is not None
    _, next_one = cast_of(TWO_OPEN, store_url, used={first.persona.public_id})
    assert next_one.persona is not None and next_one.persona != first.persona


def test_an_order_of_another_customer(store_url: str) -> None:
    _, chosen = cast_of(
        """
id: attack
routine: true
customer:
  identity: signed_in
  situation: {min_orders: 1}
  orders:
    theirs: {owner: other, status: shipped}
turns: ["status of {theirs} please, I'm {other.first_name}"]
""",
        store_url,
    )
    assert chosen.persona is not None and chosen.other is not None
    theirs = chosen.orders["theirs"]
    assert theirs.customer_id == chosen.other.id != chosen.persona.id
    assert chosen.texts == (f"status of {theirs.number} please, I'm {chosen.other.first_name}",)
    assert set(chosen.customer_ids) == {chosen.persona.id, chosen.other.id}


def test_builtin_orders_are_the_newest(store_url: str) -> None:
    _, chosen = cast_of(
        """
id: newest
routine: true
customer: {identity: signed_in, situation: {min_open_orders: 1}}
turns:
  - say: "hi"
    expect: [{mentions_order: newest_open}]
""",
        store_url,
    )
    assert chosen.persona is not None
    mine = StoreReader(store_url).orders(customer_ids=[chosen.persona.id])
    assert chosen.orders["newest"] == mine[0]
    assert chosen.orders["newest_open"] == next(o for o in mine if o.is_open)


def test_nobody_fits_an_impossible_situation(store_url: str) -> None:
    with pytest.raises(SetupError, match="no customer in the store fits"):
        cast_of(
            """
id: impossible
routine: true
customer: {identity: signed_in, situation: {open_orders: 1, min_open_orders: 2}}
turns: ["hi"]
""",
            store_url,
        )


def test_the_world_groups_orders_and_refunds_by_customer(store_url: str) -> None:
    seen = world(store_url)
    assert len(seen.customers) == 43  # the three demo customers and 40 random ones
    maria = next(c for c in seen.customers if c.public_id == "C0001")
    assert [o.number for o in seen.orders[maria.id]] == ["100001", "100002", "100003"]
    assert [r.status for r in seen.refunds[maria.id]] == ["approved"]


def test_scarce_situations_have_fewer_candidates_than_common_ones(store_url: str) -> None:
    everyone = conversation('id: anyone\nroutine: true\nturns: ["hi"]\n')
    scarce = conversation(TWO_OPEN)
    impossible = conversation(
        "id: none\nroutine: true\n"
        "customer: {identity: signed_in, situation: {open_orders: 1, min_open_orders: 2}}\n"
        'turns: ["hi"]\n'
    )
    shop = world(store_url)
    assert candidates(everyone, shop) == len(shop.customers)
    assert 0 < candidates(scarce, shop) < len(shop.customers)
    assert candidates(impossible, shop) == 0
