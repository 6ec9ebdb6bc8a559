from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot.escalation import Decision, EscalationPolicy, Signals, Weights, decide

POLICY = EscalationPolicy()
CALM = "Where is my order 100234?"


def signals(**overrides: object) -> Signals:
    values: dict[str, object] = {
        "intent": "order_status",
        "interaction_type": "service",
        "interaction_confidence": 0.95,
        "latest_text": CALM,
        "customer_tier": "standard",
    }
    values.update(overrides)
    return Signals(**values)  # type: ignore[arg-type]


COMPLAINT = {"intent": "complaint", "interaction_type": "conflict"}
NEGATIVE = {"latest_text": "this shop is useless"}
SHOUTING = {"latest_text": "WHERE IS MY PARCEL"}
REPEATED = {"recent_texts": ("where is my parcel??",), "latest_text": "Where is my parcel"}

# (case, signals, escalate, reason codes)
DECISION_TABLE = [
    ("calm question", {}, False, ()),
    (
        "explicit request",
        {"intent": "request_human", "explicit_request": True},
        True,
        ("explicit_request",),
    ),
    ("one fallback", {"consecutive_fallbacks": 1}, False, ()),
    ("two fallbacks in a row", {"consecutive_fallbacks": 2}, True, ("repeated_fallback",)),
    ("three fallbacks in a row", {"consecutive_fallbacks": 3}, True, ("repeated_fallback",)),
    ("confident conflict", {**COMPLAINT, "interaction_confidence": 0.91}, True, ("conflict",)),
    (
        "conflict at the threshold",
        {**COMPLAINT, "interaction_confidence": 0.6},
        True,
        ("conflict",),
    ),
    ("unsure conflict", {**COMPLAINT, "interaction_confidence": 0.59}, False, ()),
    ("conflict from a button", {**COMPLAINT, "interaction_confidence": None}, True, ("conflict",)),
    ("shouting alone", SHOUTING, False, ("all_caps",)),
    ("short capitals are no shouting", {"latest_text": "OK NO"}, False, ()),
    ("negative wording alone", NEGATIVE, False, ("negative_words",)),
    ("repetition alone", REPEATED, False, ("repetition",)),
    ("a short answer twice", {"recent_texts": ("yes",), "latest_text": "yes"}, False, ()),
    ("a different message", {"recent_texts": ("hi there",), "latest_text": CALM}, False, ()),
    ("failed action", {"failed_action": True}, True, ("failed_action",)),
    ("vip alone", {"customer_tier": "vip"}, False, ("vip",)),
    ("gold is no vip", {"customer_tier": "gold"}, False, ()),
    (
        "negative and repeated",
        {"recent_texts": ("this is useless",), "latest_text": "this is useless!"},
        False,
        ("negative_words", "repetition"),
    ),
    (
        "shouting, negative and repeated",
        {"recent_texts": ("THIS IS USELESS",), "latest_text": "THIS IS USELESS!!"},
        True,
        ("negative_words", "all_caps", "repetition"),
    ),
    (
        "vip, negative and repeated",
        {"customer_tier": "vip", "recent_texts": ("useless bot",), "latest_text": "useless bot"},
        True,
        ("negative_words", "repetition", "vip"),
    ),
    (
        "vip complaint asking for a person",
        {**COMPLAINT, "customer_tier": "vip", "explicit_request": True},
        True,
        ("explicit_request", "conflict", "vip"),
    ),
    (
        "everything at once",
        {
            **COMPLAINT,
            "explicit_request": True,
            "consecutive_fallbacks": 2,
            "failed_action": True,
            "recent_texts": ("THIS IS TERRIBLE",),
            "latest_text": "THIS IS TERRIBLE",
            "customer_tier": "vip",
        },
        True,
        (
            "explicit_request",
            "repeated_fallback",
            "conflict",
            "negative_words",
            "all_caps",
            "repetition",
            "failed_action",
            "vip",
        ),
    ),
]


@pytest.mark.parametrize(
    ("overrides", "escalate", "codes"),
    [case[1:] for case in DECISION_TABLE],
    ids=[case[0] for case in DECISION_TABLE],
)
def test_decision_table(
    overrides: dict[str, object], escalate: bool, codes: tuple[str, ...]
) -> None:
    decision = decide(signals(**overrides), POLICY)
    assert (decision.escalate, decision.codes) == (escalate, codes)
    assert decision.score == round(sum(reason.weight for reason in decision.reasons), 3)


def test_the_conflict_reason_explains_type_confidence_and_threshold() -> None:
    decision = decide(signals(**COMPLAINT, interaction_confidence=0.91), POLICY)
    [reason] = decision.reasons
    assert reason.explanation == "conflict (complaint) with confidence 0.91 ≥ 0.6"


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"consecutive_fallbacks": 2}, "2 misunderstood messages in a row ≥ 2"),
        (NEGATIVE, "negative wording: “useless”"),
        (SHOUTING, "shouting: 100% capitals over 15 letters ≥ 70%"),
        (REPEATED, "said again: 100% like the previous message ≥ 90%"),
        (
            {"explicit_request": True, "intent": "request_human"},
            "asked for a person (request_human)",
        ),
        ({"customer_tier": "vip"}, "vip customer: served first within the priority"),
    ],
)
def test_every_reason_explains_itself(overrides: dict[str, object], fragment: str) -> None:
    decision = decide(signals(**overrides), POLICY)
    assert fragment in decision.explain()


@pytest.mark.parametrize(
    ("interaction_type", "priority"),
    [
        ("conflict", 1),
        ("service", 2),
        ("transactional", 2),
        ("informative", 3),
        ("sales", 3),
        (None, 3),
    ],
)
def test_priority_follows_the_interaction_type(interaction_type: str | None, priority: int) -> None:
    decision = decide(signals(interaction_type=interaction_type), POLICY)
    assert decision.priority == priority


def test_a_vip_complaint_is_top_priority_and_marked_vip() -> None:
    decision = decide(signals(**COMPLAINT, customer_tier="vip"), POLICY)
    assert (decision.priority, decision.vip) == (1, True)


@pytest.mark.parametrize(
    ("intent", "recent", "team"),
    [
        ("order_status", (), "orders"),
        ("request_refund", (), "billing"),
        ("reset_password", (), "technical"),
        ("request_human", ("greet", "refund_status", "order_status"), "billing"),
        ("nlu_fallback", ("nlu_fallback",), "general"),
        (None, (), "general"),
    ],
)
def test_the_team_comes_from_the_newest_routable_intent(
    intent: str | None, recent: tuple[str, ...], team: str
) -> None:
    assert decide(signals(intent=intent, recent_intents=recent), POLICY).team == team


def test_weights_and_threshold_come_from_the_policy() -> None:
    eager = replace(POLICY, escalate_at=0.4)
    calm = replace(POLICY, weights=replace(Weights(), explicit_request=0.5))
    assert decide(signals(**NEGATIVE), eager).escalate is True
    assert decide(signals(explicit_request=True), calm).escalate is False


def test_no_reason_never_escalates_even_at_zero_threshold() -> None:
    assert decide(signals(), replace(POLICY, escalate_at=0.0)).escalate is False


def test_the_decision_serialises_to_json() -> None:
    decision = decide(signals(**COMPLAINT, customer_tier="vip"), POLICY)
    stored = json.loads(json.dumps(decision.as_dict()))
    assert stored["priority"] == 1 and stored["vip"] is True and stored["team"] == "general"
    assert [reason["code"] for reason in stored["reasons"]] == ["conflict", "vip"]
    assert stored["reasons"][0]["explanation"].startswith("conflict (complaint)")


def test_explain_says_the_verdict() -> None:
    assert decide(signals(), POLICY).explain() == "stay with the bot (score 0): no signal"
    decision: Decision = decide(signals(consecutive_fallbacks=2), POLICY)
    assert decision.explain().startswith("hand off (score 1):")
