"""Orders: look-up, listing, cancellation and address changes, always scoped to the
verified customer so one customer can never see or touch another's order."""

from __future__ import annotations

import re

from bot.services.convert import order_view
from bot.services.inputs import clamp_limit, valid_id
from bot.services.views import OPEN_ORDER_EXCLUDED, SHIPPED_STATUSES, OrderView, Outcome
from bot.store.models import ORDER_STATUSES, Order
from bot.store.unit_of_work import AbstractUnitOfWork

ORDER_NUMBER_PATTERN = re.compile(r"[0-9]{6}")
OPEN_ORDER_STATUSES = tuple(s for s in ORDER_STATUSES if s not in OPEN_ORDER_EXCLUDED)
CHANGEABLE_STATUSES = frozenset({"pending", "processing"})
MAX_LIST_LIMIT = 50


def normalise_order_number(text: object) -> str | None:
    """'100234', '#100234' and ' # 100234 ' all mean order 100234; anything else is None."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    candidate = text.strip().lstrip("#").strip()
    return candidate if ORDER_NUMBER_PATTERN.fullmatch(candidate) else None


def load_order(
    uow: AbstractUnitOfWork, *, customer_id: object, order_number: object, for_update: bool = False
) -> Order | None:
    """The customer's order inside an open unit of work; None for any bad input."""
    owner, number = valid_id(customer_id), normalise_order_number(order_number)
    if owner is None or number is None:
        return None
    return uow.orders.get_for_customer(customer_id=owner, number=number, for_update=for_update)


def get_order(uow: AbstractUnitOfWork, *, customer_id: int, order_number: str) -> OrderView | None:
    """None both for an unknown number and for someone else's order: no enumeration."""
    with uow:
        order = load_order(uow, customer_id=customer_id, order_number=order_number)
        return order_view(order) if order is not None else None


def latest_order(
    uow: AbstractUnitOfWork, *, customer_id: int, open_only: bool = False
) -> OrderView | None:
    """The most recent order, e.g. for "where is my order?" without a number."""
    statuses = OPEN_ORDER_STATUSES if open_only else None
    orders = _recent_orders(uow, customer_id=customer_id, limit=1, statuses=statuses)
    return orders[0] if orders else None


def list_orders(uow: AbstractUnitOfWork, *, customer_id: int, limit: int = 5) -> list[OrderView]:
    """Newest first."""
    size = clamp_limit(limit, default=5, maximum=MAX_LIST_LIMIT)
    return _recent_orders(uow, customer_id=customer_id, limit=size, statuses=None)


def check_cancellable(uow: AbstractUnitOfWork, *, customer_id: int, order_number: str) -> Outcome:
    """Asked before the bot offers to cancel, so it never promises what it cannot do."""
    with uow:
        order = load_order(uow, customer_id=customer_id, order_number=order_number)
        return _changeable(order)


def cancel_order(uow: AbstractUnitOfWork, *, customer_id: int, order_number: str) -> Outcome:
    """Cancel a pending or processing order; the row is locked while it is checked."""
    with uow:
        order = load_order(uow, customer_id=customer_id, order_number=order_number, for_update=True)
        outcome = _changeable(order)
        if not outcome.ok or order is None:
            return outcome
        order.status = "cancelled"
        uow.commit()
        return Outcome(ok=True, reason=None, order=order_view(order))


def check_address_changeable(
    uow: AbstractUnitOfWork, *, customer_id: int, order_number: str
) -> Outcome:
    """The address can change only while the parcel has not left the warehouse."""
    return check_cancellable(uow, customer_id=customer_id, order_number=order_number)


def change_address(
    uow: AbstractUnitOfWork, *, customer_id: int, order_number: str, address: str
) -> Outcome:
    """Store a new one-line address on an order that has not shipped yet."""
    with uow:
        order = load_order(uow, customer_id=customer_id, order_number=order_number, for_update=True)
        outcome = _changeable(order)
        if not outcome.ok or order is None:
            return outcome
        parts = parse_address(address)
        if parts is None:
            return Outcome(ok=False, reason="invalid_address", order=outcome.order)
        _apply_address(order, parts)
        uow.commit()
        return Outcome(ok=True, reason=None, order=order_view(order))


def parse_address(address: object) -> tuple[str, str, str, str] | None:
    """Split 'street, city, postcode, country' best effort; None if it cannot be one.

    A usable address is 10-200 printable characters with at least a letter and a digit
    (a house number or postcode).
    """
    if not isinstance(address, str) or len(address) > 1000:
        return None
    text = " ".join(address.split())
    if not 10 <= len(text) <= 200 or not text.isprintable():
        return None
    if not any(ch.isalpha() for ch in text) or not any(ch.isdigit() for ch in text):
        return None
    parts = [part.strip() for part in text.split(",") if part.strip()]
    parts += [""] * (4 - len(parts))
    return parts[0], parts[1], parts[2], ", ".join(part for part in parts[3:] if part)


def _apply_address(order: Order, parts: tuple[str, str, str, str]) -> None:
    line1, city, postcode, country = parts
    order.ship_to_line1 = line1[:200]
    order.ship_to_city = city[:100]
    order.ship_to_postcode = postcode[:20]
    order.ship_to_country = country[:100] or order.ship_to_country


def _changeable(order: Order | None) -> Outcome:
    """Cancelling and re-addressing share one rule: only before the order ships."""
    if order is None:
        return Outcome(ok=False, reason="not_found")
    view = order_view(order)
    if order.status in CHANGEABLE_STATUSES:
        return Outcome(ok=True, reason=None, order=view)
    if order.status in SHIPPED_STATUSES:
        return Outcome(ok=False, reason="already_shipped", order=view)
    return Outcome(ok=False, reason="already_cancelled", order=view)


def _recent_orders(
    uow: AbstractUnitOfWork,
    *,
    customer_id: object,
    limit: int,
    statuses: tuple[str, ...] | None,
) -> list[OrderView]:
    owner = valid_id(customer_id)
    if owner is None:
        return []
    with uow:
        orders = uow.orders.list_for_customer(customer_id=owner, limit=limit, statuses=statuses)
        return [order_view(order) for order in orders]


# What people put before or after an address in a chat message ("it's 5 Elm Grove", "to 40 Mill
# Lane please"), and words an address never contains but a command, a question or a change of
# mind does ("oops, not that one", "next door", "what address have you got?").
_LEAD_IN = re.compile(
    r"^(?:(?:my|the)\s+new\s+address\s+is|new\s+address\s*:?|it\s*'?s|it\s+is|that\s*'?s|"
    r"please\s+(?:send|deliver|ship)\s+it\s+to|send\s+it\s+to|deliver\s+(?:it\s+)?to|to)\s+",
    re.IGNORECASE,
)
_TAIL = re.compile(
    r"\s*(?:\binstead\b.*|\bplease\b.*|\bthanks?\b.*|\bthank\s+you\b.*|\bcheers\b.*|[.!]+)$",
    re.IGNORECASE,
)
_NOT_AN_ADDRESS = re.compile(
    r"\?|\b(?:not|no|oops|sorry|meant|wrong|wait|other|cancel|stop|order|next\s+door|"
    r"what|which|where|why|how|when|who|can\s+you|could\s+you|have\s+you|change|update)\b",
    re.IGNORECASE,
)
_HOUSE_NUMBER = re.compile(
    r"\b\d{1,5}[a-z]?\b\s*,?\s*[^\W\d_]{2,}|[^\W\d_]{2,}\s+\d{1,5}[a-z]?\b", re.I
)


def clean_address(text: object) -> str | None:
    """The address a customer typed, without its lead-in ("it's", "to") or polite tail; None
    when the text is a question, a command or a correction, or has no street and number and
    place: those must never be stored as where a parcel goes."""
    if not isinstance(text, str) or len(text) > 300:
        return None
    candidate = _TAIL.sub("", _LEAD_IN.sub("", " ".join(text.split())).strip()).strip(" ,.")
    if _NOT_AN_ADDRESS.search(candidate) or not _HOUSE_NUMBER.search(candidate):
        return None
    if "," not in candidate and len(candidate.split()) < 4:
        return None
    return candidate if parse_address(candidate) is not None else None


_ADDRESS_START = re.compile(
    r"\b(?:(?:flat|apt|apartment|unit|suite)\s+\w+\s*,\s*)?\d{1,5}[a-z]?\s+[^\W\d_]", re.I
)


def address_in_message(text: object) -> str | None:
    """An address given inside a longer request ("please deliver order 100296 to 14 Kingsway,
    Manchester, M19 2LL instead"): from the first house number that is not an order number."""
    if not isinstance(text, str) or len(text) > 500:
        return None
    without_numbers = ORDER_NUMBER_IN_TEXT.sub(" ", text)
    match = _ADDRESS_START.search(without_numbers)
    if match is None or "," not in without_numbers[match.start() :]:
        return None
    return clean_address(without_numbers[match.start() :])


ORDER_NUMBER_IN_TEXT = re.compile(r"#?\s?\b[0-9]{6}\b")


def order_numbers_in(text: object) -> list[str]:
    """Six-digit order numbers typed anywhere in a message, in order."""
    if not isinstance(text, str) or len(text) > 2000:
        return []
    return [m.group(0).lstrip("#").strip() for m in ORDER_NUMBER_IN_TEXT.finditer(text)]
