"""Messages asking two things, through the real channel, Rasa and action servers: each
question answered, in the order asked (bot/channels/multipart.py); one request with an "and"
in it stays one message."""

from __future__ import annotations

import uuid

from bot.customer_tokens import sign_token
from tests.e2e.stack import Stack, texts


def new_sender() -> str:
    return uuid.uuid4().hex


def token_for(stack: Stack, public_id: str) -> dict[str, str]:
    return {
        "customer_token": sign_token(public_id, secret=stack.settings.token_secret, ttl_seconds=600)
    }


def user_texts(stack: Stack, sender: str) -> list[str]:
    events = stack.tracker(sender)["events"]
    return [str(e.get("text")) for e in events if e.get("event") == "user"]


def test_two_policy_questions_get_two_answers_in_order(stack: Stack) -> None:
    sender = new_sender()
    answer = texts(stack.say(sender, "is paypal ok to pay with, and how long does shipping take?"))
    assert "PayPal" in answer and "business days" in answer
    assert answer.index("PayPal") < answer.index("Express shipping")
    assert user_texts(stack, sender) == ["is paypal ok to pay with", "how long does shipping take?"]


def test_an_order_and_the_points_both_answered_for_a_signed_in_customer(stack: Stack) -> None:
    answer = texts(
        stack.say(
            new_sender(),
            "where has order 100001 got to? also how many points have I got",
            token_for(stack, "C0001"),
        )
    )
    assert "#100001" in answer and "points" in answer
    assert answer.index("#100001") < answer.index("points")


def test_a_second_order_number_asks_the_same_question_about_it(stack: Stack) -> None:
    sender = new_sender()
    answer = texts(
        stack.say(sender, "what's the status of order 100001 and 100002", token_for(stack, "C0001"))
    )
    assert "#100001" in answer and "#100002" in answer
    assert len(user_texts(stack, sender)) == 2


def test_one_request_with_an_and_stays_one_message(stack: Stack) -> None:
    sender = new_sender()
    stack.say(sender, "can I pay with apple pay and google pay?")
    assert user_texts(stack, sender) == ["can I pay with apple pay and google pay?"]
