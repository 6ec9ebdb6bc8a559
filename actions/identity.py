"""Who is the customer? A signed token, or an email and order number that match.

Nothing personal is revealed before one of the two. Wrong pairs get one and the same answer,
whatever was wrong, and after `verify_max_attempts` the chat stops trying.
"""

from __future__ import annotations

import logging
import re

from actions import deps
from actions.base import StoreAction, Turn, identified_action
from bot.identity import token_from_metadata, verify_token
from bot.services import customers
from bot.services.orders import normalise_order_number
from bot.services.views import CustomerView
from bot.settings import get_settings

logger = logging.getLogger(__name__)

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}$")


def _customer_from_token(turn: Turn) -> CustomerView | None:
    token = token_from_metadata(turn.metadata)
    if token is None:
        return None
    claims = verify_token(token, secret=get_settings().token_secret)
    if claims is None:
        logger.warning("conversation %s: rejected an invalid customer token", turn.conversation_id)
        return None
    return customers.find_customer_by_public_id(deps.new_uow(), public_id=claims.subject)


def _customer_from_slot(turn: Turn) -> CustomerView | None:
    value = turn.slot("customer_id")
    if not isinstance(value, str) or not value.isdigit():
        return None
    return customers.get_customer(deps.new_uow(), customer_id=int(value))


def resolve_customer(turn: Turn) -> CustomerView | None:
    """The identified customer: a valid token wins over an earlier verification."""
    customer = _customer_from_token(turn)
    if customer is not None:
        if turn.slot("customer_id") != str(customer.id):
            turn.set_slot("customer_id", str(customer.id))
        return customer
    return _customer_from_slot(turn)


def _attempts(turn: Turn) -> int:
    value = turn.slot("verify_attempts")
    return int(value) if isinstance(value, (int, float)) else 0


def _ask_for_missing(turn: Turn, email: object, number: str | None) -> None:
    if not email:
        turn.say("utter_ask_email")
    elif not isinstance(email, str) or not EMAIL_PATTERN.match(email.strip()):
        turn.set_slot("email", None)
        turn.say("utter_invalid_email")
    else:
        turn.say("utter_ask_order_number_verify")


def _reject(turn: Turn) -> None:
    attempts = _attempts(turn) + 1
    turn.set_slot("verify_attempts", float(attempts))
    turn.set_slot("email", None)
    turn.set_slot("order_number", None)
    if attempts >= get_settings().verify_max_attempts:
        turn.set_slot("pending_request", None)
        turn.say("utter_verify_locked")
        turn.outcome = "verification_locked"
        return
    turn.say("utter_verify_failed")
    turn.say("utter_ask_email")
    turn.outcome = "verification_failed"


def verify_or_ask(turn: Turn, *, pending: str) -> CustomerView | None:
    """Verify from the email and order-number slots, or ask for what is missing."""
    if _attempts(turn) >= get_settings().verify_max_attempts:
        turn.say("utter_verify_locked")
        turn.outcome = "verification_locked"
        return None
    email = turn.slot("email")
    number = normalise_order_number(turn.slot("order_number"))
    if not (email and number and EMAIL_PATTERN.match(str(email).strip())):
        if not turn.slot("pending_request"):
            turn.say("utter_verify_intro")
        turn.set_slot("pending_request", pending)
        _ask_for_missing(turn, email, number)
        turn.outcome = "verification_asked"
        return None
    customer = customers.verify_customer(deps.new_uow(), email=str(email), order_number=number)
    if customer is None:
        turn.set_slot("pending_request", pending)
        _reject(turn)
        return None
    turn.set_slot("customer_id", str(customer.id))
    turn.set_slot("verify_attempts", 0.0)
    turn.set_slot("pending_request", None)
    turn.say("utter_verified", first_name=customer.first_name)
    return customer


class ActionHandleInform(StoreAction):
    """The customer gave details: finish a pending verification and resume their request."""

    def name(self) -> str:
        return "action_handle_inform"

    async def handle(self, turn: Turn) -> None:
        pending = turn.slot("pending_request")
        action = identified_action(pending) if isinstance(pending, str) else None
        if action is None:
            await self._without_pending(turn)
            return
        if turn.customer is None:
            turn.customer = verify_or_ask(turn, pending=action.name())
        if turn.customer is not None:
            turn.set_slot("pending_request", None)
            await action.serve(turn, turn.customer)

    async def _without_pending(self, turn: Turn) -> None:
        status = identified_action("action_order_status")
        if turn.entity("order_number") and status is not None:
            await status.prepare(turn)
            await status.handle(turn)
            return
        turn.say("utter_inform_noted")
