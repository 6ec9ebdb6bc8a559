"""How store data reads in a chat message: money, dates, items and order states."""

from __future__ import annotations

from datetime import date, datetime

from bot.services.views import OrderView

_STATUS_PHRASES = {
    "pending": "received and waiting to be processed",
    "processing": "being prepared for shipping",
    "cancelled": "cancelled",
    "returned": "returned to us",
}


def money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def day(value: date | datetime | None) -> str:
    if value is None:
        return "an unknown date"
    return f"{value:%A}, {value:%B} {value.day}"


def items_summary(order: OrderView, limit: int = 3) -> str:
    parts = [
        item.product_name if item.quantity == 1 else f"{item.product_name} x{item.quantity}"
        for item in order.items[:limit]
    ]
    if len(order.items) > limit:
        parts.append(f"and {len(order.items) - limit} more")
    return ", ".join(parts) or "no items"


def status_phrase(order: OrderView) -> str:
    """A sentence fragment that completes "Order #100234 is …"."""
    if order.status in _STATUS_PHRASES:
        return _STATUS_PHRASES[order.status]
    if order.status == "delivered":
        return f"delivered (it arrived on {day(order.delivered_at)})"
    arrival = f" and should arrive on {day(order.eta)}" if order.eta else ""
    verb = "on its way" if order.status == "in_transit" else "shipped"
    return f"{verb}{arrival}"


def refund_phrase(status: str) -> str:
    return {
        "requested": "requested and waiting for review",
        "approved": "approved and being paid out",
        "paid": "paid out to your original payment method",
        "rejected": "rejected; our team emailed you the reason",
    }.get(status, status)
