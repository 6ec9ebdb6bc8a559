"""Misunderstandings: clarify once, offer a person after two in a row."""

from __future__ import annotations

from actions.base import StoreAction, Turn
from actions.conversation import consecutive_failures

OFFER_HUMAN_AFTER = 2


class ActionHandleFallback(StoreAction):
    def name(self) -> str:
        return "action_handle_fallback"

    async def handle(self, turn: Turn) -> None:
        failures = consecutive_failures(turn.tracker.events)
        out_of_scope = turn.intent == "out_of_scope"
        if failures >= OFFER_HUMAN_AFTER:
            if out_of_scope:
                turn.say("utter_out_of_scope")
            turn.say("utter_offer_human")
            turn.outcome = "human_offered"
            return
        turn.say("utter_out_of_scope" if out_of_scope else "utter_clarify")
        turn.outcome = "out_of_scope" if out_of_scope else "clarified"
