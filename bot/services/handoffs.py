"""Handoff reasons: the cleaning shared by the queue (`bot.services.queue`)."""

from __future__ import annotations

from collections.abc import Iterable

from bot.services.inputs import clean_text

MAX_REASONS = 20
MAX_SUMMARY_LENGTH = 4000


def clean_reasons(reasons: object) -> tuple[str, ...]:
    """Distinct, non-empty reason codes in first-seen order; a lone string is one reason."""
    items: Iterable[object] = (reasons,) if isinstance(reasons, str) else ()
    if isinstance(reasons, (list, tuple, set, frozenset)):
        items = reasons
    cleaned = (clean_text(item, max_length=100) for item in items)
    return tuple(dict.fromkeys(reason for reason in cleaned if reason))[:MAX_REASONS]
