"""Handing a conversation to a person: explicit requests and conflicts.

Whether to hand off, and why, is decided in one place (`bot.escalation.decide`, thresholds in
escalation.yml). The decision and its reasons are stored with the handoff, so the person who
picks it up knows at once, and the customer is told what happens next: their place in the
queue and the wait, or outside business hours, the ticket and when the team is back.

A client (the channel's client key, or else the conversation) and a conversation may open
only so many handoffs per window (CIM_HANDOFF_MAX_PER_*): one script must not fill the
queue. Asking again while a handoff is open joins it, and costs nothing.
"""

from __future__ import annotations

from dataclasses import replace

from rasa_sdk.events import FollowupAction

from actions import deps
from actions.base import StoreAction, Turn
from actions.formatting import day, status_phrase
from bot.escalation import Decision, Reason, decide, project_policy, signals_from_events
from bot.interaction_types import type_of
from bot.services import orders, queue, throttles
from bot.services.throttles import Quota
from bot.services.views import QueueTicket
from bot.settings import get_settings

CLIENT_SCOPE, CONVERSATION_SCOPE = "handoff_client", "handoff_conversation"
OFFER_ACTION = "action_offer_human"


def escalation_decision(turn: Turn) -> Decision:
    signals = signals_from_events(
        turn.tracker.events,
        turn.tracker.latest_message,
        turn.customer.tier if turn.customer else None,
        type_of=type_of,
    )
    return decide(signals, project_policy())


def with_reason(decision: Decision, code: str, explanation: str) -> Decision:
    """The decision, escalated for a reason the bot itself found (the verification lock,
    an accepted offer of a person), kept with the others for the agent to read."""
    reason = Reason(code, explanation, project_policy().weights.failed_action)
    return replace(
        decision,
        escalate=True,
        reasons=(*decision.reasons, reason),
        score=round(decision.score + reason.weight, 3),
    )


def tell_what_happens_next(turn: Turn, ticket: QueueTicket) -> None:
    reference = f"H-{ticket.handoff.id}"
    if ticket.outside_hours:
        opens = day(ticket.next_open) if ticket.next_open else "the next working day"
        when = f"{opens} at {ticket.next_open:%H:%M}" if ticket.next_open else opens
        turn.say("utter_handoff_ticket", reference=reference, next_open=when)
        turn.outcome = "ticket_created"
        return
    turn.say(
        "utter_handoff_queued",
        reference=reference,
        position=ticket.position or 1,
        wait=ticket.expected_wait_minutes or 1,
    )
    turn.outcome = "handed_off"


def _quotas(turn: Turn) -> list[Quota]:
    settings = get_settings()
    window, secret = settings.handoff_limit_window_seconds, settings.token_secret
    return [
        Quota(
            CLIENT_SCOPE,
            throttles.hashed_key(turn.client, secret=secret),
            settings.handoff_max_per_client,
            window,
        ),
        Quota(
            CONVERSATION_SCOPE,
            throttles.hashed_key(turn.conversation_id, secret=secret),
            settings.handoff_max_per_conversation,
            window,
        ),
    ]


def may_open_handoff(turn: Turn) -> bool:
    """Whether this handoff is within the client's and the conversation's quotas."""
    if queue.active_handoff_for(deps.new_uow(), conversation_id=turn.conversation_id):
        return True
    quotas, now = _quotas(turn), deps.now()
    allowed = throttles.take(deps.new_uow(), quotas=quotas, now=now)
    scopes = [CLIENT_SCOPE, CONVERSATION_SCOPE]
    idle = max(quota.window_seconds for quota in quotas)
    throttles.purge(deps.new_uow(), scopes=scopes, idle_seconds=idle, now=now)
    return allowed


def hand_off(turn: Turn, decision: Decision) -> None:
    if not may_open_handoff(turn):
        turn.say("utter_handoff_limited")
        turn.details = {"escalation": decision.as_dict()}
        turn.outcome = "handoff_limited"
        return
    ticket = queue.enqueue(
        deps.new_uow(),
        conversation_id=turn.conversation_id,
        customer_id=turn.customer.id if turn.customer else None,
        decision=decision,
        interaction_type=turn.interaction_type,
        intent=turn.intent,
        now=deps.now(),
    )
    turn.details = {"escalation": decision.as_dict()}
    tell_what_happens_next(turn, ticket)


class ActionHandoff(StoreAction):
    """The customer asked for a person: that alone is reason enough."""

    def name(self) -> str:
        return "action_handoff"

    def handle(self, turn: Turn) -> None:
        decision = escalation_decision(turn)
        if turn.intent == "affirm":  # a "yes" to the bot's offer of a person
            decision = with_reason(
                decision, "accepted_offer", "the customer accepted the offer of a person"
            )
        hand_off(turn, decision)


class ActionHandleConflict(StoreAction):
    """A complaint, a damaged or wrong item, or anger about a late delivery."""

    def name(self) -> str:
        return "action_handle_conflict"

    def handle(self, turn: Turn) -> None:
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
        decision = escalation_decision(turn)
        if decision.escalate:
            hand_off(turn, decision)
            return
        offer_human(turn)


def offer_human(turn: Turn) -> None:
    """Offer a person through `action_offer_human`, so that a typed "yes" right after the
    offer hands off (data/rules/conflict.yml)."""
    turn.events.append(FollowupAction(OFFER_ACTION))
    turn.outcome = "human_offered"


class ActionOfferHuman(StoreAction):
    """ "Shall I connect you with a person?": its buttons ask for one; a typed yes is
    handled by the rule that follows this action."""

    def name(self) -> str:
        return OFFER_ACTION

    def handle(self, turn: Turn) -> None:
        turn.say("utter_offer_human")
        turn.outcome = "human_offered"
