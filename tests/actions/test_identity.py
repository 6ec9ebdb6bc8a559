from __future__ import annotations

from actions.identity import ActionHandleInform
from actions.orders import ActionOrderStatus
from tests.actions.conftest import entity, make_tracker, run, token_metadata


async def test_a_signed_token_identifies_the_customer(store: str) -> None:
    tracker = make_tracker("order_status", metadata=token_metadata("C0001"))
    result = await run(ActionOrderStatus(), tracker)
    assert result.slot("customer_id") not in ("<unset>", None)
    assert "utter_order_status" in result.responses
    assert "utter_ask_email" not in result.responses


async def test_a_forged_token_is_ignored(store: str) -> None:
    forged = token_metadata("C0001", secret="someone-elses-secret")
    result = await run(ActionOrderStatus(), make_tracker("order_status", metadata=forged))
    assert result.responses == ["utter_verify_intro", "utter_ask_email"]
    assert result.slot("pending_request") == "action_order_status"
    assert result.slot("customer_id") == "<unset>"


async def test_an_expired_or_garbage_token_is_ignored(store: str) -> None:
    for token in ["", "v1..", "x" * 5000, "v1.e30.AAAA", "\x00\xff", 12345]:
        tracker = make_tracker("order_status", metadata={"customer_token": token})
        result = await run(ActionOrderStatus(), tracker)
        assert "utter_ask_email" in result.responses, token


async def test_anonymous_request_asks_for_the_order_number_after_the_email(store: str) -> None:
    tracker = make_tracker(
        "inform",
        slots={"email": "maria.garcia@example.com", "pending_request": "action_order_status"},
    )
    result = await run(ActionHandleInform(), tracker)
    assert result.responses == ["utter_ask_order_number_verify"]


async def test_matching_email_and_order_verify_and_resume_the_request(store: str) -> None:
    tracker = make_tracker(
        "inform",
        entities=[entity("email", "Maria.Garcia@example.com")],
        slots={
            "email": "Maria.Garcia@example.com",
            "order_number": "100002",
            "pending_request": "action_order_status",
        },
    )
    result = await run(ActionHandleInform(), tracker)
    assert result.responses[:2] == ["utter_verified", "utter_order_status"]
    assert result.message("utter_order_status")["order_number"] == "100002"
    assert result.slot("pending_request") is None


async def test_order_of_another_customer_does_not_verify(store: str) -> None:
    tracker = make_tracker(
        "inform",
        slots={
            "email": "james.smith@example.com",
            "order_number": "100001",
            "pending_request": "action_order_status",
        },
    )
    result = await run(ActionHandleInform(), tracker)
    assert result.responses == ["utter_verify_failed", "utter_ask_email"]
    assert result.slot("customer_id") == "<unset>"
    assert result.slot("email") is None and result.slot("order_number") is None
    assert result.slot("verify_attempts") == 1.0


async def test_verification_locks_after_the_maximum_attempts(store: str) -> None:
    tracker = make_tracker(
        "inform",
        slots={
            "email": "james.smith@example.com",
            "order_number": "100001",
            "pending_request": "action_order_status",
            "verify_attempts": 2.0,
        },
    )
    result = await run(ActionHandleInform(), tracker)
    assert result.responses == ["utter_verify_locked"]
    again = make_tracker(
        "order_status",
        slots={
            "verify_attempts": 3.0,
            "email": "maria.garcia@example.com",
            "order_number": "100002",
        },
    )
    locked = await run(ActionOrderStatus(), again)
    assert locked.responses == ["utter_verify_locked"]
    assert locked.slot("customer_id") == "<unset>"


async def test_an_invalid_email_is_asked_again(store: str) -> None:
    tracker = make_tracker(
        "inform", slots={"email": "not-an-email", "pending_request": "action_order_status"}
    )
    result = await run(ActionHandleInform(), tracker)
    assert result.responses == ["utter_invalid_email"]


async def test_inform_without_a_pending_request_offers_choices(store: str) -> None:
    result = await run(ActionHandleInform(), make_tracker("inform", text="ok"))
    assert result.responses == ["utter_inform_noted"]
