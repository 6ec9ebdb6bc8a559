"""The allow-list of button payloads: what a customer's "/" text may be, decided by a table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.payloads import ALLOWED, guarded, screen
from bot.settings import PROJECT_ROOT


@pytest.mark.parametrize(
    ("typed", "passed_on"),
    [
        # not payloads: as typed
        ("where is my order?", "where is my order?"),
        ("price 5/10", "price 5/10"),
        ("\u200b/restart", "\u200b/restart"),  # Rasa does not strip it: no payload for Rasa
        # our buttons: in their canonical form
        ("/affirm", "/affirm"),
        ("  /deny \n", "/deny"),
        ("/request_human", "/request_human"),
        ('/order_status{"order_number":"100002"}', '/order_status{"order_number":"100002"}'),
        ('/cancel_order{"order_number": 100003}', '/cancel_order{"order_number":"100003"}'),
        ('/change_address{ "order_number" : "1004" }', '/change_address{"order_number":"1004"}'),
        ("/order_status{}", "/order_status"),
    ],
)
def test_allowed_texts_reach_rasa(typed: str, passed_on: str) -> None:
    assert screen(typed).allowed and screen(typed).text == passed_on


@pytest.mark.parametrize(
    "typed",
    [
        "/restart",
        "/session_start",
        "/back",
        "/restart{}",
        " /restart",
        "\t/session_start\n",
        "/nlu_fallback",
        "/greet",  # an intent, but no button sends it
        '/inform{"email":"maria.garcia@example.com","order_number":"100002"}',
        '/order_status{"customer_id":"1"}',
        '/order_status{"order_number":"100002","email":"a@b.co"}',
        '/order_status{"order_number":"1 OR 1=1"}',
        '/order_status{"order_number":["100002"]}',
        '/order_status{"order_number":true}',
        '/order_status{"order_number":"100002"',
        '/order_status["order_number"]',
        "/order_status@0.9",
        "/affirm please",
        "/Affirm",
        "/",
        "//",
        "/ where is my order",
    ],
)
def test_other_slash_texts_are_refused(typed: str) -> None:
    assert not screen(typed).allowed


def _button_payloads() -> list[str]:
    """Every payload domain.yml's responses offer, and the shapes actions/orders.py builds."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    payloads = [
        str(button["payload"])
        for variants in domain["responses"].values()
        for variant in variants
        for button in variant.get("buttons", [])
    ]
    orders = (PROJECT_ROOT / "actions" / "orders.py").read_text()
    payloads.append('/order_status{"order_number":"100001"}')  # action_list_orders
    for intent in re.findall(r'_which_open_order\(turn, customer, "(\w+)"\)', orders):
        payloads.append(f'/{intent}{{"order_number":"100001"}}')
    return payloads


def test_every_button_of_ours_is_allowed() -> None:
    payloads = _button_payloads()

    assert len(payloads) >= 10
    assert [p for p in payloads if not screen(p).allowed] == []
    assert {p.split("{")[0][1:] for p in payloads} == set(ALLOWED)


def test_the_order_pickers_build_the_payload_shape_checked_here() -> None:
    orders = Path(PROJECT_ROOT / "actions" / "orders.py").read_text()

    assert """f'/order_status{{"order_number":"{o.number}"}}'""" in orders
    assert """f'/{intent}{{"order_number":"{o.number}"}}'""" in orders


async def test_guarded_lets_only_allowed_messages_reach_rasa() -> None:
    reached: list[str] = []

    async def rasa(message: UserMessage) -> None:
        reached.append(message.text or "")

    handle = guarded(rasa, "no commands")
    output = CollectingOutputChannel()
    for text in ("what is your return policy?", "/restart", '/order_status{ "order_number":"7"}'):
        await handle(UserMessage(text, output, "conversation_1"))

    assert reached == ["what is your return policy?", '/order_status{"order_number":"7"}']
    assert [m["text"] for m in output.messages] == ["no commands"]
