"""Signals from a rasa_sdk tracker: its `events` (dicts) and its `latest_message`.

Kept free of rasa_sdk imports so the decision can be tested with plain dicts. Button
payloads (text "/intent{...}") are the customer's clicks, not their words: they count
for intents and fallbacks but never as wording, shouting or repetition.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from bot.escalation.signals import Signals

FAILURE_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
EXPLICIT_INTENTS = frozenset({"request_human"})
# Rasa's event for an action (usually a form) that refused to run.
REJECTED_EVENT = "action_execution_rejected"
HISTORY = 10

Event = dict[str, Any]
TypeOf = Callable[[str | None], str | None]


@dataclass(frozen=True)
class _Turn:
    text: str
    intent: str | None


def signals_from_events(
    events: Sequence[Event],
    latest: Event,
    customer_tier: str | None,
    *,
    failed_action: bool = False,
    type_of: TypeOf | None = None,
    explicit_intents: Collection[str] = EXPLICIT_INTENTS,
) -> Signals:
    """`type_of` types intents the classifier did not (pass
    `bot.interaction_types.type_of`); `failed_action` is the caller's own failure."""
    earlier = _earlier_turns(events, latest)
    intent = _intent(latest)
    kind, confidence = _interaction_type(latest, type_of)
    return Signals(
        intent=intent,
        interaction_type=kind,
        interaction_confidence=confidence,
        consecutive_fallbacks=fallback_streak([turn.intent for turn in earlier], intent),
        recent_texts=tuple(turn.text for turn in earlier if turn.text)[-HISTORY:],
        latest_text=_words(latest.get("text")),
        failed_action=failed_action or rejected_since_last_message(events),
        customer_tier=customer_tier,
        explicit_request=intent in explicit_intents,
        recent_intents=tuple(t.intent for t in reversed(earlier) if t.intent)[:HISTORY],
    )


def fallback_streak(earlier_intents: Sequence[str | None], latest_intent: str | None) -> int:
    """Misunderstood messages in a row up to now. A message that was understood (say,
    "let me talk to a person") still counts the misunderstandings just before it."""
    chain = [*earlier_intents, latest_intent]
    if latest_intent not in FAILURE_INTENTS:
        chain.pop()
    count = 0
    for intent in reversed(chain):
        if intent not in FAILURE_INTENTS:
            break
        count += 1
    return count


def rejected_since_last_message(events: Sequence[Event]) -> bool:
    for event in reversed(events):
        if event.get("event") == "user":
            return False
        if event.get("event") == REJECTED_EVENT:
            return True
    return False


def _earlier_turns(events: Sequence[Event], latest: Event) -> list[_Turn]:
    """The customer's messages before the latest one, oldest first."""
    users = [event for event in events if event.get("event") == "user"]
    if users and _same_message(users[-1], latest):
        users.pop()
    return [_Turn(_words(e.get("text")), _intent(e.get("parse_data") or {})) for e in users]


def _same_message(event: Event, latest: Event) -> bool:
    if event.get("message_id") and latest.get("message_id"):
        return bool(event["message_id"] == latest["message_id"])
    parsed = event.get("parse_data") or {}
    return bool(event.get("text") == latest.get("text") and _intent(parsed) == _intent(latest))


def _intent(parse_data: Event) -> str | None:
    name = (parse_data.get("intent") or {}).get("name")
    return name if isinstance(name, str) and name else None


def _interaction_type(latest: Event, type_of: TypeOf | None) -> tuple[str | None, float | None]:
    typed = latest.get("interaction_type") or {}
    name, confidence = typed.get("name"), typed.get("confidence")
    if isinstance(name, str) and name:
        return name, float(confidence) if isinstance(confidence, (int, float)) else None
    return (type_of(_intent(latest)) if type_of else None), None


def _words(text: object) -> str:
    """The customer's words; a button payload has none."""
    if not isinstance(text, str) or text.lstrip().startswith("/"):
        return ""
    return text
