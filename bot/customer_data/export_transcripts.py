"""Every conversation of a customer as a transcript, read from the tracker's own events.

The tracker store is the one record of what was said on every channel (the widget, REST, the
agents' console), so the transcript is built from its `events` rows: the customer's messages
with their channel, the bot's replies, and the agents' messages (bot events carrying
`metadata.agent`). Only texts, names and times are copied: message metadata is left behind,
and the customer's token never reached these rows in the first place (bot/trackers/scrub.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.kpis.sources import batches, events_table

MESSAGE_EVENTS = ("user", "bot")


def transcripts(engine: Engine | None, conversations: Sequence[str]) -> list[dict[str, Any]]:
    """One transcript per conversation, oldest first; no messages when no tracker is kept."""
    messages: dict[str, list[dict[str, Any]]] = {c: [] for c in conversations}
    if engine is not None:
        for chunk in batches(list(conversations)):
            for sender, data in _rows(engine, chunk):
                line = message(data)
                if line is not None:
                    messages[sender].append(line)
    found = [_transcript(c, lines) for c, lines in messages.items()]
    return sorted(found, key=lambda t: (t["started_at"] or "", t["conversation_id"]))


def _rows(engine: Engine, conversations: Sequence[str]) -> list[tuple[str, str]]:
    e = events_table.c
    query = (
        sa.select(e.sender_id, e.data)
        .where(e.sender_id.in_(list(conversations)), e.type_name.in_(MESSAGE_EVENTS))
        .order_by(e.id)
    )
    with engine.connect() as connection:
        return [(str(sender), str(data or "{}")) for sender, data in connection.execute(query)]


def message(data: str) -> dict[str, Any] | None:
    """A line of the transcript from one stored event, or None when it says nothing."""
    try:
        event = json.loads(data)
    except ValueError:
        return None
    if not isinstance(event, dict) or not event.get("text"):
        return None
    at = iso_time(event.get("timestamp"))
    if event.get("event") == "user":
        intent = (event.get("parse_data") or {}).get("intent") or {}
        channel = event.get("input_channel")
        return {
            "from": "customer",
            "text": event["text"],
            "at": at,
            "channel": channel,
            "intent": intent.get("name"),
        }
    agent = (event.get("metadata") or {}).get("agent")
    return {"from": "agent" if agent else "bot", "text": event["text"], "at": at, "agent": agent}


def iso_time(timestamp: object) -> str | None:
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float):
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat()


def _transcript(conversation: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    channels = sorted({str(line["channel"]) for line in lines if line.get("channel")})
    times = [line["at"] for line in lines if line["at"]]
    return {
        "conversation_id": conversation,
        "channels": channels,
        "started_at": min(times, default=None),
        "ended_at": max(times, default=None),
        "messages": lines,
    }
