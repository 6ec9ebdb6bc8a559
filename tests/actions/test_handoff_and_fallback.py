from __future__ import annotations

from actions.fallback import ActionHandleFallback
from actions.handoff import ActionHandleConflict, ActionHandoff
from tests.actions.conftest import make_tracker, run, token_metadata, user_event
from tests.db import rows


def handoff_rows(url: str) -> list[tuple]:
    return rows(url, "SELECT conversation_id, state, reasons, customer_id FROM handoffs")


async def test_first_misunderstanding_asks_to_rephrase(store: str) -> None:
    result = await run(ActionHandleFallback(), make_tracker("nlu_fallback", text="blorf"))
    assert result.responses == ["utter_clarify"]


async def test_out_of_scope_says_so(store: str) -> None:
    result = await run(ActionHandleFallback(), make_tracker("out_of_scope", text="weather?"))
    assert result.responses == ["utter_out_of_scope"]


async def test_second_misunderstanding_in_a_row_offers_a_human(store: str) -> None:
    tracker = make_tracker("nlu_fallback", history=[user_event("nlu_fallback")])
    result = await run(ActionHandleFallback(), tracker)
    assert result.responses == ["utter_offer_human"]
    assert handoff_rows(store) == []


async def test_an_understood_message_resets_the_count(store: str) -> None:
    history = [user_event("nlu_fallback"), user_event("greet")]
    result = await run(ActionHandleFallback(), make_tracker("nlu_fallback", history=history))
    assert result.responses == ["utter_clarify"]


async def test_asking_for_a_human_records_the_handoff_with_reasons(store: str) -> None:
    history = [user_event("nlu_fallback"), user_event("out_of_scope")]
    tracker = make_tracker(
        "request_human",
        history=history,
        interaction_type="conflict",
        metadata=token_metadata("C0003"),
    )
    result = await run(ActionHandoff(), tracker)
    assert result.responses == ["utter_handoff_created"]
    [(conversation, state, reasons, customer_id)] = handoff_rows(store)
    assert conversation == "conversation-1" and state == "queued" and customer_id is not None
    assert "explicit_request" in reasons and "repeated_fallback" in reasons


async def test_a_complaint_is_handed_off_as_a_conflict(store: str) -> None:
    tracker = make_tracker("complaint", interaction_type="conflict", text="terrible service")
    result = await run(ActionHandleConflict(), tracker)
    assert result.responses == ["utter_conflict_empathy", "utter_handoff_created"]
    [(_, _, reasons, customer_id)] = handoff_rows(store)
    assert "conflict:complaint" in reasons and customer_id is None


async def test_late_delivery_of_a_known_customer_names_the_order(store: str) -> None:
    tracker = make_tracker(
        "late_delivery", interaction_type="conflict", metadata=token_metadata("C0002")
    )
    result = await run(ActionHandleConflict(), tracker)
    assert result.responses == [
        "utter_conflict_empathy",
        "utter_late_order",
        "utter_handoff_created",
    ]
    assert result.message("utter_late_order")["order_number"] == "100004"


async def test_a_second_request_merges_into_the_same_handoff(store: str) -> None:
    tracker = make_tracker("request_human", interaction_type="conflict")
    await run(ActionHandoff(), tracker)
    await run(ActionHandoff(), tracker)
    assert len(handoff_rows(store)) == 1
