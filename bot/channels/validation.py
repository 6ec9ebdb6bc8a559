"""Checks on what a web client sends, shared by the socket.io and REST sides of the channel.

Every check raises `InvalidInput` with a stable `code` that the client can act on, so a
bad message gets a clear answer instead of reaching Rasa (where an empty or symbol-only
text crashes LogisticRegressionClassifier, see docs on Rasa pitfalls).
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SESSION_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")  # used with fullmatch
METADATA_KEYS = ("customData", "metadata")  # the first is rasa-webchat's, merged under the second
MAX_METADATA_DEPTH = 32  # nesting levels; Rasa deep-copies metadata with every event

BAD_REQUEST = "bad_request"
BAD_METADATA = "bad_metadata"
BAD_SESSION = "bad_session"
EMPTY_MESSAGE = "empty_message"
MESSAGE_TOO_LONG = "message_too_long"


@dataclass(frozen=True)
class InvalidInput(Exception):
    """What the client did wrong, in a form that can be sent back to it."""

    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


def session_id_or_new(candidate: object) -> str:
    """Keep a well-formed client session id (so a reload resumes), otherwise issue one."""
    if isinstance(candidate, str) and SESSION_ID_PATTERN.fullmatch(candidate):
        return candidate
    return uuid.uuid4().hex


def is_valid_session_id(candidate: object) -> bool:
    return isinstance(candidate, str) and SESSION_ID_PATTERN.fullmatch(candidate) is not None


def json_body(body: bytes | None) -> object:
    try:
        return json.loads(body or b"")
    except (ValueError, RecursionError) as error:
        raise InvalidInput(BAD_REQUEST, "The body is not valid JSON.") from error


def require_object(data: object) -> dict[str, Any]:
    if contains_binary(data):
        raise InvalidInput(BAD_REQUEST, "Binary attachments are not supported; send text.")
    if not isinstance(data, dict):
        raise InvalidInput(BAD_REQUEST, "The payload must be a JSON object.")
    return data


def contains_binary(data: object, depth: int = 0) -> bool:
    """socket.io delivers binary attachments as bytes anywhere in the payload."""
    if isinstance(data, bytes | bytearray | memoryview):
        return True
    if depth > 8:
        return False
    if isinstance(data, dict):
        return any(contains_binary(value, depth + 1) for value in data.values())
    if isinstance(data, list | tuple):
        return any(contains_binary(value, depth + 1) for value in data)
    return False


def require_text(data: dict[str, Any], *, key: str, max_length: int) -> str:
    """The message text; Rasa gets nothing that is missing, blank or over the limit."""
    text = data.get(key)
    if not isinstance(text, str):
        raise InvalidInput(BAD_REQUEST, f"'{key}' must be a string.")
    if not text.strip():
        raise InvalidInput(EMPTY_MESSAGE, "The message is empty.")
    if len(text) > max_length:
        raise InvalidInput(
            MESSAGE_TOO_LONG,
            f"The message is longer than {max_length} characters.",
            {"limit": max_length},
        )
    if not _is_unicode(text):
        # JSON's "\ud800" decodes to a lone surrogate, which the tokenizer cannot encode: the
        # turn would fail and the customer get an apology for what is a client's error.
        raise InvalidInput(BAD_REQUEST, f"'{key}' is not valid Unicode.")
    return text


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def has_words(text: str) -> bool:
    """True if any character is a letter or digit, in any script ("?!" and "👍" are not)."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


def parse_metadata(data: dict[str, Any], *, max_bytes: int) -> dict[str, Any]:
    """`customData` and `metadata` (objects or JSON strings, as Rasa allows), merged."""
    merged: dict[str, Any] = {}
    for key in METADATA_KEYS:
        merged.update(_metadata_object(data.get(key), key=key, max_bytes=max_bytes))
    return merged


def _metadata_object(raw: object, *, key: str, max_bytes: int) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        if _utf8_size(raw, key) > max_bytes:
            raise _metadata_too_large(key, max_bytes)
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError) as error:
            raise InvalidInput(BAD_METADATA, f"'{key}' is not valid JSON.") from error
    if not isinstance(raw, dict):
        raise InvalidInput(BAD_METADATA, f"'{key}' must be a JSON object.")
    if _depth(raw) > MAX_METADATA_DEPTH:
        # Rasa deep-copies metadata with each event; a few hundred levels (still under the byte
        # limit) exhaust the recursion limit there and the turn fails.
        raise InvalidInput(
            BAD_METADATA,
            f"'{key}' is nested deeper than {MAX_METADATA_DEPTH} levels.",
            {"limit": MAX_METADATA_DEPTH},
        )
    if _utf8_size(json.dumps(raw, ensure_ascii=False), key) > max_bytes:
        raise _metadata_too_large(key, max_bytes)
    return raw


def _depth(value: object) -> int:
    """Nesting depth of a JSON value, without recursion (the value may be very deep)."""
    deepest = 0
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_METADATA_DEPTH:
            break
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
    return deepest


def _utf8_size(text: str, key: str) -> int:
    """Bytes in UTF-8; a lone surrogate (JSON's "\\ud800" decodes to one) has none."""
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError as error:
        raise InvalidInput(BAD_METADATA, f"'{key}' is not valid Unicode.") from error


def _metadata_too_large(key: str, max_bytes: int) -> InvalidInput:
    return InvalidInput(
        BAD_METADATA, f"'{key}' is larger than {max_bytes} bytes.", {"limit": max_bytes}
    )


# Engine.IO v4 packets a client may POST over long-polling: close, pong, message, upgrade, and
# binary messages ("b" + base64). python-engineio 4.15 answers any other (an open, a ping, a
# noop, garbage) by closing the session and holding the POST until a poll takes the CLOSE:
# the client hangs instead of hearing "bad request".
PACKET_SEPARATOR = b"\x1e"


def polling_packets_ok(body: bytes) -> bool:
    """Whether every packet of a polling POST is one engine.io takes from a client (an
    empty body has none, and engine.io takes it)."""
    if not body:
        return True
    return all(packet[:1] and packet[:1] in b"1345b" for packet in body.split(PACKET_SEPARATOR))


def parse_origins(raw: object) -> list[str] | None:
    """Allowed origins from credentials: a list, or the comma-separated string `${VAR}` gives.

    None (unset or empty) means "no origin check of our own", which is Rasa's behaviour.
    """
    if raw is None:
        return None
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        raise ValueError(f"cors_allowed_origins must be a list or a string, not {raw!r}")
    origins = [str(item).strip().rstrip("/") for item in items if str(item).strip()]
    return origins or None


def listed_or_same_origin(origins: list[str]) -> Callable[[str | None, dict[str, Any]], bool]:
    """engine.io's origin check: the listed origins (the shops), "*", or the server's own
    origin (the agent console it serves). The list is read at each check, not copied."""

    def allowed(origin: str | None, environ: dict[str, Any]) -> bool:
        if origin is None:
            return False
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        return "*" in origins or origin.rstrip("/") in origins or origin == own

    return allowed
