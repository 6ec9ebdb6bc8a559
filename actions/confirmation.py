"""Yes and no: they mean whatever the bot last asked, kept in the pending_confirmation slot."""

from __future__ import annotations

import json
from typing import Any

from actions.base import StoreAction, Turn
from actions.orders import PENDING_CANCEL, cancel_confirmed


def pending_confirmation(turn: Turn) -> dict[str, Any] | None:
    """What "yes" would do now, only if it was asked of the customer who is talking."""
    raw = turn.slot("pending_confirmation")
    if not isinstance(raw, str):
        return None
    try:
        pending = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(pending, dict) or turn.customer is None:
        return None
    return pending if pending.get("customer_id") == turn.customer.id else None


class ActionHandleAffirm(StoreAction):
    def name(self) -> str:
        return "action_handle_affirm"

    async def handle(self, turn: Turn) -> None:
        pending = pending_confirmation(turn)
        turn.set_slot("pending_confirmation", None)
        if pending and pending.get("action") == PENDING_CANCEL and turn.customer is not None:
            cancel_confirmed(turn, turn.customer, str(pending.get("order_number")))
            return
        turn.say("utter_nothing_pending")
        turn.outcome = "nothing_pending"


class ActionHandleDeny(StoreAction):
    def name(self) -> str:
        return "action_handle_deny"

    async def handle(self, turn: Turn) -> None:
        pending = pending_confirmation(turn)
        turn.set_slot("pending_confirmation", None)
        if pending and pending.get("action") == PENDING_CANCEL:
            turn.say("utter_cancel_kept", order_number=pending.get("order_number"))
            turn.outcome = "cancel_declined"
            return
        turn.say("utter_rephrase_ok")
        turn.outcome = "declined"
