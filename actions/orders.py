"""Orders: status and tracking, history, cancelling and changing the address (after a yes,
actions/transactions.py); the address form itself is in actions/address_form.py."""

from __future__ import annotations

from rasa_sdk.events import FollowupAction

from actions import deps, subject, transactions
from actions.base import Turn
from actions.formatting import day, items_summary, money, status_phrase
from actions.identification import IdentifiedAction
from actions.markdown import Markdown
from bot.services import orders
from bot.services.views import CustomerView, OrderView


def requested_number(turn: Turn) -> str | None:
    """The order the customer named now, or the one under discussion."""
    return subject.subject_number(turn)


def find_order(turn: Turn, customer: CustomerView, *, open_only: bool) -> OrderView | None:
    """The named order, else the most recent (open) one; says why when there is none."""
    number = requested_number(turn)
    if number:
        return _named(turn, customer, number)
    order = orders.latest_order(deps.new_uow(), customer_id=customer.id, open_only=open_only)
    if order is None and open_only:
        order = orders.latest_order(deps.new_uow(), customer_id=customer.id)
    if order is None:
        turn.say("utter_no_orders")
        turn.outcome = "no_orders"
    return order


def _named(turn: Turn, customer: CustomerView, number: str) -> OrderView | None:
    order = orders.get_order(deps.new_uow(), customer_id=customer.id, order_number=number)
    if order is None:
        turn.say("utter_order_not_found", order_number=number)
        turn.outcome = "order_not_found"
    return order


def referenced_order(turn: Turn, customer: CustomerView) -> tuple[OrderView | None, bool]:
    """The order this message names or describes, and whether it named or described one at all
    (a number that is not the customer's is a reference that failed)."""
    recent = subject.recent_orders(customer)
    asked = subject.request_text(turn)
    described_before = subject.described(asked, recent) if asked else None
    if described_before is not None:
        return described_before, True  # "the tent one", asked before the customer verified
    number = subject.typed_number(turn)
    if number:
        return _named(turn, customer, number), True
    current = orders.normalise_order_number(turn.slot("order_number"))
    text = subject.text_of(turn)
    # An open order first: "the water bottle one" is the open one when an old one had it too.
    open_orders = [o for o in recent if o.is_open]
    listed = _last_listed(turn, recent)
    order = (
        (subject.by_ordinal(text, listed) if listed else None)
        or subject.described(text, open_orders, current)
        or subject.described(text, recent, current)
    )
    return order, order is not None


def _last_listed(turn: Turn, recent: list[OrderView]) -> list[OrderView]:
    """The orders the bot last listed or offered, in that order: "the second one" counts there."""
    choice = subject.pending_choice(turn) or {}
    numbers = choice.get("numbers")
    if not isinstance(numbers, list):
        return []
    by_number = {o.number: o for o in recent}
    return [by_number[n] for n in numbers if n in by_number]


def _moved_pending(turn: Turn, customer: CustomerView, order: OrderView) -> bool:
    """A correction while a change waits for a yes: the change moves to the order now meant."""
    offer = transactions.pending(turn)
    if offer is None or offer.get("order_number") == order.number:
        return False
    if not subject.is_correction(subject.text_of(turn)):
        turn.set_slot("pending_confirmation", None)
        return False
    transactions.retarget(turn, customer, offer, order)
    return True


def say_status(turn: Turn, order: OrderView) -> None:
    subject.focus(turn, order)
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


_MOST_RELEVANT = {"in_transit": 0, "shipped": 1, "processing": 2, "pending": 3}


class ActionOrderStatus(IdentifiedAction):
    """Where the order under discussion is; with several open and none meant, all of them,
    the one on its way first."""

    def name(self) -> str:
        return "action_order_status"

    def serve(self, turn: Turn, customer: CustomerView) -> None:
        order, referenced = referenced_order(turn, customer)
        if referenced:
            if order is not None and not _moved_pending(turn, customer, order):
                turn.set_slot("order_number", order.number)
                say_status(turn, order)
            return
        subject_number = orders.normalise_order_number(turn.slot("order_number"))
        if subject_number:
            order = _named(turn, customer, subject_number)
            if order is not None:
                say_status(turn, order)
            return
        self._open_orders(turn, customer)

    def _open_orders(self, turn: Turn, customer: CustomerView) -> None:
        recent = subject.recent_orders(customer)
        open_orders = sorted(
            (o for o in recent if o.is_open), key=lambda o: _MOST_RELEVANT.get(o.status, 9)
        )
        shown = open_orders[:3] or recent[:1]
        if not shown:
            turn.say("utter_no_orders")
            turn.outcome = "no_orders"
            return
        for order in shown:
            say_status(turn, order)
        subject.focus(turn, shown[0])  # the one that matters most is "it" from now on


def _order_line(order: OrderView) -> str:
    status = order.status.replace("_", " ")
    return f"#{order.number} · {day(order.placed_at)} · {money(order.total_cents)} · {status}"


class ActionListOrders(IdentifiedAction):
    def name(self) -> str:
        return "action_list_orders"

    def serve(self, turn: Turn, customer: CustomerView) -> None:
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
        subject.offer_choice(turn, "order_status", recent)


def _which_open_order(turn: Turn, customer: CustomerView, intent: str) -> OrderView | None:
    """The order to change: the one named or described now, else the one under discussion,
    else the only open one; with several open and no clue, ask which, with buttons."""
    order, referenced = referenced_order(turn, customer)
    if referenced:
        return order
    current = orders.normalise_order_number(turn.slot("order_number"))
    if current:
        return _named(turn, customer, current)
    candidates = [o for o in subject.recent_orders(customer) if o.is_open]
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
    subject.offer_choice(turn, intent, candidates[:5])
    turn.outcome = "asked_which_order"
    return None


class ActionCancelOrder(IdentifiedAction):
    """Offers to cancel with the exact effect; a yes (ActionHandleAffirm) cancels."""

    def name(self) -> str:
        return "action_cancel_order"

    def serve(self, turn: Turn, customer: CustomerView) -> None:
        if transactions.confirmed_now(turn, customer, transactions.CANCEL):
            return
        order = _which_open_order(turn, customer, "cancel_order")
        if order is not None:
            transactions.offer_cancel(turn, customer, order)


class ActionChangeAddress(IdentifiedAction):
    """Checks the order has not shipped; with the address already given, asks to confirm it,
    else starts address_form."""

    def name(self) -> str:
        return "action_change_address"

    def serve(self, turn: Turn, customer: CustomerView) -> None:
        if transactions.confirmed_now(turn, customer, transactions.ADDRESS):
            return
        order = _which_open_order(turn, customer, "change_address")
        if order is None or not transactions.address_changeable(turn, customer, order):
            return
        turn.set_slot("order_number", order.number)
        address = orders.address_in_message(subject.text_of(turn))
        if address is not None:
            transactions.offer_address(turn, customer, order, address)
            return
        turn.set_slot("address_order", order.number)
        turn.set_slot("new_address", None)
        turn.events.append(FollowupAction("address_form"))
        turn.outcome = "form_started"
