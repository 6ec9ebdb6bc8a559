from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions import deps
from actions.account import ActionAccountDetails
from actions.identification import ActionHandleInform, wait_phrase
from actions.orders import ActionOrderStatus
from tests.actions.conftest import Result, entity, make_tracker, run, token_metadata, user_event

NOW = datetime(2024, 6, 5, 10, 0, tzinfo=timezone.utc)
SESSION: dict[str, Any] = {"event": "session_started", "timestamp": 1717581600.25}
MARIA, MARIAS_ORDER = "maria.garcia@example.com", "100002"


@pytest.fixture(autouse=True)
def clock() -> Iterator[list[datetime]]:
    """The time the actions see; a test moves it by replacing the list's item."""
    now = [NOW]
    deps.override_clock(lambda: now[0])
    yield now
    deps.override_clock(None)


def pair_tracker(
    email: str,
    number: str,
    *,
    sender: str = "conversation-1",
    client: str = "client-a",
    history: list[dict[str, Any]] | None = None,
) -> Tracker:
    """The customer types both details while a request waits for verification."""
    return make_tracker(
        "inform",
        entities=[entity("email", email), entity("order_number", number)],
        slots={"email": email, "order_number": number, "pending_request": "action_account_details"},
        metadata={"cim_client": client},
        history=[SESSION, *(history or [])],
        sender_id=sender,
    )


def next_turn(
    verified: Result,
    *,
    sender: str = "conversation-1",
    client: str = "client-a",
    session: dict[str, Any] = SESSION,
    extra_history: list[dict[str, Any]] | None = None,
) -> Tracker:
    """The customer's next request, after `verified`, with the slots it left behind."""
    return make_tracker(
        "account_details",
        slots={"customer_id": verified.slot("customer_id"), "email": MARIA, "order_number": "1"},
        metadata={"cim_client": client},
        history=[session, *verified.events, *(extra_history or [])],
        sender_id=sender,
    )


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


async def test_the_customer_id_slot_alone_identifies_nobody(store: str) -> None:
    tracker = make_tracker("account_details", slots={"customer_id": "1"}, history=[SESSION])
    result = await run(ActionAccountDetails(), tracker)
    assert result.responses == ["utter_verify_intro", "utter_ask_email"]


async def test_anonymous_request_asks_for_the_order_number_after_the_email(store: str) -> None:
    tracker = make_tracker(
        "inform",
        entities=[entity("email", MARIA)],
        slots={"email": MARIA, "pending_request": "action_order_status"},
    )
    result = await run(ActionHandleInform(), tracker)
    assert result.responses == ["utter_ask_order_number_verify"]


async def test_matching_email_and_order_verify_and_resume_the_request(store: str) -> None:
    tracker = make_tracker(
        "inform",
        entities=[entity("email", "Maria.Garcia@example.com")],
        slots={
            "email": "Maria.Garcia@example.com",
            "order_number": MARIAS_ORDER,
            "pending_request": "action_order_status",
        },
        history=[user_event("order_status", text="where is order 100002")],
    )
    tracker.events[0]["parse_data"]["entities"] = [entity("order_number", MARIAS_ORDER)]
    result = await run(ActionHandleInform(), tracker)
    assert result.responses[:2] == ["utter_verified", "utter_order_status"]
    assert result.message("utter_order_status")["order_number"] == MARIAS_ORDER
    assert result.slot("pending_request") is None


async def test_a_verification_holds_for_the_rest_of_the_session(store: str) -> None:
    verified = await run(ActionHandleInform(), pair_tracker(MARIA, MARIAS_ORDER))
    assert verified.responses == ["utter_verified", "utter_account_details"]

    again = await run(ActionAccountDetails(), next_turn(verified))

    assert again.responses == ["utter_account_details"]


async def test_a_new_session_asks_again_even_with_the_slots_carried_over(store: str) -> None:
    verified = await run(ActionHandleInform(), pair_tracker(MARIA, MARIAS_ORDER))
    later = {"event": "session_started", "timestamp": SESSION["timestamp"] + 3600}

    again = await run(ActionAccountDetails(), next_turn(verified, extra_history=[later]))

    assert again.responses == ["utter_verify_intro", "utter_ask_email"]


async def test_an_expired_verification_asks_again(store: str, clock: list[datetime]) -> None:
    verified = await run(ActionHandleInform(), pair_tracker(MARIA, MARIAS_ORDER))
    clock[0] = NOW + timedelta(hours=1)

    again = await run(ActionAccountDetails(), next_turn(verified))

    assert again.responses == ["utter_verify_intro", "utter_ask_email"]


async def test_a_verification_does_not_follow_the_conversation_id_to_another_client(
    store: str,
) -> None:
    verified = await run(ActionHandleInform(), pair_tracker(MARIA, MARIAS_ORDER))

    elsewhere = await run(ActionAccountDetails(), next_turn(verified, client="client-b"))

    assert "utter_account_details" not in elsewhere.responses


async def test_details_typed_before_the_last_verification_verify_nothing(store: str) -> None:
    verified = await run(ActionHandleInform(), pair_tracker(MARIA, MARIAS_ORDER))
    later = {"event": "session_started", "timestamp": SESSION["timestamp"] + 3600}
    tracker = make_tracker(
        "inform",
        entities=[entity("email", MARIA)],  # typed again; the order number was not
        slots={
            "email": MARIA,
            "order_number": MARIAS_ORDER,
            "pending_request": "action_account_details",
        },
        metadata={"cim_client": "client-a"},
        history=[SESSION, *verified.events, later],
    )

    result = await run(ActionHandleInform(), tracker)

    assert result.responses == ["utter_ask_order_number_verify"]


async def test_order_of_another_customer_does_not_verify(store: str) -> None:
    result = await run(ActionHandleInform(), pair_tracker("james.smith@example.com", "100001"))
    assert result.responses == ["utter_verify_failed", "utter_ask_email"]
    assert result.slot("customer_id") == "<unset>"
    assert result.slot("email") is None and result.slot("order_number") is None


HANDOFF_ANSWERS = {"utter_handoff_queued", "utter_handoff_ticket", "utter_handoff_limited"}


def locked(responses: list[str]) -> list[str]:
    """The lock's answer, with the handoff it creates (queued, a ticket out of hours, or
    refused past the client's handoff quota) read as one: the lock promises a person."""
    if responses[:1] == ["utter_verify_locked"] and set(responses[1:]) <= HANDOFF_ANSWERS:
        assert len(responses) == 2, responses
        return ["utter_verify_locked"]
    return responses


async def test_an_unknown_email_gets_the_same_answers_as_a_known_one(store: str) -> None:
    for email in ("james.smith@example.com", "nobody@example.org"):
        answers = []
        for attempt in range(4):
            tracker = pair_tracker(email, "100001", sender=f"{email}-{attempt}", client=email)
            answers.append(locked((await run(ActionHandleInform(), tracker)).responses))
        assert answers == [
            ["utter_verify_failed", "utter_ask_email"],
            ["utter_verify_failed", "utter_ask_email"],
            ["utter_verify_locked"],
            ["utter_verify_locked"],
        ], email


async def test_new_conversations_do_not_reset_the_count_and_the_right_pair_waits_too(
    store: str, clock: list[datetime]
) -> None:
    for attempt, number in enumerate(["100001", "100002", "100003"]):
        sender, client = f"guess-{attempt}", f"client-{attempt}"
        tracker = pair_tracker("james.smith@example.com", number, sender=sender, client=client)
        await run(ActionHandleInform(), tracker)

    right = await run(ActionHandleInform(), pair_tracker("james.smith@example.com", "100004"))
    assert locked(right.responses) == ["utter_verify_locked"]
    assert right.message("utter_verify_locked")["wait"] == "a minute"
    assert right.slot("customer_id") == "<unset>"

    clock[0] = NOW + timedelta(seconds=61)
    later = await run(ActionHandleInform(), pair_tracker("james.smith@example.com", "100004"))
    assert later.responses == ["utter_verified", "utter_account_details"]


async def test_a_client_trying_many_emails_waits_before_any_pair_is_asked(store: str) -> None:
    for attempt in range(10):
        tracker = pair_tracker(f"someone{attempt}@example.net", "100001", sender=f"s{attempt}")
        await run(ActionHandleInform(), tracker)

    right = await run(ActionHandleInform(), pair_tracker(MARIA, MARIAS_ORDER, sender="fresh"))
    assert locked(right.responses) == ["utter_verify_locked"]
    asked = make_tracker("account_details", metadata={"cim_client": "client-a"})
    assert locked((await run(ActionAccountDetails(), asked)).responses) == ["utter_verify_locked"]
    other = await run(ActionHandleInform(), pair_tracker(MARIA, MARIAS_ORDER, client="client-b"))
    assert other.responses == ["utter_verified", "utter_account_details"]


def test_the_wait_reads_as_a_person_would_say_it() -> None:
    cases = [(1, "a minute"), (60, "a minute"), (61, "2 minutes"), (7200, "2 hours")]
    for seconds, phrase in cases:
        assert wait_phrase(NOW + timedelta(seconds=seconds), NOW) == phrase


async def test_an_invalid_email_is_asked_again(store: str) -> None:
    tracker = make_tracker(
        "inform",
        entities=[entity("email", "not-an-email")],
        slots={"email": "not-an-email", "pending_request": "action_order_status"},
    )
    result = await run(ActionHandleInform(), tracker)
    assert result.responses == ["utter_invalid_email"]


async def test_inform_without_a_pending_request_offers_choices(store: str) -> None:
    result = await run(ActionHandleInform(), make_tracker("inform", text="ok"))
    assert result.responses == ["utter_inform_noted"]


async def test_the_lock_creates_a_handoff_with_its_reason(store: str) -> None:
    from tests.db import rows

    for number in ["100001", "100002", "100003"]:
        tracker = pair_tracker("james.smith@example.com", number, sender="locked-out")
        result = await run(ActionHandleInform(), tracker)
    assert result.responses[0] == "utter_verify_locked"
    [(conversation, reasons)] = rows(store, "SELECT conversation_id, reasons FROM handoffs")
    assert conversation == "locked-out" and "verification_locked" in reasons
