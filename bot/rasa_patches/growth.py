"""Telling whether a tracker's events only grew since a memo last looked at them.

Several patches keep per-tracker work (applied events, action-call event dicts) and resume it
only for a history that is a continuation of what they saw: the same event objects, in order.
Rasa only appends to a tracker's event deque, or drops from its front when the history is
capped, so checking the first and the last event covered is enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Seen:
    """Where a per-tracker memo stopped: how many events it covered, the first and the last.

    `grown_by` gives the events since, if the events still start with those same objects
    where they were, and None otherwise (start again)."""

    count: int = 0
    first: Any = None
    last: Any = None

    def grown_by(self, events: Any) -> list[Any] | None:
        count = len(events)
        if self.count > count or (
            self.count and (events[0] is not self.first or events[self.count - 1] is not self.last)
        ):
            return None
        return [events[i] for i in range(self.count, count)]

    def mark(self, events: Any) -> None:
        self.count = len(events)
        self.first, self.last = (events[0], events[-1]) if self.count else (None, None)


# Kept on a tracker by the action-payload patch, and handed on to a tracker's copy by the
# tracker-copy patch: Rasa calls the action server with a copy of the conversation's tracker.
EVENT_DICTS_ATTRIBUTE = "_cim_event_dicts"
