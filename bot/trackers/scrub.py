"""What the tracker store never writes: secrets in message metadata, contact data in replies.

Secrets. The channel merges the customer's signed token into every message's metadata, so
that the turn's actions know who is writing; Rasa copies that metadata into the `UserUttered`
event (and its parse data), into `SessionStarted` and into the `session_started_metadata`
slot. A stored token would be a credential at rest, valid until it expires, readable by
whoever reads the events table or Rasa's tracker API (issue 14, finding 15). The client key
is not a secret but ties conversations to one client, and nothing needs it after the turn
either. Any other key that names a secret (`Authorization`, `password`, `api_key`,
`accessToken`, `cookie`, `secret_key`, ...) is left out too, wherever a client or a caller
of Rasa's API put it, and so is the value of a slot with such a name: nothing of ours
stores a secret in a tracker, so one found there is a mistake to contain, not data to keep.

The turn itself keeps everything: actions read the in-memory latest message, and only the rows
written lose these keys, wherever they are nested.

Contact data in the bot's replies (issue 17, minimisation). A reply such as "we'll email
maria@example.com" or "it will be delivered to 9 Quay Street" repeats what the customer store
already holds; the transcript needs what was said, not the value again. So a stored `bot`
event (the bot's and agents' replies) has emails, phone numbers, street addresses and
postcodes, card numbers and IBANs masked, with `bot.privacy`'s rules (`[EMAIL]`, `[PHONE]`,
`[ADDRESS]`, `[CARD]`, `[IBAN]`), in its text and in the strings of its data (buttons' titles,
attachments). Kept as they are: order numbers, amounts, dates, product names and the first
name, which the agent's context, the console and the chat history need; links and the
references a reply links to (a tracking number next to its tracking page), which are no
contact data and must stay usable; button payloads, which must still equal what a click sends
back. The customer's own messages (`user` events) are kept as written: they are the record of
what was asked.

What this changes for readers of stored events: the widget's history after a reconnect and
the agent's context packet show `[EMAIL]` where the live reply showed the address, when the
tracker is read back from the database. The turn and the store's cached tracker keep the full
text, as they keep the token: the cache is memory, not storage, and is dropped on restart.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.channels.clients import CLIENT_KEY
from bot.customer_tokens import METADATA_KEY as TOKEN_KEY
from bot.privacy import mask

NOT_STORED = frozenset({TOKEN_KEY, CLIENT_KEY})
# Words that make a key a secret's, once camelCase, `-` and `_` are split into words.
SECRET_WORDS = frozenset(
    {
        "authorization",
        "auth",
        "bearer",
        "cookie",
        "credential",
        "credentials",
        "apikey",
        "passphrase",
        "passwd",
        "password",
        "pwd",
        "secret",
        "token",
    }
)
MAX_DEPTH = 32
# Text without any of these holds no secret's key: most events are then stored as they are.
_MAYBE_SECRET = re.compile(
    "auth|bearer|cookie|credential|key|pass|pwd|secret|token|" + CLIENT_KEY, re.IGNORECASE
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
MASKED_IN_REPLIES = ("EMAIL", "PHONE", "ADDRESS", "CARD", "IBAN")
REPLY, SLOT = "bot", "slot"  # BotUttered's and SlotSet's type names
KEPT_KEYS = frozenset({"payload"})  # sent back verbatim on a click
_NUMBER_COMMA = re.compile(r"[0-9]+[A-Za-z]?,\s")
_DIGIT = re.compile(r"[0-9]")
_LINK = re.compile(r"https?://\S+")
# A word with a digit, such as a tracking number: kept when a link of the same reply has it.
_REFERENCE = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z]*[0-9])[A-Za-z0-9]{6,}(?![A-Za-z0-9])")


def stored_json(data: dict[str, Any]) -> str:
    """`data` as the JSON stored for an event: no secret at any depth, and a reply's
    contact data masked.

    An event whose JSON names nothing like a secret is serialised once, as Rasa does.
    """
    if data.get("event") == REPLY:
        data = masked_reply(data)
    elif data.get("event") == SLOT and is_secret_key(data.get("name")):
        data = {**data, "value": None}
    text = json.dumps(data)
    if _MAYBE_SECRET.search(text) is None:
        return text
    return json.dumps(scrubbed(data))


def is_secret_key(key: object) -> bool:
    """Whether a key (or a slot's name) names a secret, or is one of `NOT_STORED`."""
    if not isinstance(key, str):
        return False
    if key in NOT_STORED:
        return True
    words = _NOT_ALNUM.split(_CAMEL.sub("_", key).lower())
    joined = "".join(words)
    return bool(SECRET_WORDS.intersection(words)) or "apikey" in joined


def scrubbed(value: Any, depth: int = 0) -> Any:
    """A copy of `value` without secrets' keys at any depth (the event's own dicts are left
    alone: they are the live turn's). Anything nested deeper than any event of ours is
    dropped rather than searched."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, dict):
        return {k: scrubbed(v, depth + 1) for k, v in value.items() if not is_secret_key(k)}
    if isinstance(value, list | tuple):
        return [scrubbed(item, depth + 1) for item in value]
    return value


def masked_reply(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of a `bot` event with contact data masked in its text and data (the live
    event's dicts are left alone)."""
    masked = dict(data)
    if isinstance(data.get("text"), str):
        masked["text"] = masked_text(data["text"])
    if isinstance(data.get("data"), dict):
        masked["data"] = _masked_strings(data["data"])
    return masked


def masked_text(text: str) -> str:
    """`text` with contact data masked, outside links and the references they carry.

    Every kind masked here needs an "@" (an email as our replies write one) or a digit, so a
    reply with neither, most of them, is kept as it is without running the patterns."""
    if "@" not in text and _DIGIT.search(text) is None:
        return text
    kept = _links_and_references(text)
    if not kept:
        return _masked(text)
    alternatives = "|".join(map(re.escape, sorted(kept, key=len, reverse=True)))
    pieces = re.split(f"({alternatives})", text)  # odd pieces: the kept ones
    return "".join(piece if index % 2 else _masked(piece) for index, piece in enumerate(pieces))


def _masked(text: str) -> str:
    return mask(text, kinds=MASKED_IN_REPLIES, keep=_listed_item).text


def _listed_item(kind: str, matched: str) -> bool:
    """What the patterns would take for contact data but our replies mean otherwise:
    a number, a comma and a street word ("Daypack 22L, Trail Gaiters"), the end of one
    listed product and the start of the next (a street address is written without that
    comma, or street first); and an "email" without an "@" ("arrives at noon. Tracking"):
    the inbox's rules catch a customer's "maria at example dot com", but the bot writes an
    email address as one."""
    if kind == "EMAIL":
        return "@" not in matched
    return kind == "ADDRESS" and _NUMBER_COMMA.match(matched) is not None


def _links_and_references(text: str) -> set[str]:
    links = _LINK.findall(text)
    if not links:
        return set()
    references = _REFERENCE.findall(text)
    return set(links) | {word for word in references if any(word in link for link in links)}


def _masked_strings(value: Any, key: str = "", depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, str):
        return value if key in KEPT_KEYS else masked_text(value)
    if isinstance(value, dict):
        return {k: _masked_strings(v, str(k), depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked_strings(item, key, depth + 1) for item in value]
    return value
