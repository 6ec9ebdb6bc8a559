"""Which button payloads a customer may send: Rasa's `/intent{entities}` shortcut, allow-listed.

Rasa reads any text that starts with "/" as an intent with entities and skips NLU, so a customer
who types `/restart` resets the conversation (and the verification attempts counted in it),
`/session_start` opens a new session, and `/inform{"email": ..., "order_number": ...}` fills
slots without a word of NLU. Our buttons only ever send the payloads listed in `ALLOWED`
(domain.yml's buttons, and the order pickers of actions/orders.py); a typed or forged text
that starts with "/" is let through only if it is one of them, with only the entities that
button carries, rebuilt in the buttons' own form. Everything else starting with "/" is
refused before Rasa sees it. Texts not starting with "/" are not payloads and pass as they are.

The channel checks each customer text when it arrives, and `guarded` checks again every
message it hands to Rasa, so a message the channel builds or cuts up itself (one clause of a
message that asks several things, for instance) passes the same list.

tests/bot/channels/test_payloads.py checks that every button of domain.yml and actions/ is
allowed, so a new button that is not listed here fails a test rather than a customer.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

PREFIX = "/"  # rasa.shared.constants.INTENT_MESSAGE_PREFIX
ORDER = frozenset({"order_number"})
# intent -> the entities its buttons carry
ALLOWED: dict[str, frozenset[str]] = {
    "order_status": ORDER,
    "cancel_order": ORDER,
    "change_address": ORDER,
    "return_policy": frozenset(),
    "request_human": frozenset(),
    "affirm": frozenset(),
    "deny": frozenset(),
}
PAYLOAD = re.compile(r"/(?P<intent>[a-z_]{1,64})(?P<entities>\{.{0,300}\})?", re.DOTALL)
ENTITY_VALUE = re.compile(r"[A-Za-z0-9#_-]{1,32}")


@dataclass(frozen=True)
class Screened:
    """What the channel does with a text: pass `text` on to Rasa, or refuse it."""

    allowed: bool
    text: str


def screen(text: str) -> Screened:
    """The text Rasa may get; a payload comes back in the canonical form our buttons send."""
    stripped = text.strip()  # as Rasa's UserMessage does before looking for the prefix
    if not stripped.startswith(PREFIX):
        return Screened(True, text)
    canonical = canonical_payload(stripped)
    return Screened(canonical is not None, canonical or text)


def canonical_payload(text: str) -> str | None:
    """`/intent` or `/intent{"entity":"value"}` if allowed, rebuilt; None otherwise."""
    match = PAYLOAD.fullmatch(text)
    if match is None or match["intent"] not in ALLOWED:
        return None
    entities = _entities(match["entities"])
    if entities is None or not set(entities) <= ALLOWED[match["intent"]]:
        return None
    if not entities:
        return PREFIX + match["intent"]
    return PREFIX + match["intent"] + json.dumps(entities, separators=(",", ":"))


def _entities(raw: str | None) -> dict[str, str] | None:
    """The payload's entities as strings of a safe shape; None if any is not."""
    if raw is None:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    values = {name: _value(value) for name, value in parsed.items()}
    if any(value is None for value in values.values()):
        return None
    return {name: str(value) for name, value in values.items()}


def _value(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    return text if ENTITY_VALUE.fullmatch(text) else None


def guarded(on_new_message: OnNewMessage, refusal: str) -> OnNewMessage:
    """`on_new_message` (Rasa's handler) for allowed texts only, in their canonical form; any
    other gets `refusal` on the message's output channel and never reaches Rasa."""

    async def handle(message: UserMessage) -> Any:
        screened = screen(message.text or "")
        if not screened.allowed:
            logger.info("Refused a typed command in conversation %s.", message.sender_id)
            await message.output_channel.send_text_message(message.sender_id, refusal)
            return None
        message.text = screened.text
        return await on_new_message(message)

    return handle
