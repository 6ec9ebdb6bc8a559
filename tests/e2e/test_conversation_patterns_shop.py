"""Issue 20's shop-assistant and conflict patterns, through the real Rasa and action servers.

One stack of its own on a fresh seeded store: the verification lock below counts wrong pairs
per client, and must not lock the other modules' conversations out. The sentences are ours,
not the simulation suite's.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from bot.customer_tokens import sign_token
from bot.escalation import load_policy
from bot.shop import PROJECT_ROOT, project_shop, render_responses
from tests.db import rows
from tests.e2e.stack import Stack, seeded_stack, texts


@pytest.fixture(scope="module")
def shop_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with seeded_stack(tmp_path_factory.mktemp("shop-stack")) as running:
        yield running


def new_sender() -> str:
    return uuid.uuid4().hex


def signed_in(stack: Stack, public_id: str) -> dict[str, str]:
    token = sign_token(public_id, secret=stack.settings.token_secret, ttl_seconds=600)
    return {"customer_token": token}


def handoffs(stack: Stack, sender: str) -> list[tuple]:
    return rows(
        stack.settings.database_url,
        "SELECT team, priority, reasons FROM handoffs WHERE conversation_id = :sender",
        sender=sender,
    )


def prices(text: str) -> list[float]:
    return [float(value.replace(",", "")) for value in re.findall(r"\$(\d[\d,]*\.\d\d)", text)]


def test_something_we_dont_sell_gets_a_plain_no(shop_stack: Stack) -> None:
    answer = texts(shop_stack.say(new_sender(), "do you sell canoes?"))
    assert "don't sell canoes" in answer
    assert "which product" not in answer.lower()


def test_a_product_question_gives_price_and_stock(shop_stack: Stack) -> None:
    answer = texts(shop_stack.say(new_sender(), "how much is the trek fleece hoodie?"))
    assert "$59.00" in answer and "in stock" in answer


def test_a_recommendation_keeps_to_the_budget(shop_stack: Stack) -> None:
    answer = texts(
        shop_stack.say(new_sender(), "recommend me something for hiking, not more than $30")
    )
    assert prices(answer) and all(price <= 30 for price in prices(answer))
    assert "$30" in answer


def test_a_general_loyalty_question_is_answered_without_identity(shop_stack: Stack) -> None:
    answer = texts(shop_stack.say(new_sender(), "what do your loyalty tiers give you?"))
    assert "point per dollar" in answer
    assert "email" not in answer.lower()


def test_a_billing_dispute_goes_to_the_billing_team(shop_stack: Stack) -> None:
    sender = new_sender()
    shop_stack.say(
        sender, "my card was debited twice for the same purchase", signed_in(shop_stack, "C0002")
    )
    [(team, priority, reasons)] = handoffs(shop_stack, sender)
    assert team == "billing" and priority == 1 and "billing_dispute" in reasons


def test_a_typed_yes_to_the_offer_of_a_person_creates_the_handoff(shop_stack: Stack) -> None:
    sender = new_sender()
    shop_stack.say(sender, "flibber quanto zorp")
    offer = texts(shop_stack.say(sender, "zorp quanto flibber wibble"))
    assert "connect you with a person" in offer
    assert handoffs(shop_stack, sender) == []
    answer = texts(shop_stack.say(sender, "yes"))
    [(_, _, reasons)] = handoffs(shop_stack, sender)
    assert "accepted_offer" in reasons and "H-" in answer


def test_the_verification_lock_creates_a_handoff(shop_stack: Stack) -> None:
    sender = new_sender()
    shop_stack.say(sender, "what's the status of my order?")
    for wrong in ("100777", "100778", "100779"):
        answer = texts(shop_stack.say(sender, f"olivia.brown@example.com order {wrong}"))
    assert "passing your conversation to a person" in answer
    [(_, _, reasons)] = handoffs(shop_stack, sender)
    assert "verification_locked" in reasons


def test_the_hours_customers_are_told_are_the_queues(shop_stack: Stack) -> None:
    answer = texts(shop_stack.say(new_sender(), "what are your opening hours?"))
    assert answer == render_responses(project_shop())["utter_hours_contact"]
    queue = load_policy(PROJECT_ROOT / "escalation.yml").business_hours
    assert queue == project_shop().hours
