"""The handoff life cycle and the queue's arithmetic, without a database.

bot ──> queued ──> assigned ──> resolved ──> (back to the bot)
 │        │ ▲         │
 │        │ └─────────┘ transfer to another team, or back to the queue
 │        └──> abandoned <── (the customer left)
 └──> ticket ──> assigned      (outside business hours)
"""

from __future__ import annotations

import math
from datetime import datetime

# state -> the states it may move to; "bot" is the conversation without a handoff.
NEXT_STATES: dict[str, tuple[str, ...]] = {
    "bot": ("queued", "ticket"),
    "queued": ("assigned", "queued", "abandoned", "ticket"),
    "ticket": ("assigned",),
    "assigned": ("resolved", "queued", "abandoned"),
    "resolved": ("bot",),
    "abandoned": ("bot",),
    "closed": ("bot",),
}
WAITING_STATES = ("queued", "ticket")


def can_move(source: str, target: str) -> bool:
    return target in NEXT_STATES.get(source, ())


def sources(target: str) -> tuple[str, ...]:
    """The stored states a handoff may move to `target` from."""
    return tuple(
        state for state, nexts in NEXT_STATES.items() if target in nexts and state != "bot"
    )


def expected_wait_minutes(position: int, *, handle_minutes: int, agents: int) -> int:
    """Everyone ahead, and the one being served, take `handle_minutes` with `agents`
    agents working in parallel: a cautious estimate, never zero."""
    return math.ceil(position * handle_minutes / max(1, agents))


def minutes_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 60))
