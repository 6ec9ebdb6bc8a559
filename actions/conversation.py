"""What the conversation so far says: recent misunderstandings and conflicts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

FAILURE_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})

Events = Sequence[dict[str, Any]]


def user_turns_newest_first(events: Events) -> Iterator[dict[str, Any]]:
    for event in reversed(events):
        if event.get("event") == "user":
            yield event.get("parse_data") or {}


def _intent(parse_data: dict[str, Any]) -> str | None:
    return (parse_data.get("intent") or {}).get("name")


def consecutive_failures(events: Events, *, skip_latest: bool = False) -> int:
    """How many user messages in a row, newest first, the bot did not understand."""
    count = 0
    for parse_data in islice(user_turns_newest_first(events), int(skip_latest), None):
        if _intent(parse_data) not in FAILURE_INTENTS:
            break
        count += 1
    return count


def recent_conflict(events: Events, window: int = 5) -> bool:
    """Whether one of the last `window` user messages was a conflict."""
    return any(
        (parse_data.get("interaction_type") or {}).get("name") == "conflict"
        for parse_data in islice(user_turns_newest_first(events), window)
    )
