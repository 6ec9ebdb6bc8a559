from __future__ import annotations

from actions.confirmation import ActionHandleAffirm
from actions.refunds import ActionRequestRefund
from tests.actions.conftest import entity, make_tracker, run, token_metadata
from tests.db import scalar

AIKO = token_metadata("C0003")  # 100007 pending, 100008 delivered (Storm Rain Shell)


def refunds_for(store: str, number: str) -> int:
    sql = (
        "SELECT count(*) FROM refunds JOIN orders ON orders.id = refunds.order_id WHERE number = :n"
    )
    return int(scalar(store, sql, n=number))


async def test_refund_is_offered_with_its_amount_then_opened_once_after_yes(store: str) -> None:
    asked = await run(
        ActionRequestRefund(),
        make_tracker(
            "request_refund",
            entities=[entity("order_number", "100008")],
            metadata=AIKO,
            text="the jacket doesn't fit",
        ),
    )
    assert asked.responses == ["utter_confirm_refund"]
    assert asked.message("utter_confirm_refund")["amount"].startswith("$")
    assert refunds_for(store, "100008") == 0
    pending = {"pending_confirmation": asked.slot("pending_confirmation")}
    done = await run(ActionHandleAffirm(), make_tracker("affirm", slots=pending, metadata=AIKO))
    assert done.responses == ["utter_refund_requested"]
    assert refunds_for(store, "100008") == 1
    again = await run(
        ActionRequestRefund(),
        make_tracker("request_refund", entities=[entity("order_number", "100008")], metadata=AIKO),
    )
    assert again.responses == ["utter_refund_refused_exists"]
    assert again.message("utter_refund_refused_exists")["amount"].startswith("$")


async def test_a_refund_for_the_item_named_goes_to_its_delivered_order(store: str) -> None:
    asked = await run(
        ActionRequestRefund(),
        make_tracker("request_refund", text="the rain shell isn't what I expected", metadata=AIKO),
    )
    assert asked.message("utter_confirm_refund")["order_number"] == "100008"


async def test_refund_request_for_an_undelivered_order_is_refused(store: str) -> None:
    result = await run(
        ActionRequestRefund(),
        make_tracker("request_refund", entities=[entity("order_number", "100007")], metadata=AIKO),
    )
    assert result.responses == ["utter_refund_refused_not_delivered"]
    assert "waiting" in result.message("utter_refund_refused_not_delivered")["status_phrase"]
