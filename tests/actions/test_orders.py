from __future__ import annotations

import json

from rasa_sdk.executor import CollectingDispatcher

from actions.address_form import ActionSubmitAddress, ValidateAddressForm
from actions.confirmation import ActionHandleAffirm, ActionHandleDeny
from actions.orders import (
    ActionCancelOrder,
    ActionChangeAddress,
    ActionListOrders,
    ActionOrderStatus,
)
from tests.actions.conftest import entity, make_tracker, run, token_metadata
from tests.db import order_status, scalar


async def test_status_with_tracking_for_a_shipped_order(store: str) -> None:
    tracker = make_tracker(
        "order_status",
        entities=[entity("order_number", "100002")],
        metadata=token_metadata("C0001"),
    )
    result = await run(ActionOrderStatus(), tracker)
    assert result.responses == ["utter_order_status", "utter_order_tracking"]
    assert result.message("utter_order_tracking")["tracking_number"] == "1Z999AA10123456784"
    assert "ups" in result.message("utter_order_tracking")["tracking_url"].lower()


async def test_another_customers_order_is_not_found(store: str) -> None:
    tracker = make_tracker(
        "order_status",
        entities=[entity("order_number", "100001")],
        metadata=token_metadata("C0002"),
    )
    result = await run(ActionOrderStatus(), tracker)
    assert result.responses == ["utter_order_not_found"]


async def test_list_orders_newest_first_with_buttons_for_open_ones(store: str) -> None:
    result = await run(
        ActionListOrders(), make_tracker("list_orders", metadata=token_metadata("C0001"))
    )
    lines = result.message("utter_list_orders")["lines"].splitlines()
    assert len(lines) == 3 and lines[0].startswith("#100001")
    payloads = [b["payload"] for b in result.message("utter_list_orders")["buttons"]]
    assert any("100001" in p for p in payloads) and not any("100003" in p for p in payloads)


async def test_cancel_asks_first_and_cancels_only_after_yes(store: str) -> None:
    me = token_metadata("C0001")
    asked = await run(
        ActionCancelOrder(),
        make_tracker("cancel_order", entities=[entity("order_number", "100001")], metadata=me),
    )
    assert asked.responses == ["utter_confirm_cancel"]
    assert order_status(store, "100001") == "processing"
    pending = asked.slot("pending_confirmation")
    done = await run(
        ActionHandleAffirm(),
        make_tracker("affirm", slots={"pending_confirmation": pending}, metadata=me),
    )
    assert done.responses == ["utter_order_cancelled"]
    assert order_status(store, "100001") == "cancelled"


async def test_no_keeps_the_order(store: str) -> None:
    me = token_metadata("C0001")
    pending = json.dumps({"action": "cancel_order", "order_number": "100001", "customer_id": 1})
    result = await run(
        ActionHandleDeny(),
        make_tracker("deny", slots={"pending_confirmation": pending}, metadata=me),
    )
    assert result.responses == ["utter_cancel_kept"]
    assert order_status(store, "100001") == "processing"


async def test_a_yes_from_another_customer_cancels_nothing(store: str) -> None:
    pending = json.dumps({"action": "cancel_order", "order_number": "100001", "customer_id": 1})
    result = await run(
        ActionHandleAffirm(),
        make_tracker(
            "affirm", slots={"pending_confirmation": pending}, metadata=token_metadata("C0002")
        ),
    )
    assert result.responses == ["utter_nothing_pending"]
    assert order_status(store, "100001") == "processing"


async def test_shipped_order_cannot_be_cancelled(store: str) -> None:
    result = await run(
        ActionCancelOrder(),
        make_tracker(
            "cancel_order",
            entities=[entity("order_number", "100004")],
            metadata=token_metadata("C0002"),
        ),
    )
    assert result.responses == ["utter_cancel_refused_shipped"]
    assert order_status(store, "100004") == "shipped"


async def test_several_open_orders_ask_which(store: str) -> None:
    result = await run(
        ActionCancelOrder(), make_tracker("cancel_order", metadata=token_metadata("C0001"))
    )
    assert result.responses == ["utter_which_order"]
    payloads = [b["payload"] for b in result.message("utter_which_order")["buttons"]]
    assert payloads == [
        '/cancel_order{"order_number":"100001"}',
        '/cancel_order{"order_number":"100002"}',
    ]


async def test_address_change_starts_the_form_then_asks_before_saving(store: str) -> None:
    me = token_metadata("C0003")
    started = await run(
        ActionChangeAddress(),
        make_tracker("change_address", entities=[entity("order_number", "100007")], metadata=me),
    )
    assert {"event": "followup", "name": "address_form"} in [
        {k: e[k] for k in ("event", "name")} for e in started.events if e["event"] == "followup"
    ]
    asked = await run(
        ActionSubmitAddress(),
        make_tracker(
            "inform",
            slots={
                "address_order": "100007",
                "order_number": "999999",
                "new_address": "12 Baker Street, London, NW1 6XE",
            },
            metadata=me,
        ),
    )
    assert asked.responses == ["utter_confirm_address"]
    assert "12 Baker Street" not in order_address(store, "100007")
    saved = await run(
        ActionHandleAffirm(),
        make_tracker(
            "affirm",
            slots={"pending_confirmation": asked.slot("pending_confirmation")},
            metadata=me,
        ),
    )
    assert saved.responses == ["utter_address_changed"]
    assert "12 Baker Street" in order_address(store, "100007")


async def test_address_of_a_shipped_order_cannot_change(store: str) -> None:
    result = await run(
        ActionChangeAddress(),
        make_tracker(
            "change_address",
            entities=[entity("order_number", "100002")],
            metadata=token_metadata("C0001"),
        ),
    )
    assert result.responses == ["utter_address_refused_shipped"]


async def test_address_validation_rejects_junk_commands_and_questions(store: str) -> None:
    form = ValidateAddressForm()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("inform", slots={"requested_slot": "new_address"})
    junk = [
        "",
        "somewhere",
        "x" * 5000,
        "1234567890!!",
        "\x00" * 20,
        None,
        42,
        "next door, number 12",
    ]
    for value in junk:
        assert await form.validate_new_address(value, dispatcher, tracker, {}) == {
            "new_address": None
        }
    ok = await form.validate_new_address(" it's 12 Baker Street, London ", dispatcher, tracker, {})
    assert ok == {"new_address": "12 Baker Street, London"}


def order_address(store: str, number: str) -> str:
    return str(scalar(store, "SELECT ship_to_line1 FROM orders WHERE number = :n", n=number))
