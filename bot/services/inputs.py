"""Guards for values that come from the conversation.

Slots can hold anything: None, numbers, lists, 10 kB of text, NUL characters (which
PostgreSQL refuses) or lone surrogates (which no database can encode). The services
clean or reject them here, before they reach a query, so bad input gives None or
`Outcome(ok=False)` instead of an exception.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DATABASE_ID = 2**31 - 1


def valid_id(value: object) -> int | None:
    """A positive id that fits an INTEGER column; bools and other types are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= MAX_DATABASE_ID else None


def clean_text(value: object, *, max_length: int) -> str | None:
    """Stripped, storable text cut to `max_length`; None for non-text or empty text."""
    if not isinstance(value, str):
        return None
    cleaned = storable(value).strip()[:max_length].strip()
    return cleaned or None


def storable(value: str) -> str:
    """Drop NUL characters and replace lone surrogates, which the databases refuse."""
    without_nul = value.replace("\x00", "")
    return without_nul.encode("utf-8", "replace").decode("utf-8")


def storable_json(value: Any, *, max_length: int = 20_000) -> Any:
    """A JSON round trip of `value` with unknown objects as strings, cleaned and capped."""
    if value is None:
        return None
    try:
        encoded = json.dumps(value, default=str, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):  # non-string keys, cycles, NaN
        encoded = json.dumps({"unserialisable": repr(value)[:max_length]})
    encoded = storable(encoded)
    if len(encoded) > max_length:
        return {"truncated": encoded[:max_length]}
    return json.loads(encoded)


def clamp_limit(value: object, *, default: int, maximum: int) -> int:
    """A sane page size from whatever the caller passed."""
    if isinstance(value, bool) or not isinstance(value, int):
        return default
    return max(1, min(value, maximum))
