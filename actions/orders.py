"""Orders: status and tracking, history, cancelling (after a yes) and changing the address."""

from __future__ import annotations

import json

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import deps
from actions.base import IdentifiedAction, Turn
from actions.formatting import day, items_summary, money, status_phrase
from actions.markdown import Markdown
from bot.services import orders
from bot.services.views import CustomerView, OrderView

PENDING_CANCEL = "cancel_order"


def requested_number(turn: Turn) -> str | None:
    """The order the customer named now, or earlier in this conversation."""
    return orders.normalise_order_number(turn.entity("order_number")) or (
        orders.normalise_order_number(turn.slot("order_number"))
    )


def find_order(turn: Turn, customer: CustomerView, *, open_only: bool) -> OrderView | None:
    """The named order, else the most recent (open) one; says why when there is none."""
    number = requested_number(turn)
    if number:
        order = orders.get_order(deps.new_uow(), customer_id=customer.id, order_number=number)
        if order is None:
            turn.say("utter_order_not_found", order_number=number)
            turn.outcome = "order_not_found"
        return order
    order = orders.latest_order(deps.new_uow(), customer_id=customer.id, open_only=open_only)
    if order is None and open_only:
        order = orders.latest_order(deps.new_uow(), customer_id=customer.id)
    if order is None:
        turn.say("utter_no_orders")
        turn.outcome = "no_orders"
    return order


def say_status(turn: Turn, order: OrderView) -> None:
    turn.say(
        "utter_order_status",
        order_number=order.number,
        items=items_summary(order),
        status_phrase=status_phrase(order),
    )
    if order.tracking_number and order.status in ("shipped", "in_transit"):
        turn.say(
            "utter_order_tracking",
            carrier=order.carrier,
            tracking_number=order.tracking_number,
            tracking_url=Markdown(order.tracking_url or ""),
        )


class ActionOrderStatus(IdentifiedAction):
    def name(self) -> str:
        return "action_order_status"

    async def serve(self, turn: Turn, customer: CustomerView) -> None:
        order = find_order(turn, customer, open_only=True)
        if order is not None:
            turn.set_slot("order_number", order.number)
            say_status(turn, order)


def _order_line(order: OrderView) -> str:
    status = order.status.replace("_", " ")
    return f"#{order.number} · {day(order.placed_at)} · {money(order.total_cents)} · {status}"


class ActionListOrders(IdentifiedAction):
    def name(self) -> str:
        return "action_list_orders"

    async def serve(self, turn: Turn, customer: CustomerView) -> None:
        recent = orders.list_orders(deps.new_uow(), customer_id=customer.id, limit=5)
        if not recent:
            turn.say("utter_no_orders")
            turn.outcome = "no_orders"
            return
        lines = Markdown("\n".join(_order_line(o) for o in recent))
        buttons = [
            {"title": f"#{o.number}", "payload": f'/order_status{{"order_number":"{o.number}"}}'}
            for o in recent
            if o.is_open
        ]
        turn.say("utter_list_orders", lines=lines, buttons=buttons)


def _which_open_order(turn: Turn, customer: CustomerView, intent: str) -> OrderView | None:
    """The order to act on; when several are open and none was named, ask which."""
    if requested_number(turn):
        return find_order(turn, customer, open_only=True)
    recent = orders.list_orders(deps.new_uow(), customer_id=customer.id, limit=10)
    candidates = [o for o in recent if o.is_open]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        return find_order(turn, customer, open_only=False)
    buttons = [
        {
            "title": f"#{o.number} ({items_summary(o, limit=1)})",
            "payload": f'/{intent}{{"order_number":"{o.number}"}}',
        }
        for o in candidates[:5]
    ]
    turn.say("utter_which_order", buttons=buttons)
    turn.outcome = "asked_which_order"
    return None


_REFUSALS = {
    "already_shipped": "utter_cancel_refused_shipped",
    "already_cancelled": "utter_cancel_refused_cancelled",
}


class ActionCancelOrder(IdentifiedAction):
    """Checks the order can be cancelled and asks for a yes; ActionHandleAffirm cancels."""

    def name(self) -> str:
        return "action_cancel_order"

    async def serve(self, turn: Turn, customer: CustomerView) -> None:
        order = _which_open_order(turn, customer, "cancel_order")
        if order is None:
            return
        turn.set_slot("order_number", order.number)
        check = orders.check_cancellable(
            deps.new_uow(), customer_id=customer.id, order_number=order.number
        )
        if not check.ok:
            turn.say(
                _REFUSALS.get(check.reason or "", "utter_order_not_found"),
                order_number=order.number,
            )
            turn.outcome = f"refused:{check.reason}"
            return
        pending = {
            "action": PENDING_CANCEL,
            "order_number": order.number,
            "customer_id": customer.id,
        }
        turn.set_slot("pending_confirmation", json.dumps(pending))
        turn.say(
            "utter_confirm_cancel",
            order_number=order.number,
            items=items_summary(order),
            total=money(order.total_cents),
        )
        turn.outcome = "confirmation_asked"


def cancel_confirmed(turn: Turn, customer: CustomerView, order_number: str) -> None:
    """The customer said yes: cancel now, re-checking the state in the same transaction."""
    result = orders.cancel_order(deps.new_uow(), customer_id=customer.id, order_number=order_number)
    if result.ok and result.order is not None:
        turn.say(
            "utter_order_cancelled",
            order_number=order_number,
            total=money(result.order.total_cents),
        )
        turn.outcome = "cancelled"
        return
    turn.say(_REFUSALS.get(result.reason or "", "utter_order_not_found"), order_number=order_number)
    turn.outcome = f"refused:{result.reason}"


class ActionChangeAddress(IdentifiedAction):
    """Checks the order has not shipped, then starts address_form."""

    def name(self) -> str:
        return "action_change_address"

    async def serve(self, turn: Turn, customer: CustomerView) -> None:
        order = _which_open_order(turn, customer, "change_address")
        if order is None:
            return
        check = orders.check_address_changeable(
            deps.new_uow(), customer_id=customer.id, order_number=order.number
        )
        if not check.ok:
            response = (
                "utter_address_refused_shipped"
                if check.reason == "already_shipped"
                else _REFUSALS.get(check.reason or "", "utter_order_not_found")
            )
            tracking_url = Markdown(order.tracking_url or "")
            turn.say(response, order_number=order.number, tracking_url=tracking_url)
            turn.outcome = f"refused:{check.reason}"
            return
        turn.set_slot("order_number", order.number)
        turn.set_slot("address_order", order.number)
        turn.set_slot("new_address", None)
        turn.events.append(FollowupAction("address_form"))
        turn.outcome = "form_started"


class ValidateAddressForm(FormValidationAction):
    def name(self) -> str:
        return "validate_address_form"

    def validate_new_address(
        self,
        value: object,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, object]:
        if orders.parse_address(value) is not None:
            return {"new_address": str(value).strip()}
        dispatcher.utter_message(response="utter_address_invalid")
        return {"new_address": None}


class ActionSubmitAddress(IdentifiedAction):
    def name(self) -> str:
        return "action_submit_address"

    async def serve(self, turn: Turn, customer: CustomerView) -> None:
        number = orders.normalise_order_number(turn.slot("address_order")) or ""
        address = str(turn.slot("new_address") or "")
        result = orders.change_address(
            deps.new_uow(), customer_id=customer.id, order_number=number, address=address
        )
        turn.set_slot("new_address", None)
        turn.set_slot("address_order", None)
        if result.ok:
            turn.say("utter_address_changed", order_number=number, address=address)
            turn.outcome = "address_changed"
            return
        turn.say(
            "utter_address_refused_shipped"
            if result.reason == "already_shipped"
            else "utter_address_invalid",
            order_number=number,
            tracking_url="",
        )
        turn.outcome = f"refused:{result.reason}"
