"""Feedback: kept with the conversation in the interaction log."""

from __future__ import annotations

from actions.base import StoreAction, Turn

MAX_FEEDBACK_CHARS = 1000


class ActionRecordFeedback(StoreAction):
    def name(self) -> str:
        return "action_record_feedback"

    def handle(self, turn: Turn) -> None:
        text = str(turn.tracker.latest_message.get("text") or "")[:MAX_FEEDBACK_CHARS]
        turn.details = {"feedback": text}
        turn.say("utter_feedback_thanks")
        turn.outcome = "feedback_recorded"
