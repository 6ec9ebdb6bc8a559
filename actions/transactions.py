"""Changes to a customer's order, made safely: offered with their exact effect, applied once on a
yes, and reported back with what changed.

An offer is kept in the `pending_confirmation` slot as JSON (what, which order, whose, and the new
address for an address change). A yes applies exactly that; a correction ("no, I meant 100311",
"the other one") moves the offer to the other order and asks again, so a yes never acts on the
order the customer took back.
"""

from __future__ import annotations

import json
import re
from typing import Any

from actions import deps, subject
from actions.base import Turn
from actions.formatting import items_summary, money, refund_phrase, status_phrase
from actions.markdown import Markdown
from bot.services import orders, refunds
from bot.services.views import CustomerView, OrderView, Outcome

CANCEL = "cancel_order"
ADDRESS = "change_address"
REFUND = "request_refund"


def _remember(
    turn: Turn, kind: str, order: OrderView, customer: CustomerView, **extra: str
) -> None:
    pending = {"action": kind, "order_number": order.number, "customer_id": customer.id, **extra}
    turn.set_slot("pending_confirmation", json.dumps(pending))
    subject.focus(turn, order)
    turn.outcome = "confirmation_asked"


def refuse_change(turn: Turn, order: OrderView, reason: str | None, *, kind: str) -> None:
    """Why the order can't be cancelled or re-addressed, in terms of where it is now. The
    request stays open: "sorry, I meant 100311" makes it again for that order."""
    subject.focus(turn, order)
    subject.offer_choice(turn, kind, [])
    turn.outcome = f"refused:{reason}"
    if reason == "already_cancelled":
        turn.say("utter_cancel_refused_cancelled", order_number=order.number)
    elif order.status in ("delivered", "returned"):
        response = (
            "utter_address_refused_delivered"
            if kind == ADDRESS
            else "utter_cancel_refused_delivered"
        )
        turn.say(response, order_number=order.number, status_phrase=status_phrase(order))
    elif kind == ADDRESS:
        turn.say(
            "utter_address_refused_shipped",
            order_number=order.number,
            status_phrase=status_phrase(order),
            tracking_url=Markdown(order.tracking_url or ""),
        )
    else:
        turn.say(
            "utter_cancel_refused_shipped",
            order_number=order.number,
            status_phrase=status_phrase(order),
        )


def offer_cancel(turn: Turn, customer: CustomerView, order: OrderView) -> None:
    check = orders.check_cancellable(
        deps.new_uow(), customer_id=customer.id, order_number=order.number
    )
    if not check.ok:
        refuse_change(turn, check.order or order, check.reason, kind=CANCEL)
        return
    _remember(turn, CANCEL, order, customer)
    turn.say(
        "utter_confirm_cancel",
        order_number=order.number,
        items=items_summary(order),
        total=money(order.total_cents),
    )


def address_changeable(turn: Turn, customer: CustomerView, order: OrderView) -> bool:
    check = orders.check_address_changeable(
        deps.new_uow(), customer_id=customer.id, order_number=order.number
    )
    if not check.ok:
        refuse_change(turn, check.order or order, check.reason, kind=ADDRESS)
    return check.ok


def offer_address(turn: Turn, customer: CustomerView, order: OrderView, address: str) -> None:
    _remember(turn, ADDRESS, order, customer, address=address)
    turn.say(
        "utter_confirm_address",
        order_number=order.number,
        items=items_summary(order),
        old_address=order.ship_to,
        address=address,
    )


def offer_refund(turn: Turn, customer: CustomerView, order: OrderView, reason: str = "") -> None:
    check = refunds.check_refundable(
        deps.new_uow(), customer_id=customer.id, order_number=order.number
    )
    subject.focus(turn, order)
    if check.ok:
        _remember(turn, REFUND, order, customer, reason=reason[:500])
        turn.say(
            "utter_confirm_refund",
            order_number=order.number,
            items=items_summary(order),
            amount=money(order.total_cents),
        )
        return
    turn.outcome = f"refused:{check.reason}"
    subject.offer_choice(turn, REFUND, [])
    if check.reason == "refund_exists":
        found = refunds.refund_status(
            deps.new_uow(), customer_id=customer.id, order_number=order.number
        )
        phrase = refund_phrase(found[0].status) if found else "in progress"
        amount = money(found[0].amount_cents) if found else money(order.total_cents)
        turn.say(
            "utter_refund_refused_exists",
            order_number=order.number,
            amount=amount,
            status_phrase=phrase,
        )
    else:
        turn.say(
            "utter_refund_refused_not_delivered",
            order_number=order.number,
            status_phrase=status_phrase(order),
        )


def pending(turn: Turn) -> dict[str, Any] | None:
    """The offer a yes would accept, only if it was made to the customer who is talking."""
    raw = turn.slot("pending_confirmation")
    if not isinstance(raw, str) or turn.customer is None:
        return None
    try:
        offer = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(offer, dict) or offer.get("customer_id") != turn.customer.id:
        return None
    return offer


_YES = re.compile(
    r"^\W*(?:yes|yep|yeah|yup|yes please|sure|ok(?:ay)?|please do|go ahead|do it|correct)\b", re.I
)


def confirmed_now(turn: Turn, customer: CustomerView, kind: str) -> bool:
    """ "Yes, cancel it" is classified as the request again: with that same change offered and no
    other order named, it is the yes, and the offer is applied."""
    offer = pending(turn)
    if offer is None or offer.get("action") != kind:
        return False
    number = subject.typed_number(turn)
    if not _YES.match(subject.text_of(turn)) or number not in (None, offer.get("order_number")):
        return False
    apply(turn, customer, offer)
    return True


def apply(turn: Turn, customer: CustomerView, offer: dict[str, Any]) -> None:
    """The customer said yes: make exactly the offered change, once, and say what changed."""
    turn.set_slot("pending_confirmation", None)
    number = str(offer.get("order_number"))
    uow = deps.new_uow()
    if offer.get("action") == CANCEL:
        result = orders.cancel_order(uow, customer_id=customer.id, order_number=number)
        _report(
            turn,
            result,
            "utter_order_cancelled",
            CANCEL,
            total=money(result.order.total_cents) if result.order else "",
        )
    elif offer.get("action") == ADDRESS:
        address = str(offer.get("address") or "")
        result = orders.change_address(
            uow, customer_id=customer.id, order_number=number, address=address
        )
        _report(turn, result, "utter_address_changed", ADDRESS, address=address)
    elif offer.get("action") == REFUND:
        reason = str(offer.get("reason") or "requested in chat")
        result = refunds.request_refund(
            uow, customer_id=customer.id, order_number=number, reason=reason
        )
        amount = money(result.refund.amount_cents) if result.refund else ""
        _report(turn, result, "utter_refund_requested", REFUND, amount=amount)


def _report(turn: Turn, result: Outcome, response: str, kind: str, **values: str) -> None:
    order = result.order
    if result.ok and order is not None:
        turn.say(response, order_number=order.number, **values)
        turn.outcome = {
            CANCEL: "cancelled",
            ADDRESS: "address_changed",
            REFUND: "refund_requested",
        }[kind]
    elif order is not None and kind != REFUND:
        refuse_change(turn, order, result.reason, kind=kind)
    else:
        turn.say("utter_change_failed")
        turn.outcome = f"refused:{result.reason}"


def retarget(turn: Turn, customer: CustomerView, offer: dict[str, Any], order: OrderView) -> None:
    """A correction: make the same offer again, for the order the customer now means."""
    turn.set_slot("pending_confirmation", None)
    if offer.get("action") == CANCEL:
        offer_cancel(turn, customer, order)
    elif offer.get("action") == REFUND:
        offer_refund(turn, customer, order, str(offer.get("reason") or ""))
    elif offer.get("action") == ADDRESS and address_changeable(turn, customer, order):
        offer_address(turn, customer, order, str(offer.get("address") or ""))
