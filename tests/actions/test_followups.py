"""Messages that need the order in focus: the answer to "which order?" and follow-ups."""

from __future__ import annotations

from actions.followups import ActionOrderFollowup
from actions.orders import ActionCancelOrder
from tests.actions.conftest import make_tracker, run, token_metadata

MARIA = token_metadata("C0001")  # 100001 processing (Trail Runner 2), 100002 in transit (jacket)


async def test_the_answer_to_which_order_goes_on_with_the_request(store: str) -> None:
    asked = await run(ActionCancelOrder(), make_tracker("cancel_order", metadata=MARIA))
    assert asked.responses == ["utter_which_order"] and asked.slot("order_in_focus") is True
    slots = {"order_choice": asked.slot("order_choice"), "order_in_focus": True}
    picked = await run(
        ActionOrderFollowup(),
        make_tracker("product_question", text="the trail runner one", slots=slots, metadata=MARIA),
    )
    assert picked.responses == ["utter_confirm_cancel"]
    assert picked.message("utter_confirm_cancel")["order_number"] == "100001"


async def test_a_follow_up_about_delivery_answers_about_the_order_in_focus(store: str) -> None:
    slots = {"order_number": "100002", "order_in_focus": True}
    result = await run(
        ActionOrderFollowup(),
        make_tracker("out_of_scope", text="so when will it turn up?", slots=slots, metadata=MARIA),
    )
    assert result.responses == ["utter_order_status", "utter_order_tracking"]
    assert result.message("utter_order_status")["order_number"] == "100002"


async def test_and_the_other_one_is_the_other_open_order(store: str) -> None:
    slots = {"order_number": "100002", "order_in_focus": True}
    result = await run(
        ActionOrderFollowup(),
        make_tracker("nlu_fallback", text="and the other one?", slots=slots, metadata=MARIA),
    )
    assert result.message("utter_order_status")["order_number"] == "100001"


async def test_the_address_asked_for_is_the_orders(store: str) -> None:
    slots = {"order_number": "100001", "order_in_focus": True}
    result = await run(
        ActionOrderFollowup(),
        make_tracker(
            "account_details", text="and the address you have for me?", slots=slots, metadata=MARIA
        ),
    )
    assert result.responses == ["utter_current_address"]
    assert "12 Oak Street" in result.message("utter_current_address")["address"]


async def test_anything_else_goes_to_the_usual_action(store: str) -> None:
    slots = {"order_number": "100001", "order_in_focus": True}
    result = await run(
        ActionOrderFollowup(),
        make_tracker("account_details", text="what's my phone number", slots=slots, metadata=MARIA),
    )
    assert result.responses == ["utter_account_details"]


async def test_a_no_that_names_one_of_the_choices_goes_on_with_it(store: str) -> None:
    from actions.confirmation import ActionHandleDeny

    asked = await run(ActionCancelOrder(), make_tracker("cancel_order", metadata=MARIA))
    slots = {"order_choice": asked.slot("order_choice"), "order_in_focus": True}
    picked = await run(
        ActionHandleDeny(),
        make_tracker("deny", text="no, the jacket one", slots=slots, metadata=MARIA),
    )
    assert picked.message("utter_cancel_refused_shipped")["order_number"] == "100002"
