"""Handing a conversation to a person: explicit requests and conflicts.

The record carries why the bot handed off, so the person who picks it up knows at once.
"""

from __future__ import annotations

from actions import deps
from actions.base import StoreAction, Turn
from actions.conversation import consecutive_failures, recent_conflict
from actions.formatting import status_phrase
from bot.services import handoffs, orders


def handoff_reasons(turn: Turn) -> list[str]:
    reasons = []
    if turn.intent == "request_human":
        reasons.append("explicit_request")
    if turn.interaction_type == "conflict" and turn.intent != "request_human":
        reasons.append(f"conflict:{turn.intent}")
    elif recent_conflict(turn.tracker.events):
        reasons.append("conflict")
    if consecutive_failures(turn.tracker.events, skip_latest=True) >= 2:
        reasons.append("repeated_fallback")
    return reasons or ["bot_decision"]


def hand_off(turn: Turn) -> None:
    handoff = handoffs.create_handoff(
        deps.new_uow(),
        conversation_id=turn.conversation_id,
        customer_id=turn.customer.id if turn.customer else None,
        reasons=handoff_reasons(turn),
        interaction_type=turn.interaction_type,
        intent=turn.intent,
    )
    turn.say("utter_handoff_created", reference=f"H-{handoff.id}")
    turn.outcome = "handed_off"


class ActionHandoff(StoreAction):
    def name(self) -> str:
        return "action_handoff"

    async def handle(self, turn: Turn) -> None:
        hand_off(turn)


class ActionHandleConflict(StoreAction):
    """A complaint, a damaged or wrong item, or anger about a late delivery."""

    def name(self) -> str:
        return "action_handle_conflict"

    async def handle(self, turn: Turn) -> None:
        turn.say("utter_conflict_empathy")
        if turn.intent == "damaged_item":
            turn.say("utter_damaged_item")
        elif turn.intent == "late_delivery" and turn.customer is not None:
            order = orders.latest_order(
                deps.new_uow(), customer_id=turn.customer.id, open_only=True
            )
            if order is not None:
                turn.say(
                    "utter_late_order",
                    order_number=order.number,
                    status_phrase=status_phrase(order),
                )
        hand_off(turn)
