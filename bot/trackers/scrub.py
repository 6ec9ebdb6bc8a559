"""What the tracker store never writes: the secrets the web channel puts in message metadata.

The channel merges the customer's signed token into every message's metadata, so that the
turn's actions know who is writing; Rasa copies that metadata into the `UserUttered` event (and
its parse data), into `SessionStarted` and into the `session_started_metadata` slot. A stored
token would be a credential at rest, valid until it expires, readable by whoever reads the
events table or Rasa's tracker API (issue 14, finding 15). The client key is not a secret but
ties conversations to one client, and nothing needs it after the turn either.

The turn itself keeps everything: actions read the in-memory latest message, and only the rows
written lose these keys, wherever they are nested.
"""

from __future__ import annotations

import json
from typing import Any

from bot.channels.clients import CLIENT_KEY
from bot.customer_tokens import METADATA_KEY as TOKEN_KEY

NOT_STORED = frozenset({TOKEN_KEY, CLIENT_KEY})
MAX_DEPTH = 32
_MARKERS = tuple(json.dumps(key) for key in NOT_STORED)  # how each key appears in JSON


def stored_json(data: dict[str, Any]) -> str:
    """`data` as the JSON stored for an event, without the keys in `NOT_STORED`.

    Most events carry none of them: those are serialised once, as Rasa does.
    """
    text = json.dumps(data)
    if not any(marker in text for marker in _MARKERS):
        return text
    return json.dumps(scrubbed(data))


def scrubbed(value: Any, depth: int = 0) -> Any:
    """A copy of `value` without the keys in `NOT_STORED` at any depth (the event's own
    dicts are left alone: they are the live turn's). Anything nested deeper than any event
    of ours is dropped rather than searched."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, dict):
        return {k: scrubbed(v, depth + 1) for k, v in value.items() if k not in NOT_STORED}
    if isinstance(value, list | tuple):
        return [scrubbed(item, depth + 1) for item in value]
    return value
