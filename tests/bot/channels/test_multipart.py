"""Multi-part messages: where a message is cut, and when the cut is used.

`split_clauses` is pure text; `plan` is checked with a small keyword table standing in for
the NLU model (the trained model's path is covered by tests/e2e/test_multipart.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.channels.multipart import plan, split_clauses


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        (
            "do you take PayPal and how long does delivery take?",
            ["do you take PayPal", "how long does delivery take?"],
        ),
        ("is it in stock? also do you ship to Spain", ["is it in stock?", "do you ship to Spain"]),
        ("Free delivery? And can I return it?", ["Free delivery?", "can I return it?"]),
        ("where's my order, and what tier am I on", ["where's my order", "what tier am I on"]),
        (
            "cancel order 100804 and also remind me of the returns policy",
            ["cancel order 100804", "remind me of the returns policy"],
        ),
        ("status of 100931 and 100656", ["status of 100931", "100656"]),
        ("hours?\nphone number?", ["hours?", "phone number?"]),
        ("what are your hours; whats your email", ["what are your hours", "whats your email"]),
        (
            "i bought boots and wanted to check them and also i wanted to ask about gift cards",
            ["i bought boots and wanted to check them", "i wanted to ask about gift cards"],
        ),
        ("WHERE IS MY ORDER AND HOW MANY POINTS", ["WHERE IS MY ORDER", "HOW MANY POINTS"]),
        ("u got socks & do u ship to canada", ["u got socks", "do u ship to canada"]),
    ],
)
def test_a_message_is_cut_where_a_new_question_starts(text: str, clauses: list[str]) -> None:
    assert split_clauses(text) == clauses


@pytest.mark.parametrize(
    "text",
    [
        "please deliver it to 12 Smith and Sons Road, Leeds",
        "I ordered boots and a jacket last week",
        "my email is a@example.com and the order is 100853",
        "I'd like a refund and a return label",
        "salt and pepper",
        "where is my order",
        "the fleece is warm and soft and lovely",
        "can I also pay with paypal",
        "St. James Park is my address",
    ],
)
def test_one_request_stays_whole(text: str) -> None:
    assert split_clauses(text) == [text]


def test_an_entity_is_never_cut() -> None:
    text = "is the Tent and how about it in stock"
    assert split_clauses(text, protected=[(7, 25)]) == [text]
    assert split_clauses(text) == ["is the Tent", "how about it in stock"]


# A stand-in for the model: the first pattern that matches gives the intent.
TABLE = [
    (r"^(yes|yeah)\b", "affirm"),
    (r"^no\b", "deny"),
    (r"email on my account", "account_change"),
    (r"^(hi|hiya|hello)\W*$|^hi\b.*things", "greet"),
    (r"\b(cheers|thanks)\b", "thanks"),
    (r"charged twice", "billing_dispute"),
    (r"paypal|apple pay|gift card|pay by", "payment_methods"),
    (r"deliver|ship", "shipping_policy"),
    (r"return|refund policy", "return_policy"),
    (r"cancel", "cancel_order"),
    (r"refund", "request_refund"),
    (r"points|tier", "loyalty_points"),
    (r"order|status|parcel", "order_status"),
    (r"^\W*\d{6}\W*$", "inform"),
]


async def table_parse(text: str) -> dict[str, Any]:
    intent = next((name for pattern, name in TABLE if re.search(pattern, text, re.I)), None)
    entities = [
        {"entity": "order_number", "value": m.group(), "start": m.start(), "end": m.end()}
        for m in re.finditer(r"\b\d{6}\b", text)
    ]
    name, confidence = (intent, 0.6) if intent else ("nlu_fallback", 0.08)
    return {"text": text, "intent": {"name": name, "confidence": confidence}, "entities": entities}


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        (
            "do you take PayPal and how long does delivery take?",
            ["do you take PayPal", "how long does delivery take?"],
        ),
        (
            "hi! two things - has my parcel shipped, and what tier am I on?",
            ["hi! two things - has my parcel shipped", "what tier am I on?"],
        ),
        (
            "whats the status of 100931 and 100656",
            ["whats the status of 100931", "whats the status of 100656"],
        ),
        (
            "yes please, and what's your return policy?",
            ["yes please", "what's your return policy?"],
        ),
        (
            "cancel order 100804 and also what's your return policy",
            ["cancel order 100804", "what's your return policy"],
        ),
    ],
)
async def test_different_requests_are_sent_one_by_one(text: str, parts: list[str]) -> None:
    assert await plan(text, table_parse) == parts


@pytest.mark.parametrize(
    "text",
    [
        "where is my order and where is my parcel",  # the same request twice
        "cancel and refund order 100804",  # a bare word is no request of its own
        "I've been charged twice and how do I pay by paypal",  # a person reads it all
        "where's my order? cheers",  # a closing thanks needs no answer apart
        "change the email on my account and what's your return policy",  # a person does it
        "what's your return policy? yes",  # a yes after a question answers nothing
        "hello! where is my order?",
        "do you take paypal and what's the weather like",  # half not understood
        "my order is 100234 and what about 100235 then, and 1, and 2, and 3",
    ],
)
async def test_otherwise_the_message_goes_whole(text: str) -> None:
    assert await plan(text, table_parse) == [text]


@pytest.mark.parametrize(
    "text", ["where is my order", "cancel and refund order 100804", "my jacket arrived torn!!"]
)
async def test_a_message_with_nowhere_to_cut_costs_no_parse(text: str) -> None:
    """Every turn would otherwise pay for a second NLU parse before Rasa's own."""
    parsed: list[str] = []

    async def counting_parse(piece: str) -> dict[str, Any]:
        parsed.append(piece)
        return await table_parse(piece)

    assert await plan(text, counting_parse) == [text]
    assert parsed == []
