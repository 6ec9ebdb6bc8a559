"""The address form's two ends: the validator that takes only an address (answering a question
about the current one, following a correction to another order), and the submit step that offers
the exact change for a yes (actions/transactions.py applies it)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import deps, subject, transactions
from actions.base import Turn, resolve_customer
from actions.identification import IdentifiedAction
from actions.orders import referenced_order
from bot.blocking import in_thread
from bot.services import orders
from bot.services.views import CustomerView


class ValidateAddressForm(FormValidationAction):
    """Takes only an address as the new address. A question about the current one is answered,
    a correction ("not that one, 100974") moves the form to that order; anything else is
    asked again, and nothing is stored until the customer confirms."""

    def name(self) -> str:
        return "validate_address_form"

    async def validate_new_address(
        self,
        value: object,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, object]:
        if tracker.get_slot("requested_slot") != "new_address":
            return {"new_address": None}
        address = orders.clean_address(value)
        if address is not None:
            return {"new_address": address}
        return await in_thread(form_detour, Turn(dispatcher, tracker))


def form_detour(turn: Turn) -> dict[str, object]:
    """Not an address: answer what was asked, or follow the correction, and ask again
    (on a worker thread: it reads the store)."""
    customer = resolve_customer(turn)
    number = orders.normalise_order_number(turn.slot("address_order"))
    order = (
        orders.get_order(deps.new_uow(), customer_id=customer.id, order_number=number or "")
        if customer
        else None
    )
    text = subject.text_of(turn)
    if customer is None or order is None:
        turn.say("utter_address_invalid")
        return {"new_address": None}
    other, referenced = referenced_order(turn, customer)
    if referenced and other is not None and other.number != order.number:
        if not transactions.address_changeable(turn, customer, other):
            return {"new_address": None}
        # "order 100974 should go to 7 Station Road, Bath" moves the form and answers it at once.
        address = orders.address_in_message(text)
        return {"new_address": address, "address_order": other.number, "order_number": other.number}
    if "?" in text or subject.asks_current(text):
        turn.say("utter_current_address", order_number=order.number, address=order.ship_to)
    else:
        turn.say("utter_address_invalid")
    return {"new_address": None}


class ActionSubmitAddress(IdentifiedAction):
    """The form has an address: ask the customer to confirm the exact change; a yes applies it."""

    def name(self) -> str:
        return "action_submit_address"

    def serve(self, turn: Turn, customer: CustomerView) -> None:
        number = orders.normalise_order_number(turn.slot("address_order")) or ""
        address = str(turn.slot("new_address") or "")
        turn.set_slot("new_address", None)
        turn.set_slot("address_order", None)
        order = orders.get_order(deps.new_uow(), customer_id=customer.id, order_number=number)
        if order is None or not address:
            turn.say("utter_address_change_stopped")
            turn.outcome = "address_missing"
            return
        if transactions.address_changeable(turn, customer, order):
            transactions.offer_address(turn, customer, order, address)
