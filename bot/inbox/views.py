"""What the inbox shows of a review item: a frozen view, never the ORM row.

Both the service (which stores and lists items) and the grouping (which clusters them) speak
in these views; they live below both so neither module needs the other's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.store.review_models import ReviewItem


@dataclass(frozen=True)
class ItemView:
    id: int
    text: str
    source: str
    count: int
    intent: str | None
    confidence: float | None
    suggestions: tuple[tuple[str, float], ...]
    details: dict[str, Any]
    state: str
    label: str | None


def item_view(item: ReviewItem) -> ItemView:
    return ItemView(
        id=item.id,
        text=item.text,
        source=item.source,
        count=item.count,
        intent=item.intent,
        confidence=item.confidence,
        suggestions=tuple((str(s["intent"]), float(s["confidence"])) for s in item.suggestions),
        details=dict(item.details or {}),
        state=item.state,
        label=item.label,
    )
