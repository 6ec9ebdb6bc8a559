"""Loading the YAML suite: what a good file becomes, and the clear error for a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tools.evaluation.simulate.conftest import SUITE, write
from tools.evaluation.simulate.shop_facts import ShopFacts
from tools.evaluation.simulate.suite import load_suite
from tools.evaluation.simulate.vocabulary import SuiteError

GOOD = """
conversations:
  - id: status-one
    routine: true
    customer:
      identity: signed_in
      situation: {open_orders: 2, has: [in_transit]}
      orders:
        moving: {status: in_transit}
    turns:
      - say: "where's {moving}?"
        expect:
          - mentions_order: {order: moving, facts: [status, eta]}
          - not_fallback
      - "thanks"
    end:
      - store_unchanged
"""


def _load(tmp_path: Path, body: str, name: str = "order_status.yml") -> None:
    write(tmp_path, name, body)
    load_suite(tmp_path)


def _error(tmp_path: Path, body: str) -> str:
    with pytest.raises(SuiteError) as raised:
        _load(tmp_path, body)
    return str(raised.value)


def test_a_good_file_becomes_conversations_named_by_the_file(tmp_path: Path) -> None:
    write(tmp_path, "order_status.yml", GOOD)
    suite = load_suite(tmp_path)
    (only,) = suite.conversations
    assert only.category == "order_status"
    assert only.customer.identity == "signed_in"
    assert only.customer.situation is not None and only.customer.situation.open_orders == 2
    assert [t.say for t in only.turns] == ["where's {moving}?", "thanks"]
    first = only.turns[0].expect
    assert first[0].kind == "mentions_order"
    assert first[0].value == {"order": "moving", "facts": ("status", "eta")}
    assert first[1].kind == "not_fallback"
    assert [e.kind for e in only.end] == ["store_unchanged"]


def test_an_unknown_expectation_is_named_with_its_place(tmp_path: Path) -> None:
    message = _error(tmp_path, GOOD.replace("- not_fallback", "- sounds_friendly"))
    assert "order_status.yml: conversation status-one, turn 1" in message
    assert "unknown expectation 'sounds_friendly'" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("    routine: true\n", ""), "missing field(s) ['routine']"),
        (
            ('      - say: "where\'s {moving}?"\n', "      - expect: []\n"),
            "missing field(s) ['say']",
        ),
        (("{order: moving, facts", "{facts"), "missing field(s) ['order']"),
        (("facts: [status, eta]", "facts: [status, colour]"), "unknown facts ['colour']"),
        (("identity: signed_in", "identity: logged_in"), "identity 'logged_in'"),
        (("open_orders: 2", "open_ordres: 2"), "unknown field(s) ['open_ordres']"),
        (("has: [in_transit]", "has: [on_the_way]"), "unknown order status(es) ['on_the_way']"),
        (("- store_unchanged", "- not_fallback"), "not_fallback judges a reply"),
        (("where's {moving}?", "where's {parcel}?"), "unknown placeholder {parcel}"),
        (("order: moving, facts", "order: parcel, facts"), "order 'parcel' is not declared"),
        (("- not_fallback", "- not_fallback: maybe"), "takes no value"),
    ],
)
def test_a_bad_file_says_what_is_wrong(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    assert change[0] in GOOD
    assert expected in _error(tmp_path, GOOD.replace(*change))


def test_not_yaml_and_no_conversations_list_are_refused(tmp_path: Path) -> None:
    assert "not valid YAML" in _error(tmp_path, "conversations: [\n")
    assert "needs a top-level 'conversations:' list" in _error(tmp_path, "- id: x\n")


def test_a_persona_field_needs_a_customer(tmp_path: Path) -> None:
    body = """
conversations:
  - id: anon
    routine: true
    turns: ["my email is {email}"]
"""
    assert "{email} needs a customer with a situation" in _error(tmp_path, body)


def test_ids_are_unique_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yml", GOOD)
    write(tmp_path, "b.yml", GOOD)
    with pytest.raises(SuiteError, match=r"'status-one' is also used in a\.yml"):
        load_suite(tmp_path)


def test_policy_topics_and_facts_are_checked_when_known(tmp_path: Path) -> None:
    body = """
conversations:
  - id: p
    routine: true
    turns:
      - say: "do you take paypal"
        expect: [{answers_policy: {topic: payment, facts: [bitcoin]}}]
"""
    write(tmp_path, "policies.yml", body)
    with pytest.raises(SuiteError, match=r"topic payment has no facts \['bitcoin'\]"):
        load_suite(tmp_path, topics={"payment": ("paypal", "cards")})
    with pytest.raises(SuiteError, match="unknown policy topic 'payment'"):
        load_suite(tmp_path, topics={"shipping": ("free_over",)})


def test_categories_filter_and_unknown_category(tmp_path: Path) -> None:
    write(tmp_path, "order_status.yml", GOOD)
    write(tmp_path, "feedback.yml", GOOD.replace("status-one", "feedback-one"))
    assert [c.id for c in load_suite(tmp_path, categories=["feedback"]).conversations] == [
        "feedback-one"
    ]
    with pytest.raises(SuiteError, match="no conversations in categories"):
        load_suite(tmp_path, categories=["refunds"])


def test_the_project_suite_loads_with_every_category(shop: ShopFacts) -> None:
    topics = {name: tuple(topic.facts) for name, topic in shop.topics.items()}
    suite = load_suite(SUITE, topics=topics)
    assert len(suite.conversations) >= 150
    assert set(suite.categories()) >= {
        "order_status",
        "cancellation",
        "address_change",
        "refunds",
        "loyalty",
        "products",
        "recommendations",
        "policies",
        "account",
        "verification",
        "context",
        "multi_question",
        "conflict",
        "feedback",
    }
    assert any(not c.routine for c in suite.conversations)
