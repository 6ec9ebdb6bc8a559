"""A conversation's history as the widget shows it, read from the tracker's events.

Only what a customer saw goes out: their own texts and what the bot or an agent said,
with buttons, attachments and handoff status lines. Parse data, slots and metadata (which
holds the customer token) never leave the server.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

HISTORY_LIMIT = 100  # the latest messages; older ones stay in the tracker
_BOT_FIELDS = ("buttons", "quick_replies", "attachment", "image")


def widget_messages(
    events: Iterable[dict[str, Any]], *, limit: int = HISTORY_LIMIT
) -> list[dict[str, Any]]:
    """User and bot utterances, oldest first; a clicked quick reply shows its title."""
    messages: list[dict[str, Any]] = []
    titles: dict[str, str] = {}  # the last bot message's button payload -> title
    for event in events:
        kind, text = event.get("event"), event.get("text")
        if kind == "user" and isinstance(text, str) and text:
            messages.append(_message("user", titles.get(text, text), event))
            titles = {}
        elif kind == "bot":
            message = _bot_message(event)
            if message is not None:
                messages.extend(_as_sent(message))
                titles = _button_titles(message)
    return messages[-limit:] if limit > 0 else []


def _message(sender: str, text: str, event: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"from": sender, "text": text}
    if isinstance(event.get("timestamp"), (int, float)):
        message["at"] = event["timestamp"]
    return message


def _bot_message(event: dict[str, Any]) -> dict[str, Any] | None:
    text = event.get("text")
    message = _message("bot", text if isinstance(text, str) else "", event)
    data = _object(event.get("data"))
    for key in _BOT_FIELDS:
        if data.get(key):
            message[key] = data[key]
    metadata = _object(event.get("metadata"))
    if isinstance(metadata.get("agent"), str):
        message["agent"] = metadata["agent"]
    if isinstance(metadata.get("handoff"), dict):
        message["handoff"] = metadata["handoff"]
    has_content = message["text"] or any(key in message for key in _BOT_FIELDS)
    return message if has_content else None


def _as_sent(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Rasa's socket.io output sends a text in parts split at blank lines, with the buttons
    on the last part (`SocketIOOutput.send_text_with_buttons`); history shows the same."""
    parts = message["text"].strip().split("\n\n") if message["text"] else [""]
    if len(parts) == 1:
        return [message]
    head = {k: v for k, v in message.items() if k not in _BOT_FIELDS}
    return [{**head, "text": part} for part in parts[:-1]] + [{**message, "text": parts[-1]}]


def _button_titles(message: dict[str, Any]) -> dict[str, str]:
    buttons = message.get("buttons") or message.get("quick_replies") or []
    return {
        str(button["payload"]): str(button["title"])
        for button in buttons
        if isinstance(button, dict) and "payload" in button and "title" in button
    }


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
