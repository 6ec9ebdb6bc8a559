"""Hello, personally when the shop told us who the customer is."""

from __future__ import annotations

from actions import deps
from actions.base import StoreAction, Turn
from actions.formatting import items_summary, refund_phrase, status_phrase
from bot.services import customers


class ActionGreet(StoreAction):
    def name(self) -> str:
        return "action_greet"

    def handle(self, turn: Turn) -> None:
        if turn.customer is None:
            turn.say("utter_greet")
            return
        context = customers.greeting_context(deps.new_uow(), customer_id=turn.customer.id)
        first_name = turn.customer.first_name
        turn.outcome = "greeted_known"
        if context is not None and context.open_order is not None:
            order = context.open_order
            turn.say(
                "utter_greet_known_open_order",
                first_name=first_name,
                order_number=order.number,
                items=items_summary(order),
                status_phrase=status_phrase(order),
            )
        elif context is not None and context.open_refund is not None:
            refund = context.open_refund
            turn.say(
                "utter_greet_known_open_case",
                first_name=first_name,
                order_number=refund.order_number,
                refund_status=refund_phrase(refund.status),
            )
        else:
            turn.say("utter_greet_known", first_name=first_name)
