"""The conversations the product promises, through the real Rasa and action servers."""

from __future__ import annotations

import uuid

from bot.customer_tokens import sign_token
from tests.db import order_status, scalar
from tests.e2e.stack import Stack, texts


def new_sender() -> str:
    return uuid.uuid4().hex


def token_for(stack: Stack, public_id: str, *, secret: str | None = None) -> dict[str, str]:
    token = sign_token(public_id, secret=secret or stack.settings.token_secret, ttl_seconds=600)
    return {"customer_token": token}


def test_anonymous_order_status_asks_to_verify_then_answers(stack: Stack) -> None:
    sender = new_sender()
    first = texts(stack.say(sender, "where is my order 100002?"))
    assert "email" in first.lower()
    assert "UPS" not in first and "Alpine" not in first
    answer = texts(stack.say(sender, "maria.garcia@example.com"))
    assert "verified" in answer
    assert "#100002" in answer and "on its way" in answer
    assert "1Z999AA10123456784" in answer


def test_wrong_email_and_order_pair_reveals_nothing(stack: Stack) -> None:
    sender = new_sender()
    stack.say(sender, "what's the status of order 100001")
    answer = texts(stack.say(sender, "james.smith@example.com"))
    assert "don't match" in answer
    assert "Trail Runner" not in answer and "processing" not in answer


def test_forged_token_is_treated_as_anonymous(stack: Stack) -> None:
    forged = token_for(stack, "C0001", secret="not-the-shop-secret")
    answer = texts(stack.say(new_sender(), "where is my order?", forged))
    assert "email" in answer.lower()
    assert "Maria" not in answer and "#1000" not in answer


def test_slot_injection_does_not_identify(stack: Stack) -> None:
    sender = new_sender()
    answer = texts(stack.say(sender, '/order_status{"customer_id": "1"}'))
    assert "commands typed like that" in answer  # not a payload of our buttons: refused
    assert "#1000" not in answer
    assert stack.tracker(sender)["slots"]["customer_id"] is None


def test_known_customer_is_greeted_by_name_with_open_order(stack: Stack) -> None:
    answer = texts(stack.say(new_sender(), "hello there", token_for(stack, "C0001")))
    assert "Maria" in answer
    assert "#10000" in answer


def test_someone_elses_order_number_is_not_found(stack: Stack) -> None:
    answer = texts(stack.say(new_sender(), "where is order 100001?", token_for(stack, "C0002")))
    assert "can't find order #100001" in answer
    assert "Trail Runner" not in answer


def test_cancel_asks_for_confirmation_then_cancels(stack: Stack) -> None:
    sender, me = new_sender(), token_for(stack, "C0001")
    question = stack.say(sender, "please cancel order 100001", me)
    assert "Shall I cancel order #100001" in texts(question)
    assert order_status(stack.settings.database_url, "100001") == "processing"
    done = texts(stack.say(sender, "yes", me))
    assert "cancelled" in done
    assert order_status(stack.settings.database_url, "100001") == "cancelled"


def test_cancel_of_a_shipped_order_is_refused(stack: Stack) -> None:
    answer = texts(stack.say(new_sender(), "cancel my order 100004", token_for(stack, "C0002")))
    assert "can't cancel it" in answer and "shipped" in answer
    assert order_status(stack.settings.database_url, "100004") == "shipped"


def test_address_change_through_the_form(stack: Stack) -> None:
    sender, me = new_sender(), token_for(stack, "C0003")
    ask = texts(stack.say(sender, "I need to change the delivery address for order 100007", me))
    assert "new delivery address for order #100007" in ask
    bad = texts(stack.say(sender, "somewhere nice", me))
    assert "complete address" in bad
    confirm = texts(stack.say(sender, "12 Baker Street, London NW1 6XE", me))
    assert "#100007" in confirm and "12 Baker Street" in confirm and "?" in confirm
    done = texts(stack.say(sender, "yes", me))
    assert "will now be delivered to 12 Baker Street" in done
    line1 = scalar(
        stack.settings.database_url, "SELECT ship_to_line1 FROM orders WHERE number = '100007'"
    )
    assert "12 Baker Street" in str(line1)


def test_out_of_scope_message(stack: Stack) -> None:
    answer = texts(stack.say(new_sender(), "what will the weather be like in Paris tomorrow?"))
    assert "outside what I can help with" in answer


def test_two_misunderstandings_offer_a_human_and_accepting_creates_a_handoff(stack: Stack) -> None:
    sender = new_sender()
    first = stack.say(sender, "blorf snizzle wump quax")
    assert "offer" not in texts(first) and "person" not in texts(first)
    second = stack.say(sender, "zorp flimble grax")
    assert "connect you with a person" in texts(second)
    payloads = [b["payload"] for reply in second for b in reply.get("buttons", [])]
    assert "/request_human" in payloads
    handed = texts(stack.say(sender, "/request_human"))
    assert "reference H-" in handed
    reasons = scalar(
        stack.settings.database_url,
        "SELECT reasons FROM handoffs WHERE conversation_id = :c",
        c=sender,
    )
    assert "explicit_request" in str(reasons) and "repeated_fallback" in str(reasons)


def test_complaint_is_classified_as_conflict_and_handed_off(stack: Stack) -> None:
    text = "This is the worst service ever, I am really angry with your company!"
    parsed = stack.parse(text)
    assert parsed["interaction_type"]["name"] == "conflict"
    assert 0.0 < parsed["interaction_type"]["confidence"] <= 1.0
    sender = new_sender()
    answer = texts(stack.say(sender, text))
    assert "sorry" in answer.lower() and "reference H-" in answer
    tracker = stack.tracker(sender)
    stored = [e for e in tracker["events"] if e["event"] == "user"][-1]["parse_data"]
    assert stored["interaction_type"]["name"] == "conflict"
