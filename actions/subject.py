"""Which order the customer means: the one they name, describe or point back to.

A conversation has a subject, the order last discussed (the `order_number` slot, kept across the
verification detour). A new message may name another order by number, describe it by what is in
it ("the one with the tent"), by where it is ("the one on its way"), by position ("the second
one"), or point away from the subject ("the other one"). Everything resolves against the
customer's own orders only.
"""

from __future__ import annotations

import json
import re

from actions import deps
from actions.base import Turn
from bot.services import orders
from bot.services.views import CustomerView, OrderView

FOCUS_SLOT = "order_in_focus"
CHOICE_SLOT = "order_choice"
_WORD = re.compile(r"[^\W\d_]{3,}")
# Words in product names that say nothing about which order is meant.
_GENERIC = frozenset({"the", "and", "with", "for", "lite", "pro", "set", "pack", "order"})
_STATUS_WORDS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (
        re.compile(r"\b(?:not|hasn'?t|haven'?t|isn'?t|yet to)\b.{0,20}\b(?:shipped|sent|left)\b"),
        frozenset({"pending", "processing"}),
    ),
    (
        re.compile(
            r"on (?:its|it's|the) way|in transit|shipped|dispatched|out for delivery|coming"
        ),
        frozenset({"shipped", "in_transit"}),
    ),
    (re.compile(r"\bdelivered\b|\barrived\b|\bgot it\b"), frozenset({"delivered"})),
    (
        re.compile(r"processing|being prepared|pending|just (?:placed|ordered)"),
        frozenset({"pending", "processing"}),
    ),
)
_POINTS_AT_ONE = re.compile(r"\b(?:one|ones|order|orders|parcel|package)\b")
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "last": -1}
# "the second one", "the 2nd", "the last one"; not "last week", and "my last order" is the newest.
_ORDINAL = re.compile(r"\b(first|1st|second|2nd|third|3rd|last)\b(?=\s*(?:one\b|order\b|$|[?.!,]))")
_NEWEST = re.compile(r"\b(?:last|latest|newest|most recent)\s+(?:order|purchase)\b")
_OTHER = re.compile(r"\b(?:the )?other (?:one|order)\b|\bnot (?:that|this) one\b|\bthe other\b")
_CORRECTION = re.compile(
    r"\b(?:no|nope|not|meant|mean|sorry|oops|wrong|wait|actually|instead|other)\b", re.I
)


def text_of(turn: Turn) -> str:
    return str(turn.tracker.latest_message.get("text") or "")


def request_text(turn: Turn) -> str:
    """What the customer asked before the details they are giving now (the verification detour:
    "cancel the tent one", then an email and an order number)."""
    verified_now = any(m.get("response") == "utter_verified" for m in turn.dispatcher.messages)
    if turn.intent != "inform" or not verified_now:
        return ""
    users = [e for e in turn.tracker.events if e.get("event") == "user"][:-1]
    for event in reversed(users):
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent not in ("inform", "affirm", "deny"):
            return str(event.get("text") or "")
    return ""


def is_correction(text: str) -> bool:
    """The customer is changing their mind about which order: "no, I meant ...", "the other one"."""
    return bool(_CORRECTION.search(text) or _OTHER.search(text.lower()))


def typed_number(turn: Turn) -> str | None:
    """An order number in this message, from the entity extractor or the text itself."""
    entity = orders.normalise_order_number(turn.entity("order_number"))
    if entity:
        return entity
    found = orders.order_numbers_in(text_of(turn))
    return found[-1] if found else None


def subject_number(turn: Turn) -> str | None:
    """The order under discussion: named now, else the one discussed earlier."""
    return typed_number(turn) or orders.normalise_order_number(turn.slot("order_number"))


def recent_orders(customer: CustomerView) -> list[OrderView]:
    return orders.list_orders(deps.new_uow(), customer_id=customer.id, limit=20)


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in _WORD.findall(text.lower())} - _GENERIC


def by_items(text: str, candidates: list[OrderView]) -> OrderView | None:
    """The one order whose items the message names best ("the water bottle one")."""
    said = _words(text)
    scores = [
        (len(said & _words(" ".join(i.product_name for i in o.items))), o) for o in candidates
    ]
    best = max((score for score, _ in scores), default=0)
    winners = [o for score, o in scores if score == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def by_status(text: str, candidates: list[OrderView]) -> OrderView | None:
    """The one order in the state the message describes ("the one on its way")."""
    lowered = text.lower()
    if not _POINTS_AT_ONE.search(lowered):
        return None  # "so when is it coming?" is about the subject, not whichever is moving
    for pattern, statuses in _STATUS_WORDS:
        if pattern.search(lowered):
            matching = [o for o in candidates if o.status in statuses]
            return matching[0] if len(matching) == 1 else None
    return None


def by_ordinal(text: str, candidates: list[OrderView]) -> OrderView | None:
    """ "The second one": counted as the bot lists them, newest first."""
    lowered = text.lower()
    if _NEWEST.search(lowered):
        return candidates[0] if candidates else None
    match = _ORDINAL.search(lowered)
    index = _ORDINALS[match.group(1)] if match else None
    if index is not None and -len(candidates) <= index < len(candidates):
        return candidates[index]
    return None


def other_than(number: str | None, candidates: list[OrderView]) -> OrderView | None:
    """ "The other one": the single candidate that is not the subject."""
    others = [o for o in candidates if o.number != number]
    return others[0] if number and len(others) == 1 else None


def described(
    text: str, candidates: list[OrderView], subject: str | None = None
) -> OrderView | None:
    """The order the words of the message pick out among `candidates`, if exactly one."""
    if _OTHER.search(text.lower()):
        return other_than(subject, candidates)
    return by_items(text, candidates) or by_status(text, candidates) or by_ordinal(text, candidates)


_ASKS_CURRENT = re.compile(r"\b(?:what|which|where)\b.*\b(?:address|going|sent|have)\b", re.I)


def asks_current(text: str) -> bool:
    """A question about the address the order goes to now, asked in place of a new one."""
    return bool(_ASKS_CURRENT.search(text))


def focus(turn: Turn, order: OrderView) -> None:
    """Make `order` the subject: pronouns and follow-ups now mean it (actions/followups.py)."""
    turn.set_slot("order_number", order.number)
    turn.set_slot(FOCUS_SLOT, True)
    turn.set_slot(CHOICE_SLOT, None)


def offer_choice(turn: Turn, intent: str, candidates: list[OrderView]) -> None:
    """Remember the question "which order?", so the answer is read against its choices; with no
    candidates, a request refused for one order waits for the customer to name another."""
    choice = {"intent": intent, "numbers": [o.number for o in candidates]}
    turn.set_slot(CHOICE_SLOT, json.dumps(choice))
    turn.set_slot(FOCUS_SLOT, True)


def pending_choice(turn: Turn) -> dict[str, object] | None:
    raw = turn.slot(CHOICE_SLOT)
    try:
        choice = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    return choice if isinstance(choice, dict) else None
