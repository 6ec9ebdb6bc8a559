"""The archive as a page a customer can read: one heading per section, tables of values.

Everything shown came from customers, agents or the store, so every value goes through
`html.escape` (a name or message of `<script>` stays text); the page has no script and loads
nothing. It is rendered from the archive's JSON, so the two can never say different things.
"""

from __future__ import annotations

from html import escape
from typing import Any

TITLES = {
    "profile": "Your profile",
    "orders": "Your orders, their items, refunds",
    "conversations": "Your conversations",
    "handoffs": "Conversations handed to our staff, with their notes",
    "feedback": "Your ratings and survey answers",
    "interaction_log": "What the assistant did for you (interaction log)",
    "review_inbox_items": "Messages kept (redacted) to improve the assistant",
    "verified_sessions": "Times you verified who you are",
    "kpi_facts": "Statistics kept about your conversations",
    "consent": "Consent records",
}
STYLE = (
    "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
    "table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;"
    "padding:.25rem .5rem;text-align:left;vertical-align:top}"
)
META = ("format", "customer", "generated_at")


def render(archive: dict[str, Any]) -> str:
    customer = escape(str(archive.get("customer", "")))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Your data: {customer}</title><style>{STYLE}</style></head><body>",
        f"<h1>Everything we hold about customer {customer}</h1>",
        f"<p>Generated {escape(str(archive.get('generated_at', '')))}.</p>",
    ]
    for key in [*TITLES, *sorted(set(archive) - set(TITLES) - set(META))]:
        if key in archive:
            parts.append(section(key, archive[key]))
    parts.append("</body></html>")
    return "\n".join(parts)


def section(key: str, value: Any) -> str:
    title = escape(TITLES.get(key, key.replace("_", " ").capitalize()))
    body = transcripts(value) if key == "conversations" else block(value)
    return f'<section id="{escape(key)}"><h2>{title}</h2>{body}</section>'


def transcripts(conversations: list[dict[str, Any]]) -> str:
    if not conversations:
        return "<p>None.</p>"
    return "".join(_transcript(conversation) for conversation in conversations)


def _transcript(conversation: dict[str, Any]) -> str:
    channels = ", ".join(conversation.get("channels") or []) or "unknown channel"
    heading = f"Conversation {conversation.get('conversation_id')} ({channels})"
    lines = [_line(message) for message in conversation.get("messages") or []]
    listed = f"<ol>{''.join(lines)}</ol>" if lines else "<p>No messages kept.</p>"
    return f"<h3>{escape(heading)}</h3>{listed}"


def _line(message: dict[str, Any]) -> str:
    who = str(message.get("from", ""))
    if message.get("agent"):
        who = f"agent {message['agent']}"
    at = escape(str(message.get("at") or ""))
    return f"<li><time>{at}</time> <b>{escape(who)}</b>: {escape(str(message.get('text')))}</li>"


def block(value: Any) -> str:
    """A value of any shape: a dict as a two-column table, a list of dicts as one table."""
    if isinstance(value, dict):
        rows = "".join(
            f"<tr><th>{_label(k)}</th><td>{block(v)}</td></tr>" for k, v in value.items()
        )
        return f"<table>{rows}</table>" if rows else "<p>None.</p>"
    if isinstance(value, list):
        return _table(value) if value and all(isinstance(v, dict) for v in value) else _items(value)
    return escape("" if value is None else str(value))


def _table(rows: list[dict[str, Any]]) -> str:
    keys = list(dict.fromkeys(k for row in rows for k in row))
    head = "".join(f"<th>{_label(k)}</th>" for k in keys)
    body = "".join(
        "<tr>" + "".join(f"<td>{block(row.get(k))}</td>" for k in keys) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _items(values: list[Any]) -> str:
    if not values:
        return "None."
    return "<ul>" + "".join(f"<li>{block(v)}</li>" for v in values) + "</ul>"


def _label(key: object) -> str:
    return escape(str(key).replace("_", " "))
