"""The order under discussion, corrections that move what is pending, and changes that are
confirmed with their exact effect before the store changes (issue 20)."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.address_form import ValidateAddressForm
from actions.confirmation import ActionHandleAffirm, ActionHandleDeny
from actions.orders import (
    ActionCancelOrder,
    ActionChangeAddress,
    ActionListOrders,
    ActionOrderStatus,
)
from actions.refunds import ActionRequestRefund
from tests.actions.conftest import Result, make_tracker, run, token_metadata
from tests.db import order_status, scalar

MARIA = token_metadata("C0001")  # 100001 processing (Trail Runner 2), 100002 in transit (jacket)


def address_of(store: str, number: str) -> str:
    return str(scalar(store, "SELECT ship_to_line1 FROM orders WHERE number = :n", n=number))


def refunds_for(store: str, number: str) -> int:
    sql = (
        "SELECT count(*) FROM refunds JOIN orders ON orders.id = refunds.order_id WHERE number = :n"
    )
    return int(scalar(store, sql, n=number))


async def say(
    action: object, intent: str, text: str, pending: Result | None = None, **slots: object
) -> Result:
    if pending is not None:
        slots["pending_confirmation"] = pending.slot("pending_confirmation")
    tracker = make_tracker(intent, text=text, slots=slots, metadata=MARIA)
    return await run(action, tracker)  # type: ignore[arg-type]


async def test_an_order_is_picked_by_what_is_in_it(store: str) -> None:
    asked = await say(ActionCancelOrder(), "cancel_order", "cancel the one with the trail runners")
    assert asked.responses == ["utter_confirm_cancel"]
    assert asked.message("utter_confirm_cancel")["order_number"] == "100001"


async def test_an_order_is_picked_by_where_it_is(store: str) -> None:
    result = await say(ActionOrderStatus(), "order_status", "when does the one on its way get here")
    assert result.message("utter_order_status")["order_number"] == "100002"
    assert result.responses == ["utter_order_status", "utter_order_tracking"]


async def test_several_open_orders_are_all_told_the_moving_one_first(store: str) -> None:
    result = await say(ActionOrderStatus(), "order_status", "where's my stuff")
    numbers = [
        m["order_number"] for m in result.messages if m.get("response") == "utter_order_status"
    ]
    assert numbers == ["100002", "100001"]
    assert "utter_order_tracking" in result.responses
    assert result.slot("order_number") == "100002"


async def test_a_follow_up_is_about_the_order_under_discussion(store: str) -> None:
    result = await say(
        ActionOrderStatus(), "order_status", "so when will it turn up?", order_number="100002"
    )
    assert [m["order_number"] for m in result.messages if "order_number" in m] == ["100002"]


async def test_i_meant_another_number_moves_the_pending_cancel(store: str) -> None:
    first = await say(ActionCancelOrder(), "cancel_order", "cancel order 100002 please")
    assert first.responses == ["utter_cancel_refused_shipped"]
    asked = await say(ActionCancelOrder(), "cancel_order", "cancel 100001")
    moved = await say(ActionOrderStatus(), "inform", "no sorry, I meant 100002", asked)
    assert moved.responses == ["utter_cancel_refused_shipped"]  # the new target can't be cancelled
    assert moved.slot("pending_confirmation") is None
    yes = await say(ActionHandleAffirm(), "affirm", "yes", moved)
    assert yes.responses == ["utter_nothing_pending"]
    assert order_status(store, "100001") == "processing"


async def test_the_other_one_moves_the_pending_refund_and_yes_acts_on_it(store: str) -> None:
    aiko = token_metadata("C0004")  # 100117 and 100126 both delivered
    asked = await run(
        ActionRequestRefund(),
        make_tracker("request_refund", text="refund the backpack order", metadata=aiko),
    )
    assert asked.message("utter_confirm_refund")["order_number"] == "100117"
    moved = await run(
        ActionHandleDeny(),
        make_tracker(
            "deny",
            text="wait no, the other one",
            slots={"pending_confirmation": asked.slot("pending_confirmation")},
            metadata=aiko,
        ),
    )
    assert moved.message("utter_confirm_refund")["order_number"] == "100126"
    assert refunds_for(store, "100117") == 0 and refunds_for(store, "100126") == 0
    done = await run(
        ActionHandleAffirm(),
        make_tracker(
            "affirm",
            slots={"pending_confirmation": moved.slot("pending_confirmation")},
            metadata=aiko,
        ),
    )
    assert done.responses == ["utter_refund_requested"]
    assert refunds_for(store, "100117") == 0 and refunds_for(store, "100126") == 1


async def test_a_typed_yes_with_the_request_confirms_once(store: str) -> None:
    asked = await say(ActionCancelOrder(), "cancel_order", "cancel order 100001")
    assert asked.message("utter_confirm_cancel")["total"].startswith("$")
    done = await say(ActionCancelOrder(), "cancel_order", "yes cancel it", asked)
    assert done.responses == ["utter_order_cancelled"]
    assert order_status(store, "100001") == "cancelled"
    again = await say(ActionHandleAffirm(), "affirm", "yes", done)
    assert again.responses == ["utter_nothing_pending"]


async def test_an_address_in_the_first_message_is_confirmed_then_used(store: str) -> None:
    asked = await say(
        ActionChangeAddress(),
        "change_address",
        "please send order 100001 to 14 Kingsway, Manchester, M19 2LL instead",
    )
    assert asked.responses == ["utter_confirm_address"]
    assert asked.message("utter_confirm_address")["address"] == "14 Kingsway, Manchester, M19 2LL"
    assert address_of(store, "100001") == "12 Oak Street"
    done = await say(ActionHandleAffirm(), "affirm", "yes please", asked)
    assert done.responses == ["utter_address_changed"]
    assert address_of(store, "100001") == "14 Kingsway"


async def test_a_delivered_order_is_explained_not_cancelled(store: str) -> None:
    result = await say(ActionCancelOrder(), "cancel_order", "cancel order 100003")
    assert result.responses == ["utter_cancel_refused_delivered"]
    assert "delivered" in result.message("utter_cancel_refused_delivered")["status_phrase"]


def form_tracker(text: str) -> object:
    slots = {"requested_slot": "new_address", "address_order": "100001", "order_number": "100001"}
    return make_tracker("inform", text=text, slots=slots, metadata=MARIA)


async def test_the_address_form_follows_a_correction_and_stores_nothing(store: str) -> None:
    dispatcher = CollectingDispatcher()
    text = "oops, not that one, I meant order 100007"
    result = await ValidateAddressForm().validate_new_address(
        text, dispatcher, form_tracker(text), {}
    )
    assert result == {"new_address": None}  # 100007 is not Maria's: nothing moves
    mine = "oops not that one, the trail runner one"
    result = await ValidateAddressForm().validate_new_address(
        mine, dispatcher, form_tracker(mine), {}
    )
    assert result == {"new_address": None}
    assert address_of(store, "100001") == "12 Oak Street"


async def test_the_address_form_answers_a_question_about_the_current_address(store: str) -> None:
    dispatcher = CollectingDispatcher()
    text = "hang on, what address have you got at the moment?"
    result = await ValidateAddressForm().validate_new_address(
        text, dispatcher, form_tracker(text), {}
    )
    assert result == {"new_address": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_current_address"]


async def test_yes_with_the_address_request_confirms_the_offered_address(store: str) -> None:
    asked = await say(
        ActionChangeAddress(), "change_address", "send order 100001 to 3 Mill Road, Ely, CB7 4DD"
    )
    done = await say(ActionChangeAddress(), "change_address", "yes change it", asked)
    assert done.responses == ["utter_address_changed"]
    assert address_of(store, "100001") == "3 Mill Road"


async def test_it_with_a_status_word_stays_the_order_under_discussion(store: str) -> None:
    result = await say(
        ActionOrderStatus(), "order_status", "so when is it coming?", order_number="100001"
    )
    assert result.message("utter_order_status")["order_number"] == "100001"


async def test_the_second_one_counts_in_the_list_the_bot_showed(store: str) -> None:
    listed = await say(ActionListOrders(), "list_orders", "show me my orders")
    choice = listed.slot("order_choice")
    result = await say(
        ActionCancelOrder(), "cancel_order", "cancel the second one", order_choice=choice
    )
    assert result.responses == ["utter_cancel_refused_shipped"]  # 100002, second in the list
    assert result.message("utter_cancel_refused_shipped")["order_number"] == "100002"


async def test_an_order_described_before_verifying_is_the_one_acted_on(store: str) -> None:
    from actions.identification import ActionHandleInform
    from tests.actions.conftest import user_event

    history = [user_event("cancel_order", text="I want to cancel the trail runner order")]
    tracker = make_tracker(
        "inform",
        text="maria.garcia@example.com and my order is 100002",
        entities=[{"entity": "email", "value": "maria.garcia@example.com"}],
        slots={
            "email": "maria.garcia@example.com",
            "order_number": "100002",
            "pending_request": "action_cancel_order",
        },
        history=history,
    )
    tracker.latest_message["entities"].append({"entity": "order_number", "value": "100002"})
    result = await run(ActionHandleInform(), tracker)
    assert result.responses == ["utter_verified", "utter_confirm_cancel"]
    assert result.message("utter_confirm_cancel")["order_number"] == "100001"


async def test_a_correction_with_an_address_moves_the_form_and_fills_it(store: str) -> None:
    aiko = token_metadata("C0003")  # 100007 pending; the form was started for 100008 by mistake
    text = "sorry, I meant order 100007, it should go to 5 Dock Road, Hull, HU1 2AA"
    slots = {"requested_slot": "new_address", "address_order": "100008", "order_number": "100008"}
    tracker = make_tracker("inform", text=text, slots=slots, metadata=aiko)
    result = await ValidateAddressForm().validate_new_address(
        text, CollectingDispatcher(), tracker, {}
    )
    assert result == {
        "new_address": "5 Dock Road, Hull, HU1 2AA",
        "address_order": "100007",
        "order_number": "100007",
    }
