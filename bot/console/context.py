"""The context packet an agent sees on taking a conversation.

Built from the conversation's history (Rasa's tracker events, as dicts) and the store:
the transcript, each message's intent with its confidence, the interaction type, the
slots, the customer's profile and recent orders, what the bot tried, why it escalated,
and a short summary. Everything is data; the console renders it as text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from bot.services.views import HandoffView

SKIPPED_ACTIONS = frozenset({"action_listen", "action_session_start", None})
TRANSCRIPT_LIMIT = 200
NOISY_SLOTS = frozenset({"requested_slot", "session_started_metadata"})


def transcript(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Customer, bot and agent messages in order, the customer's with intent and type."""
    lines = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            lines.append(_user_line(event))
        elif kind == "bot" and event.get("text"):
            metadata = event.get("metadata") or {}
            who = "agent" if metadata.get("agent") else "bot"
            status = "status" if metadata.get("handoff") else who
            lines.append(
                {
                    "from": status,
                    "text": event["text"],
                    "agent": metadata.get("agent"),
                    "at": _timestamp(event),
                }
            )
    return lines[-TRANSCRIPT_LIMIT:]


def bot_attempts(events: Iterable[dict[str, Any]]) -> list[str]:
    """The actions and responses the bot ran, in order, each once."""
    names = (e.get("name") for e in events if e.get("event") == "action")
    return list(dict.fromkeys(str(n) for n in names if n not in SKIPPED_ACTIONS))


def summarise(handoff: HandoffView, lines: list[dict[str, Any]], customer: str | None) -> str:
    """The stored summary, else one line made of what is known."""
    if handoff.summary:
        return handoff.summary
    said = [line["text"] for line in lines if line["from"] == "customer"]
    who = customer or "An anonymous customer"
    topic = f" about {handoff.intent.replace('_', ' ')}" if handoff.intent else ""
    last = f' Last message: "{_clip(said[-1], 160)}".' if said else ""
    reasons = ", ".join(handoff.reasons) or "no reason recorded"
    return f"{who} asked for help{topic} ({reasons}); {len(said)} messages so far.{last}"


def build_packet(
    handoff: HandoffView,
    events: list[dict[str, Any]],
    slots: dict[str, Any],
    *,
    customer: Any | None,
    orders: list[Any],
) -> dict[str, Any]:
    lines = transcript(events)
    name = f"{customer.first_name} {customer.last_name}" if customer is not None else None
    return {
        "handoff": _plain(handoff),
        "summary": summarise(handoff, lines, name),
        "why": {
            "reasons": list(handoff.reasons),
            "explanations": [_plain(r) for r in handoff.explanations],
            "score": handoff.score,
        },
        "interaction_type": handoff.interaction_type or _latest_type(lines),
        "intents": [
            {"text": line["text"], "intent": line["intent"], "confidence": line["confidence"]}
            for line in lines
            if line["from"] == "customer"
        ],
        "transcript": lines,
        "slots": {k: v for k, v in slots.items() if v is not None and k not in NOISY_SLOTS},
        "bot_tried": bot_attempts(events),
        "customer": _plain(customer) if customer is not None else None,
        "orders": [_order(order) for order in orders],
    }


def _user_line(event: dict[str, Any]) -> dict[str, Any]:
    parse = event.get("parse_data") or {}
    intent = parse.get("intent") or {}
    kind = parse.get("interaction_type") or {}
    return {
        "from": "customer",
        "text": event.get("text") or "",
        "intent": intent.get("name"),
        "confidence": _rounded(intent.get("confidence")),
        "interaction_type": kind.get("name"),
        "at": _timestamp(event),
    }


def _latest_type(lines: list[dict[str, Any]]) -> str | None:
    types = [line.get("interaction_type") for line in lines if line.get("interaction_type")]
    return types[-1] if types else None


def _order(order: Any) -> dict[str, Any]:
    plain = _plain(order)
    plain["items"] = [f"{i.quantity} x {i.product_name}" for i in order.items]
    return plain


def _plain(view: Any) -> dict[str, Any]:
    """A frozen view as JSON-ready data: dates as ISO strings, nested views left out."""
    plain: dict[str, Any] = {}
    for field in dataclasses.fields(view):
        value = getattr(view, field.name)
        if isinstance(value, tuple):
            if all(isinstance(item, str) for item in value):
                plain[field.name] = list(value)
        elif not dataclasses.is_dataclass(value):
            plain[field.name] = value.isoformat() if isinstance(value, date) else value
    return plain


def _rounded(value: object) -> float | None:
    return round(float(value), 3) if isinstance(value, int | float) else None


def _timestamp(event: dict[str, Any]) -> str | None:
    stamp = event.get("timestamp")
    if not isinstance(stamp, int | float):
        return None
    return datetime.fromtimestamp(stamp).astimezone().isoformat()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
