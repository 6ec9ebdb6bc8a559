"""How a fact from the store may read in a reply: dates, money, states, times.

The simulations check facts, never the bot's sentences. A fact may be written in many ways
("June 3", "3 June", "Monday" when it is this week, "$89", "$89.00"), so each fact becomes a
set of accepted forms, and a reply passes when any form appears in it as a whole token. The
state words are the small vocabulary a person would accept as saying that state; they are
not the product's phrases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_DASHES = re.compile(r"\s*[\u2010-\u2015\u2212-]\s*")
_RANGE_WORD = re.compile(r"(?<=\d)\s+(?:to|and)\s+(?=\d)")
_SPACES = re.compile(r"\s+")

STATUS_FORMS: dict[str, tuple[str, ...]] = {
    "pending": (
        "pending",
        "received",
        "waiting to be processed",
        "being processed",
        "not shipped yet",
        "hasn't shipped",
        "has not shipped",
        "not yet shipped",
        "being prepared",
        "processing",
    ),
    "processing": (
        "processing",
        "being prepared",
        "being processed",
        "being packed",
        "preparing",
        "not shipped yet",
        "hasn't shipped",
        "has not shipped",
        "not yet shipped",
    ),
    "shipped": (
        "shipped",
        "dispatched",
        "on its way",
        "on the way",
        "in transit",
        "with the carrier",
        "sent out",
        "has left",
    ),
    "in_transit": (
        "in transit",
        "on its way",
        "on the way",
        "shipped",
        "dispatched",
        "out for delivery",
        "with the carrier",
        "travelling",
        "traveling",
        "has left",
    ),
    "delivered": ("delivered", "arrived"),
    "cancelled": ("cancelled", "canceled"),
    "returned": ("returned",),
}
REFUND_FORMS: dict[str, tuple[str, ...]] = {
    "requested": ("requested", "under review", "waiting for review", "being reviewed", "pending"),
    "approved": ("approved",),
    "paid": ("paid", "refunded", "sent back", "paid out"),
    "rejected": ("rejected", "declined", "not approved", "refused"),
}
IN_STOCK_FORMS = ("in stock", "available now", "is available", "are available", "ready to ship")
OUT_OF_STOCK_FORMS = (
    "out of stock",
    "sold out",
    "not in stock",
    "unavailable",
    "not available",
    "back in stock",
    "no stock",
    "isn't in stock",
    "aren't in stock",
    "currently not available",
)
NOT_SOLD_FORMS = (
    "don't sell",
    "do not sell",
    "don't carry",
    "do not carry",
    "don't stock",
    "do not stock",
    "don't offer",
    "do not offer",
    "don't have",
    "do not have",
    "not something we",
    "we only sell",
    "we only carry",
    "we sell only",
    "isn't something we",
    "aren't something we",
    "not part of our",
    "not in our range",
    "not in our catalogue",
    "not in our catalog",
    "doesn't sell",
    "does not sell",
    "no longer sell",
    "we don't do",
    "we do not do",
)
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def normalise(text: str) -> str:
    """Lower case, straight quotes, one kind of dash, "3 to 5" as "3-5", single spaces."""
    text = text.translate(_QUOTES).replace("\u00a0", " ").lower()
    text = _RANGE_WORD.sub("-", text)
    text = _DASHES.sub("-", text)
    return _SPACES.sub(" ", text).strip()


def has_form(text: str, form: str) -> bool:
    """Whether `form` appears in the normalised `text`, not as part of a longer word or number
    ("june 3" is not in "june 30", "$89" is not in "$890")."""
    needle = normalise(form)
    if not needle:
        return False
    left = r"(?<![0-9a-z])" if needle[0].isalnum() else ""
    right = r"(?![0-9])" if needle[-1].isdigit() else (r"(?![a-z])" if needle[-1].isalpha() else "")
    return re.search(left + re.escape(needle) + right, text) is not None


def has_any(text: str, forms: Iterable[str]) -> bool:
    return any(has_form(text, form) for form in forms)


def first_form(text: str, forms: Iterable[str]) -> str | None:
    return next((form for form in forms if has_form(text, form)), None)


def date_forms(day: date, *, today: date) -> tuple[str, ...]:
    """The ways a reply may name `day`: month and day in either order, ISO, numeric, and
    the relative words that are true on `today` (today, tomorrow, the weekday this week)."""
    month = _MONTHS[day.month - 1]
    short = month[:3]
    nth = _ordinal(day.day)
    forms = [
        f"{month} {day.day}",
        f"{short} {day.day}",
        f"{day.day} {month}",
        f"{day.day} {short}",
        f"{month} {nth}",
        f"{nth} {month}",
        f"{nth} of {month}",
        f"{short}. {day.day}",
        day.isoformat(),
        f"{day.month}/{day.day}",
        f"{day.day}/{day.month}",
        f"{day.day}.{day.month}.",
    ]
    delta = (day - today).days
    if delta == 0:
        forms.append("today")
    if delta == 1:
        forms.append("tomorrow")
    if 0 <= delta <= 6:
        forms.append(_WEEKDAYS[day.weekday()])
    if 2 <= delta <= 14:
        forms += [f"in {delta} days", f"within {delta} days"]
    return tuple(forms)


def _ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def money_forms(cents: int) -> tuple[str, ...]:
    """ "$89.00", "$89", "89.00 dollars", with and without thousands separators."""
    whole, rest = divmod(cents, 100)
    exact = [f"{whole:,}.{rest:02d}", f"{whole}.{rest:02d}"]
    if rest == 0:
        exact += [f"{whole:,}", f"{whole}"]
    forms = [f"${value}" for value in exact] + [f"{value} dollars" for value in exact]
    forms += [f"usd {value}" for value in exact] + [f"{value} usd" for value in exact]
    return tuple(dict.fromkeys(forms))


def time_forms(hhmm: str) -> tuple[str, ...]:
    """ "17:00" as "17:00", "5pm", "5 pm", "5:00 pm", "5 p.m."; "09:00" as "9:00", "9am"."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    forms = [f"{hours:02d}:{minutes:02d}", f"{hours}:{minutes:02d}", f"{hours}.{minutes:02d}"]
    twelve = hours % 12 or 12
    clock = f"{twelve}" if minutes == 0 else f"{twelve}:{minutes:02d}"
    suffix = "am" if hours < 12 else "pm"
    dotted = "a.m." if hours < 12 else "p.m."
    forms += [f"{clock}{suffix}", f"{clock} {suffix}", f"{clock} {dotted}"]
    if minutes == 0:
        forms += [f"{twelve}:00{suffix}", f"{twelve}:00 {suffix}"]
    if hours == 24 or (hours == 0 and minutes == 0):
        forms += ["midnight"]
    return tuple(dict.fromkeys(forms))


def number_forms(value: int) -> tuple[str, ...]:
    """2450 as "2,450", "2450" and "2 450"."""
    return tuple(dict.fromkeys((f"{value:,}", str(value), f"{value:,}".replace(",", " "))))
