"""Messages that only make sense with the order under discussion in mind.

While an order is in focus (the featurized `order_in_focus` slot, set by the order actions), the
messages the classifier can't place on their own come here first (data/rules/service.yml):
the answer to "which order do you mean?" ("the trekking poles one", "the first one"), a follow-up
about the order ("so when will it turn up?", "who's delivering it?", "and the other one?") and
"the address you have for me?". Anything else goes on to the action the intent normally runs.
"""

from __future__ import annotations

import re

from actions import subject
from actions.base import StoreAction, Turn
from actions.identification import identified_action
from actions.orders import say_status
from actions.registered import action_named
from actions.subject import text_of
from bot.services import orders
from bot.services.views import CustomerView, OrderView

# What the intent runs when the message is not about the order in focus.
USUAL_ACTION = {
    "nlu_fallback": "action_handle_fallback",
    "out_of_scope": "action_handle_fallback",
    "product_question": "action_product_info",
    "account_details": "action_account_details",
    "inform": "action_handle_inform",
    "give_feedback": "action_record_feedback",
}
_ABOUT_DELIVERY = re.compile(
    r"\b(?:when|arrive|turn(?:s|ing)? up|get(?:s|ting)? here|show up|track\w*|courier|carrier|"
    r"deliver\w*|where|status|eta|ship\w*|dispatch\w*|parcel|package|other (?:one|order))\b",
    re.I,
)
_ABOUT_ADDRESS = re.compile(r"\baddress\b|\bwhere (?:is it|it's) (?:going|being sent)\b", re.I)


class ActionOrderFollowup(StoreAction):
    def name(self) -> str:
        return "action_order_followup"

    def handle(self, turn: Turn) -> None:
        customer = turn.customer
        if customer is not None and (
            continue_choice(turn, customer) or self._followed_up(turn, customer)
        ):
            return
        self._usual(turn)

    def _followed_up(self, turn: Turn, customer: CustomerView) -> bool:
        """A question about the order in focus, or "the other one": status, tracking, address."""
        if turn.intent not in ("nlu_fallback", "out_of_scope", "account_details"):
            return False
        text = subject.text_of(turn)
        current = orders.normalise_order_number(turn.slot("order_number"))
        about_address = bool(_ABOUT_ADDRESS.search(text))
        if current is None or not (about_address or _ABOUT_DELIVERY.search(text)):
            return False
        open_orders = [
            o for o in subject.recent_orders(customer) if o.is_open or o.number == current
        ]
        order = subject.described(text, open_orders, current) or next(
            (o for o in open_orders if o.number == current), None
        )
        if order is None:
            return False
        turn.set_slot("order_number", order.number)
        if about_address:
            turn.say("utter_current_address", order_number=order.number, address=order.ship_to)
        else:
            say_status(turn, order)
        turn.outcome = "followed_up"
        return True

    def _usual(self, turn: Turn) -> None:
        usual = action_named(USUAL_ACTION.get(turn.intent or "", "action_handle_fallback"))
        if isinstance(usual, StoreAction):  # every one of USUAL_ACTION is
            turn.events.extend(usual.respond(turn.dispatcher, turn.tracker))

    def _log(self, turn: Turn) -> None:
        if turn.outcome != "answered":  # the usual action logged its own turn
            super()._log(turn)


def continue_choice(turn: Turn, customer: CustomerView) -> bool:
    """The answer to "which order?": the pending request goes on with the order picked."""
    choice = subject.pending_choice(turn)
    turn.set_slot(subject.CHOICE_SLOT, None)
    if choice is None:
        return False
    numbers = choice.get("numbers")
    if not isinstance(numbers, list):
        return False
    recent = subject.recent_orders(customer)
    candidates = [o for o in recent if o.number in numbers] if numbers else recent
    order = _picked(turn, candidates)
    if not numbers and not (subject.typed_number(turn) or subject.is_correction(text_of(turn))):
        return False  # a refused request moves only when the customer names another order
    action = identified_action(f"action_{choice.get('intent')}")
    if order is None or action is None:
        return False
    # The pick reads as if the customer had typed its number with the request.
    turn.tracker.latest_message["entities"] = [{"entity": "order_number", "value": order.number}]
    action.serve(turn, customer)
    return True


def _picked(turn: Turn, candidates: list[OrderView]) -> OrderView | None:
    number = subject.typed_number(turn)
    if number:
        return next((o for o in candidates if o.number == number), None)
    return subject.described(subject.text_of(turn), candidates)
