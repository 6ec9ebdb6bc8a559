"""Misunderstandings: clarify once, offer a person after two in a row.

Before saying "I didn't get that", two things the classifier may have missed are checked,
because they need no intent to be answered well: a situation that belongs with a person
(a billing dispute, a legal threat: bot/escalation/situations.py) is handed off at once, as
is a customer misunderstood while frustrated when the escalation decision says so,
and a shopping question ("do you do kayaks?", a product by name) is answered from the
catalogue. A person is offered through `action_offer_human`, so a typed "yes" to the offer
hands off (data/rules/conflict.yml).
"""

from __future__ import annotations

import re

from actions.base import StoreAction, Turn
from actions.conversation import consecutive_failures
from actions.handoff import escalation_decision, hand_off, offer_human
from actions.sales import catalogue_answer, is_opinion, record_feedback, say_answer, text_of
from bot.escalation.situations import situations_in
from bot.services.recommendations import ProductAnswer

OFFER_HUMAN_AFTER = 2
# The customer's own orders are the business of the order actions, never of the catalogue.
ABOUT_AN_ORDER = re.compile(r"\border|\bdeliver|\baddress|\bparcel|\d{6}", re.IGNORECASE)
# What makes a message naming a product a question about it.
PRODUCT_CUES = re.compile(
    r"\b(?:price|prices|cost|costs|how much|stock|available|sell|buy|got|have you|any)\b|\?",
    re.IGNORECASE,
)
# Reasons of the escalation decision that are the customer's frustration.
FRUSTRATION = frozenset({"negative_words", "all_caps", "repetition"})


class ActionHandleFallback(StoreAction):
    def name(self) -> str:
        return "action_handle_fallback"

    def handle(self, turn: Turn) -> None:
        text = text_of(turn)
        decision = escalation_decision(turn)
        frustrated = FRUSTRATION & set(decision.codes)
        if situations_in(text) or (decision.escalate and frustrated):
            # a dispute, or misunderstood while angry: a person, not another "rephrase"
            turn.say("utter_conflict_empathy")
            hand_off(turn, decision)
            return
        if not ABOUT_AN_ORDER.search(text):
            answer = catalogue_answer(turn, shop_verbs_only=True)
            if answer.named and is_opinion(text):
                record_feedback(turn)
                return
            if not PRODUCT_CUES.search(text):  # a product named in passing is no question
                answer = ProductAnswer((), answer.asked)
            if say_answer(turn, answer):
                return
        failures = consecutive_failures(turn.tracker.events)
        out_of_scope = turn.intent == "out_of_scope"
        if failures >= OFFER_HUMAN_AFTER:
            if out_of_scope:
                turn.say("utter_out_of_scope")
            offer_human(turn)
            return
        turn.say("utter_out_of_scope" if out_of_scope else "utter_clarify")
        turn.outcome = "out_of_scope" if out_of_scope else "clarified"
