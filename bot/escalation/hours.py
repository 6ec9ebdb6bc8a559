"""Business hours in the shop's own time zone: open now? when next?

Times are compared in UTC so the switch to and from daylight saving time cannot make
a closing time look earlier than an opening time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Far enough to step over a long holiday; a shop that never opens gets None.
HORIZON_DAYS = 400


@dataclass(frozen=True)
class OpeningSpan:
    """Open from `start` (inclusive) to `end` (exclusive) on one local day."""

    start: time
    end: time


def _weekdays_nine_to_five() -> tuple[OpeningSpan | None, ...]:
    office = OpeningSpan(time(9), time(17))
    return (office,) * 5 + (None, None)


@dataclass(frozen=True)
class BusinessHours:
    timezone: str = "UTC"
    # Monday first, None for a closed day.
    days: tuple[OpeningSpan | None, ...] = field(default_factory=_weekdays_nine_to_five)
    closed_dates: frozenset[date] = frozenset()

    def span_on(self, day: date) -> OpeningSpan | None:
        return None if day in self.closed_dates else self.days[day.weekday()]

    def is_open(self, moment: datetime) -> bool:
        return self.next_opening(moment) == moment

    def next_opening(self, moment: datetime) -> datetime | None:
        """`moment` itself while open, else the next opening (UTC); None if never."""
        instant = _aware(moment).astimezone(timezone.utc)
        first_day = instant.astimezone(zone(self.timezone)).date()
        for offset in range(HORIZON_DAYS):
            window = self._window(first_day + timedelta(days=offset))
            if window is not None and instant < window[1]:
                return max(window[0], instant)
        return None

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        span = self.span_on(day)
        if span is None:
            return None
        local = zone(self.timezone)
        start = datetime.combine(day, span.start, tzinfo=local).astimezone(timezone.utc)
        end = datetime.combine(day, span.end, tzinfo=local).astimezone(timezone.utc)
        return start, end


@lru_cache(maxsize=16)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"business hours need an aware datetime, got {moment!r}")
    return moment
