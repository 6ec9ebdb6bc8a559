"""Situations that belong with a person, in the customer's words (our own sentences)."""

from __future__ import annotations

import pytest

from bot.escalation import EscalationPolicy, Signals, decide
from bot.escalation.situations import situations_in


@pytest.mark.parametrize(
    "text",
    [
        "my bank shows a duplicate payment for one purchase",
        "you've debited my account twice this week",
        "I cancelled ages ago and you still took $89 from my card",
        "there's an unauthorised charge on my statement from you",
        "I'm going to file a chargeback",
        "where has my money gone?",
    ],
)
def test_billing_disputes_are_recognised(text: str) -> None:
    assert [s.code for s in situations_in(text)] == ["billing_dispute"]


@pytest.mark.parametrize(
    "text",
    [
        "my lawyer will hear about this",
        "see you in small claims court",
        "I am reporting you to the ombudsman",
    ],
)
def test_legal_threats_are_recognised(text: str) -> None:
    assert "legal_threat" in [s.code for s in situations_in(text)]


@pytest.mark.parametrize(
    "text",
    [
        "can I pay with PayPal?",
        "how long do refunds take?",
        "thanks for the courteous help",
        "cancel my order please",
        "is the jacket worth the money?",
    ],
)
def test_routine_messages_are_no_situation(text: str) -> None:
    assert situations_in(text) == ()


def test_a_billing_dispute_goes_to_billing_first_with_its_reason() -> None:
    signals = Signals(intent="nlu_fallback", latest_text="you charged me two times for one order")
    decision = decide(signals, EscalationPolicy())
    assert decision.escalate and decision.team == "billing" and decision.priority == 1
    assert "billing_dispute" in decision.codes


def test_a_legal_threat_is_served_first_by_the_default_team() -> None:
    signals = Signals(intent="late_delivery", latest_text="I'll take you to court over this")
    decision = decide(signals, EscalationPolicy())
    assert decision.escalate and decision.priority == 1 and "legal_threat" in decision.codes


def test_a_plain_question_keeps_its_own_priority() -> None:
    signals = Signals(intent="request_human", interaction_type="informative", explicit_request=True)
    assert decide(signals, EscalationPolicy()).priority == 3


def test_the_new_intents_are_routed() -> None:
    routing = EscalationPolicy().routing
    assert routing.team_for("billing_dispute") == "billing"
    assert routing.team_for("account_change") == "technical"


def test_a_calm_request_for_a_person_is_not_served_before_disputes() -> None:
    calm = Signals(
        intent="request_human",
        interaction_type="conflict",
        explicit_request=True,
        latest_text="could I talk to someone please",
    )
    angry = Signals(
        intent="request_human",
        interaction_type="conflict",
        explicit_request=True,
        latest_text="GET ME A REAL PERSON, THIS IS RIDICULOUS",
    )
    assert decide(calm, EscalationPolicy()).priority == 2
    assert decide(angry, EscalationPolicy()).priority == 1
