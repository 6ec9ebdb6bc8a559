"""Personal requests: nothing personal is revealed until the customer is identified.

`IdentifiedAction` is the template of a personal request: the customer comes from a signed
token or a recorded verification (base.resolve_customer), or else is asked for an email and
order number, and the request waits in `pending_request` until `action_handle_inform` has
verified the pair and resumes it.

Identity comes only from a valid token in the latest message, or from a verification the
server recorded for this conversation's current session and client, and not yet expired
(bot/services/verification.py). The `customer_id` slot is a hint for the dialogue, never
proof: slots carry over into new sessions. For the same reason the pair must have been
typed in this session since the customer was last identified; values left in slots verify
nothing. Wrong pairs get one and the same answer, whatever was wrong; they are counted on
the server per email and per client, and past the allowance the customer is told to wait.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from datetime import datetime

from actions import deps
from actions.base import StoreAction, Turn, chat_session, verification_policy
from actions.handoff import escalation_decision, hand_off, with_reason
from actions.registered import action_named
from bot.services import verification
from bot.services.orders import normalise_order_number
from bot.services.verification import Outcome
from bot.services.views import CustomerView

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}$")


def _typed_since_identified(turn: Turn) -> tuple[set[str], set[str]]:
    """Emails and order numbers the customer typed in this session since they were last
    identified (the `customer_id` slot set), newest message included."""
    emails: set[str] = set()
    numbers: set[str] = set()
    for event in reversed(turn.tracker.events):
        kind = event.get("event")
        if kind == "session_started" or (
            kind == "slot" and event.get("name") == "customer_id" and event.get("value")
        ):
            break
        if kind != "user":
            continue
        for found in (event.get("parse_data") or {}).get("entities") or []:
            name, value = found.get("entity"), found.get("value")
            if name == "email" and isinstance(value, str):
                emails.add(value.strip().lower())
            elif name == "order_number" and (number := normalise_order_number(value)):
                numbers.add(number)
    return emails, numbers


def _fresh_pair(turn: Turn) -> tuple[str | None, str | None]:
    """The email and order-number slots, each only if typed since the last identification."""
    emails, numbers = _typed_since_identified(turn)
    email, number = turn.slot("email"), normalise_order_number(turn.slot("order_number"))
    fresh_email = email if isinstance(email, str) and email.strip().lower() in emails else None
    return fresh_email, number if number in numbers else None


def _ask_for_missing(turn: Turn, email: str | None) -> None:
    if not email:
        turn.say("utter_ask_email")
    elif not EMAIL_PATTERN.match(email.strip()):
        turn.set_slot("email", None)
        turn.say("utter_invalid_email")
    else:
        turn.say("utter_ask_order_number_verify")


def wait_phrase(until: datetime, now: datetime) -> str:
    """How long the customer should wait, as a chat says it: "a minute", "5 minutes"."""
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    if minutes >= 90:
        return f"{round(minutes / 60)} hours"
    return "a minute" if minutes == 1 else f"{minutes} minutes"


def _say_wait(turn: Turn, until: datetime) -> None:
    """The lock is a promise of a person: the handoff is made, with its reason, not only
    announced (the customer may still try again after the wait)."""
    turn.set_slot("pending_request", None)
    wait = wait_phrase(until, deps.now())
    turn.say("utter_verify_locked", wait=wait)
    reason = f"identity checks locked for {wait} after wrong email and order number pairs"
    hand_off(turn, with_reason(escalation_decision(turn), "verification_locked", reason))
    turn.outcome = "verification_locked"


def _reject(turn: Turn, outcome: Outcome) -> None:
    turn.set_slot("email", None)
    turn.set_slot("order_number", None)
    if outcome.wait_until is not None:
        _say_wait(turn, outcome.wait_until)
        return
    turn.say("utter_verify_failed")
    turn.say("utter_ask_email")
    turn.outcome = "verification_failed"


def _ask(turn: Turn, email: str | None, pending: str) -> None:
    if not turn.slot("pending_request"):
        turn.say("utter_verify_intro")
    turn.set_slot("pending_request", pending)
    _ask_for_missing(turn, email)
    turn.outcome = "verification_asked"


def verify_or_ask(turn: Turn, *, pending: str) -> CustomerView | None:
    """Verify the pair typed in this session, or ask for what is missing; a client or an
    email that must wait is told so, and its pair is not checked."""
    policy, where = verification_policy(), chat_session(turn)
    waiting = verification.client_wait(
        deps.new_uow(), client=where.client, now=deps.now(), policy=policy
    )
    if waiting is not None:
        _say_wait(turn, waiting)
        return None
    email, number = _fresh_pair(turn)
    if not (email and number and EMAIL_PATTERN.match(email.strip())):
        _ask(turn, email, pending)
        return None
    outcome = verification.attempt(
        deps.new_uow(), email=email, order_number=number, where=where, now=deps.now(), policy=policy
    )
    if outcome.customer is None:
        turn.set_slot("pending_request", pending)
        _reject(turn, outcome)
        return None
    turn.set_slot("customer_id", str(outcome.customer.id))
    turn.set_slot("pending_request", None)
    turn.say("utter_verified", first_name=outcome.customer.first_name)
    return outcome.customer


class IdentifiedAction(StoreAction, ABC):
    """A personal request: verify the customer first, then resume the request."""

    def prepare(self, turn: Turn) -> None:
        super().prepare(turn)
        if turn.customer is None:
            turn.customer = verify_or_ask(turn, pending=self.name())

    def handle(self, turn: Turn) -> None:
        if turn.customer is None:
            turn.outcome = "verification_pending"
            return
        self.serve(turn, turn.customer)

    @abstractmethod
    def serve(self, turn: Turn, customer: CustomerView) -> None:
        """Answer the identified customer."""


def identified_action(name: str) -> IdentifiedAction | None:
    """The personal request called `name` (a pending request, an order picked from a list)."""
    action = action_named(name)
    return action if isinstance(action, IdentifiedAction) else None


class ActionHandleInform(StoreAction):
    """The customer gave details: finish a pending verification and resume their request."""

    def name(self) -> str:
        return "action_handle_inform"

    def handle(self, turn: Turn) -> None:
        pending = turn.slot("pending_request")
        action = identified_action(pending) if isinstance(pending, str) else None
        if action is None:
            self._without_pending(turn)
            return
        if turn.customer is None:
            turn.customer = verify_or_ask(turn, pending=action.name())
        if turn.customer is not None:
            turn.set_slot("pending_request", None)
            action.serve(turn, turn.customer)

    def _without_pending(self, turn: Turn) -> None:
        status = identified_action("action_order_status")
        if turn.entity("order_number") and status is not None:
            status.prepare(turn)
            status.handle(turn)
            return
        turn.say("utter_inform_noted")
