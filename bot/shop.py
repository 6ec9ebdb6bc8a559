"""The shop's facts (shop.yml): one file for the answers, the queue's hours and the docs.

Customers were told one set of opening hours while the handoff queue ran on another, and
a prompt's example order number was a real customer's order. Both came from facts written
down twice. Here they are read from one file: `render_responses` gives the text of every
domain response that states a shop fact, the queue reads its business hours from the same
file (bot/escalation/hours_file.py, below this module, finds its `hours` for the policy), and
`problems` (run by `cim check`) reports any response that differs from its rendering and any
example identifier that could be real.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.escalation.hours import BusinessHours, OpeningSpan
from bot.escalation.hours_file import SHOP_FILE_NAME, business_hours
from bot.escalation.parsing import PolicyError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The shop's order numbers are six digits from here upwards (tools/seed/demo_store.py numbers
# the demo orders from 100001): an example below it is never a customer's order.
ORDER_NUMBERS_START = 100000
EN_DASH = "\u2013"  # as the answers write time ranges
_SIX_DIGITS = re.compile(r"(?<!\d)\d{6}(?!\d)")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class ShopFacts:
    raw: dict[str, Any]
    hours: BusinessHours

    def fact(self, section: str, key: str) -> str:
        value = (self.raw.get(section) or {}).get(key)
        if value is None:
            raise PolicyError(f"{SHOP_FILE_NAME}: {section}.{key} is missing")
        return str(value)

    @property
    def example_order_number(self) -> str:
        return self.fact("examples", "order_number")


def load_shop(path: Path) -> ShopFacts:
    """The facts in `path`; a missing or invalid file raises PolicyError."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, ValueError) as error:
        raise PolicyError(f"{path}: cannot read the shop's facts ({error})") from error
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: expected a mapping")
    return ShopFacts(raw, business_hours(raw.get("hours") or {}, f"{path.name}: hours"))


@lru_cache(maxsize=1)
def project_shop() -> ShopFacts:
    return load_shop(PROJECT_ROOT / SHOP_FILE_NAME)


def _clock(value: time) -> str:
    return "24:00" if value == time.max else f"{value.hour}:{value.minute:02d}"


def _span_text(span: OpeningSpan) -> str:
    return f"{_clock(span.start)}{EN_DASH}{_clock(span.end)}"


def hours_phrase(hours: BusinessHours) -> str:
    """Runs of days with the same hours, then the closed days: "Monday to Friday
    9:00-17:00 (UTC), closed at weekends" (with an en dash)."""
    runs: list[tuple[int, int, OpeningSpan]] = []
    for index, span in enumerate(hours.days):
        if span is None:
            continue
        if runs and runs[-1][1] == index - 1 and runs[-1][2] == span:
            runs[-1] = (runs[-1][0], index, span)
        else:
            runs.append((index, index, span))
    parts = []
    for first, last, span in runs:
        days = _DAY_NAMES[first] if first == last else f"{_DAY_NAMES[first]} to {_DAY_NAMES[last]}"
        parts.append(f"{days} {_span_text(span)}")
    opened = " and ".join(parts) if parts else "by email only"
    closed = [index for index, span in enumerate(hours.days) if span is None]
    if closed == [5, 6]:
        shut = ", closed at weekends"
    elif closed:
        shut = ", closed on " + " and ".join(f"{_DAY_NAMES[i]}s" for i in closed)
    else:
        shut = ""
    return f"{opened} ({hours.timezone}){shut}"


def render_responses(shop: ShopFacts) -> dict[str, str]:
    """The text of each domain response that states a shop fact."""
    tiers = (shop.raw.get("loyalty") or {}).get("tiers") or {}
    window = shop.fact("returns", "window_days")
    return {
        "utter_hours_contact": (
            f"Our customer team is available {hours_phrase(shop.hours)}. You can reach us at "
            f"{shop.fact('contact', 'email')} or {shop.fact('contact', 'phone')}, "
            "or right here in the chat."
        ),
        "utter_shipping_policy": (
            f"Standard shipping takes {shop.fact('shipping', 'standard')} and is free on orders "
            f"over {shop.fact('shipping', 'free_over')} (otherwise "
            f"{shop.fact('shipping', 'standard_price')}). Express shipping takes "
            f"{shop.fact('shipping', 'express')} for {shop.fact('shipping', 'express_price')}. "
            f"We ship to {shop.fact('shipping', 'countries')}."
        ),
        "utter_return_policy": (
            f"You can return unused items within {window} days of delivery for a full refund. "
            "Start a return from your order page or ask me for a refund; the refund reaches "
            f"your original payment method {shop.fact('returns', 'refund_time')} after we "
            "receive the item."
        ),
        "utter_payment_methods": (
            f"We accept {shop.fact('payment', 'methods')}. {shop.fact('payment', 'gift_cards')}"
        ),
        "utter_upgrade_info": (
            f"Our loyalty tiers are Standard, Silver ({int(tiers.get('silver', 0)):,} points), "
            f"Gold ({int(tiers.get('gold', 0)):,}) and VIP ({int(tiers.get('vip', 0)):,}). "
            f"You earn {shop.fact('loyalty', 'earn')}, and higher tiers get "
            f"{shop.fact('loyalty', 'perks')}."
        ),
        "utter_ask_order_number_verify": (
            "And what's the number of one of your orders? It has six digits, for example "
            f"{shop.example_order_number}."
        ),
    }


def _response_texts(domain: dict[str, Any]) -> dict[str, list[str]]:
    responses = domain.get("responses") or {}
    return {
        name: [str(v.get("text", "")) for v in variants if isinstance(v, dict)]
        for name, variants in responses.items()
        if isinstance(variants, list)
    }


def problems(shop: ShopFacts, domain: dict[str, Any]) -> list[str]:
    """Where the domain contradicts the shop's facts, or an example could be real data."""
    found: list[str] = []
    texts = _response_texts(domain)
    for name, expected in render_responses(shop).items():
        if name not in texts:
            found.append(f"domain.yml has no {name}; it should read: {expected}")
        elif any(text != expected for text in texts[name]):
            found.append(
                f"domain.yml {name} differs from {SHOP_FILE_NAME}; it should read: {expected}"
            )
    example = shop.example_order_number
    if not _SIX_DIGITS.fullmatch(example) or int(example) >= ORDER_NUMBERS_START:
        found.append(
            f"{SHOP_FILE_NAME} examples.order_number {example!r} must be six digits below "
            f"{ORDER_NUMBERS_START}, where no real order can be"
        )
    for name, variants in texts.items():
        for text in variants:
            for number in _SIX_DIGITS.findall(text):
                if int(number) >= ORDER_NUMBERS_START:
                    found.append(
                        f"domain.yml {name} shows {number}, which could be a real order number"
                    )
    return found
