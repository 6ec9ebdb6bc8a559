"""From one conversation's recorded events to its fact row (docs/kpis.md says why each
rule is what it is). Pure functions: the refresh feeds them rows, tests feed them lists.

Two facts depend on the customer's other conversations (a return within 24 h with the same
intent, a repeat contact within 7 days); `follow_ups` sets them over a customer's
conversations in order, after each conversation's own facts are known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.escalation.frustration import NEGATIVE_WORDS, negative_words_in
from bot.kpis.schema import ANONYMOUS, UNKNOWN

FALLBACK_INTENTS = frozenset({"nlu_fallback"})
FALLBACK_ACTIONS = frozenset({"action_default_fallback", "action_handle_fallback"})
# Turns that say nothing about what the customer came for.
SMALL_TALK = frozenset(
    {"greet", "goodbye", "thanks", "affirm", "deny", "inform", "nlu_fallback", "give_feedback"}
)
RETURN_WINDOW = timedelta(hours=24)
REPEAT_WINDOW = timedelta(days=7)
SATISFIED = 4  # CSAT counts ratings of 4 and 5 as satisfied
PROMOTER, DETRACTOR = 9, 6  # NPS: 9-10 promote, 0-6 detract


@dataclass(frozen=True)
class TrackerEvent:
    """One row of Rasa's `events` table, its JSON `data` decoded."""

    type_name: str
    timestamp: float
    intent_name: str | None = None
    action_name: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HandoffRecord:
    queued_at: datetime
    assigned_at: datetime | None
    resolved_at: datetime | None
    reasons: Sequence[str]
    disposition: str | None
    customer_id: int | None
    intent: str | None
    interaction_type: str | None


@dataclass(frozen=True)
class LogRecord:
    """A line of the interaction log."""

    created_at: datetime
    customer_id: int | None
    intent: str | None
    interaction_type: str | None


@dataclass
class ConversationRecord:
    conversation_id: str
    events: list[TrackerEvent] = field(default_factory=list)
    log: list[LogRecord] = field(default_factory=list)
    handoffs: list[HandoffRecord] = field(default_factory=list)
    csat: int | None = None
    csat_comment: str | None = None
    nps: int | None = None
    rated_by: int | None = None  # the customer on the rating or NPS answer


def at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc)


def derive(
    record: ConversationRecord, tiers: Mapping[int, str], type_of: Any
) -> dict[str, Any] | None:
    """The conversation's own facts; None when nothing dated was recorded for it."""
    times = _times(record)
    if not times:
        return None
    turns = _turns(record.events)
    intent = _topic(record)
    customer = customer_of(record)
    handoff = min(record.handoffs, key=lambda h: h.queued_at) if record.handoffs else None
    started = min(times) if not turns else min(at(t.timestamp) for t in turns)
    facts: dict[str, Any] = {
        "conversation_id": record.conversation_id,
        "started_at": started,
        "ended_at": max(times),
        "day": started.date(),
        "channel": _channel(record.events),
        "intent": intent or UNKNOWN,
        "interaction_type": _type(record, intent, type_of) or UNKNOWN,
        "customer_id": customer,
        "customer_tier": tiers.get(customer, ANONYMOUS) if customer is not None else ANONYMOUS,
        "user_messages": len(turns),
        "fallbacks": sum(turn.fallback for turn in turns),
        "first_response_ms": _first_response_ms(record.events),
        "csat": record.csat,
        "nps": record.nps,
        **_handoff_facts(record.handoffs, handoff),
    }
    facts["contained"] = bool(turns) and not facts["handed_off"]
    exit_reason = _exit_reason(turns) if facts["contained"] else None
    facts["false_reason"] = exit_reason
    return _settle(facts)


def _settle(facts: dict[str, Any]) -> dict[str, Any]:
    """Containment outcomes from `contained` and `false_reason`."""
    facts["false_contained"] = facts["contained"] and facts["false_reason"] is not None
    facts["bot_resolved"] = facts["contained"] and not facts["false_contained"]
    return facts


@dataclass
class _Turn:
    timestamp: float
    text: str
    fallback: bool


def _turns(events: Iterable[TrackerEvent]) -> list[_Turn]:
    turns: list[_Turn] = []
    for event in events:
        if event.type_name == "user":
            text = str(event.data.get("text") or "")
            turns.append(_Turn(event.timestamp, text, event.intent_name in FALLBACK_INTENTS))
        elif event.type_name == "action" and event.action_name in FALLBACK_ACTIONS and turns:
            turns[-1].fallback = True
    return turns


def _exit_reason(turns: Sequence[_Turn]) -> str | None:
    """How a contained conversation ended badly: after a fallback or a negative message."""
    last = turns[-1]
    if last.fallback:
        return "fallback_exit"
    if negative_words_in(last.text, NEGATIVE_WORDS):
        return "negative_exit"
    return None


def _times(record: ConversationRecord) -> list[datetime]:
    times = [at(e.timestamp) for e in record.events if e.timestamp]
    times += [line.created_at for line in record.log]
    for h in record.handoffs:
        times += [t for t in (h.queued_at, h.assigned_at, h.resolved_at) if t is not None]
    return times


def _topic(record: ConversationRecord) -> str | None:
    """The first intent that says what the customer came for."""
    intents: list[str] = [
        e.intent_name for e in record.events if e.type_name == "user" and e.intent_name
    ]
    intents += [line.intent for line in record.log if line.intent]
    intents += [h.intent for h in record.handoffs if h.intent]
    topical = [intent for intent in intents if intent not in SMALL_TALK]
    return next(iter(topical or intents), None)


def _type(record: ConversationRecord, intent: str | None, type_of: Any) -> str | None:
    for event in record.events:
        if event.type_name == "user" and event.intent_name == intent:
            typed = (event.data.get("parse_data") or {}).get("interaction_type")
            if isinstance(typed, dict):
                typed = typed.get("name")
            if isinstance(typed, str) and typed:
                return typed
    logged = [line.interaction_type for line in record.log if line.intent == intent]
    logged += [h.interaction_type for h in record.handoffs if h.intent == intent]
    return next((t for t in logged if t), None) or type_of(intent)


CUSTOMER_SLOT = "customer_id"  # set by actions/identification.py to the store's customer id


def _slot_customer(events: Iterable[TrackerEvent]) -> int | None:
    for event in events:
        value = event.data.get("value")
        if event.type_name == "slot" and event.data.get("name") == CUSTOMER_SLOT and value:
            text = str(value)
            if text.isdigit() and len(text) < 10:
                return int(text)
    return None


def customer_of(record: ConversationRecord) -> int | None:
    found = [_slot_customer(record.events)] + [line.customer_id for line in record.log]
    found += [h.customer_id for h in record.handoffs] + [record.rated_by]
    return next((c for c in found if c is not None), None)


def _channel(events: Iterable[TrackerEvent]) -> str:
    for event in events:
        if event.type_name == "user" and event.data.get("input_channel"):
            return str(event.data["input_channel"])[:32]
    return UNKNOWN


def _first_response_ms(events: Sequence[TrackerEvent]) -> int | None:
    first_user = next((e for e in events if e.type_name == "user"), None)
    if first_user is None:
        return None
    reply = next(
        (e for e in events if e.type_name == "bot" and e.timestamp >= first_user.timestamp),
        None,
    )
    return None if reply is None else round((reply.timestamp - first_user.timestamp) * 1000)


def _handoff_facts(
    handoffs: Sequence[HandoffRecord], first: HandoffRecord | None
) -> dict[str, Any]:
    if first is None:
        return {
            "handed_off": False,
            "handoff_reason": None,
            "queue_seconds": None,
            "handle_seconds": None,
            "human_resolved": False,
        }
    assigned, resolved = first.assigned_at, first.resolved_at
    return {
        "handed_off": True,
        "handoff_reason": (list(first.reasons) or ["unspecified"])[0][:64],
        "queue_seconds": _seconds(first.queued_at, assigned),
        "handle_seconds": _seconds(assigned, resolved),
        "human_resolved": any(h.disposition == "solved" for h in handoffs),
    }


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds()))


def follow_ups(conversations: Sequence[dict[str, Any]]) -> None:
    """Set `repeat_7d` and the 24-hour return on one customer's facts, in place.

    A conversation is a repeat contact when the same customer starts another one within
    7 days after it started; a contained one is falsely contained when the customer starts
    another with the same intent within 24 hours after it ended.
    """
    ordered = sorted(conversations, key=lambda f: (f["started_at"], f["conversation_id"]))
    for index, facts in enumerate(ordered):
        later = ordered[index + 1 :]
        facts["repeat_7d"] = any(
            other["started_at"] <= facts["started_at"] + REPEAT_WINDOW for other in later
        )
        if facts["false_reason"] in (None, "returned_24h") and facts["contained"]:
            returned = any(
                other["intent"] == facts["intent"]
                and facts["ended_at"] < other["started_at"] <= facts["ended_at"] + RETURN_WINDOW
                for other in later
            )
            facts["false_reason"] = "returned_24h" if returned else None
        _settle(facts)
