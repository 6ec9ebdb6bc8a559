"""The simulation runner through the real product: a few suite conversations on the shared
stack, over REST and socket.io, with one deliberately wrong expectation, so the instrument
is shown to fail as well as to pass."""

from __future__ import annotations

from typing import Any

import pytest

from bot.settings import PROJECT_ROOT
from tests.e2e.stack import Stack
from tools.evaluation.simulate.cli import NICKNAMES_FILE, load_nicknames
from tools.evaluation.simulate.report import markdown, summarise
from tools.evaluation.simulate.runner import Runner, Target
from tools.evaluation.simulate.shop_facts import ShopFacts, load_shop_facts
from tools.evaluation.simulate.suite import Suite, load_suite, parse_conversation

SUITE = PROJECT_ROOT / "simulations"
SUBSET = (
    "status-parcel-news-one-in-transit",
    "status-anonymous-verifies-step-by-step",
    "cancel-single-open-order-yes",
    "policy-paypal",
    "product-bicycles-not-sold",
    "conflict-human-please",
)
# Must pass on any working product: a status question changes nothing.
CONTROL: dict[str, Any] = {
    "id": "control-status-changes-nothing",
    "routine": True,
    "customer": {
        "identity": "signed_in",
        "situation": {"has": ["in_transit"]},
        "orders": {"moving": {"status": "in_transit"}},
    },
    "turns": [{"say": "where is order {moving}?", "expect": [{"order_unchanged": "moving"}]}],
}
# Can never pass: asking where an order is does not cancel it.
WRONG: dict[str, Any] = {
    **CONTROL,
    "id": "wrong-status-cancels-the-order",
    "turns": [
        {
            "say": "where is order {moving}?",
            "expect": [{"order_state": {"order": "moving", "status": "cancelled"}}],
        }
    ],
}


@pytest.fixture(scope="module")
def shop() -> ShopFacts:
    return load_shop_facts(SUITE / "_shop_facts.yml", policy_file=PROJECT_ROOT / "escalation.yml")


def _suite(ids: tuple[str, ...]) -> Suite:
    chosen = [c for c in load_suite(SUITE).conversations if c.id in ids]
    extra = [parse_conversation(c, category="instrument", source="test") for c in (CONTROL, WRONG)]
    return Suite(tuple(chosen + extra))


def _play(stack: Stack, shop: ShopFacts, suite: Suite, transport: str) -> dict[str, Any]:
    target = Target(
        rasa_url=stack.rasa_url,
        database_url=stack.settings.database_url,
        token_secret=stack.settings.token_secret,
        rasa_token=stack.settings.rasa_auth_token,
        transport=transport,
    )
    runner = Runner(target, shop, load_nicknames(SUITE / NICKNAMES_FILE), say=lambda _: None)
    return summarise(runner.run(suite), meta={"command": "test", "transport": transport})


def _by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in report["conversations"]}


def test_a_subset_of_the_suite_runs_through_the_product(stack: Stack, shop: ShopFacts) -> None:
    report = _play(stack, shop, _suite(SUBSET), "rest")
    played = _by_id(report)
    assert set(played) == {*SUBSET, CONTROL["id"], WRONG["id"]}
    assert report["overall"]["played"] == len(SUBSET) + 2
    assert set(report["categories"]) == {
        "order_status",
        "cancellation",
        "policies",
        "products",
        "conflict",
        "instrument",
    }
    assert report["overall"]["needs_person"] == 1
    for conversation in played.values():
        assert conversation["setup_error"] is None and conversation["conversation_id"]
        for turn in conversation["turns"]:
            assert turn["replies"] or turn["failures"], turn  # silence is judged, not ignored
            assert turn["intent"] is not None  # read back from Rasa's tracker
    assert played[CONTROL["id"]]["resolved"] is True
    wrong = played[WRONG["id"]]
    assert wrong["resolved"] is False
    assert wrong["turns"][0]["failures"][0]["expectation"] == (
        "order_state(order: moving, status: cancelled)"
    )
    assert "wrong-status-cancels-the-order" in markdown(report)
    assert report["meta"]["rate_limited_turns"] == 0


def test_the_same_runs_over_socketio(stack: Stack, shop: ShopFacts) -> None:
    report = _play(stack, shop, _suite(("policy-paypal",)), "socketio")
    played = _by_id(report)
    assert played[CONTROL["id"]]["resolved"] is True
    assert played[WRONG["id"]]["resolved"] is False
    replies = played["policy-paypal"]["turns"][0]["replies"]
    assert replies and all(r["text"] for r in replies)
