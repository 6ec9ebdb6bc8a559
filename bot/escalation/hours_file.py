"""The `business_hours` section of escalation.yml.

business_hours:
  timezone: Europe/Berlin        # an IANA name
  days:                          # a missing day is closed
    mon: "09:00-17:00"
    sat: "10:00-14:00"
    sun: closed
  closed_dates: [2024-12-25]     # holidays, in the shop's time zone

The shop states its opening hours once, in the `hours` section of shop.yml (bot/shop.py);
escalation.yml without a `business_hours` section uses those. The file's name and how to
find the section live here, below both readers, so the policy never imports the shop.
"""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

import yaml

from bot.escalation import parsing
from bot.escalation.hours import WEEKDAYS, BusinessHours, OpeningSpan, zone
from bot.escalation.parsing import PolicyError

SHOP_FILE_NAME = "shop.yml"
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_END_OF_DAY = time.max


def business_hours(value: object, where: str) -> BusinessHours:
    raw = parsing.mapping(value, where)
    parsing.known_keys(raw, ("timezone", "days", "closed_dates"), where)
    timezone = _timezone(raw.get("timezone", "UTC"), f"{where}.timezone")
    days = _days(raw.get("days"), f"{where}.days") if "days" in raw else BusinessHours().days
    holidays = _dates(raw.get("closed_dates") or [], f"{where}.closed_dates")
    return BusinessHours(timezone=timezone, days=days, closed_dates=holidays)


def shop_hours_section(path: Path) -> dict[str, Any] | None:
    """The raw `hours` section of the shop's facts at `path`; None without the file."""
    if not path.is_file():
        return None
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    hours = raw.get("hours") if isinstance(raw, dict) else None
    return hours if isinstance(hours, dict) else None


def _timezone(value: object, where: str) -> str:
    name = parsing.name(value, where)
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(f"{where}: unknown time zone {name!r} (use an IANA name)") from None
    return name


def _days(value: object, where: str) -> tuple[OpeningSpan | None, ...]:
    raw = parsing.mapping(value, where)
    parsing.known_keys(raw, WEEKDAYS, where)
    return tuple(_span(raw.get(day), f"{where}.{day}") for day in WEEKDAYS)


def _span(value: object, where: str) -> OpeningSpan | None:
    if value is None or value is False or (isinstance(value, str) and _closed(value)):
        return None
    match = _SPAN.match(value) if isinstance(value, str) else None
    if match is None:
        raise PolicyError(f'{where} must be "HH:MM-HH:MM" or closed, got {value!r}')
    start = _time(int(match[1]), int(match[2]), where, match[0])
    end = _time(int(match[3]), int(match[4]), where, match[0])
    if end <= start:
        raise PolicyError(
            f"{where}: {match[0]!r} closes before it opens; hours past midnight belong "
            "to the next day's entry"
        )
    return OpeningSpan(start, end)


def _closed(value: str) -> bool:
    return value.strip().lower() in ("closed", "")


def _time(hour: int, minute: int, where: str, value: str) -> time:
    if (hour, minute) == (24, 0):
        return _END_OF_DAY
    if hour > 23 or minute > 59:
        raise PolicyError(f"{where}: {value!r} is not a time of day")
    return time(hour, minute)


def _dates(value: object, where: str) -> frozenset[date]:
    if not isinstance(value, list):
        raise PolicyError(f"{where} must be a list of dates (YYYY-MM-DD), got {value!r}")
    return frozenset(_date(item, f"{where}[{index}]") for index, item in enumerate(value))


def _date(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(f"{where} must be a date (YYYY-MM-DD), got {value!r}") from None
