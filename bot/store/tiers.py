"""Loyalty tiers by points, shared by the seed data and the loyalty service."""

from __future__ import annotations

# (tier, minimum points), lowest first.
TIER_THRESHOLDS: tuple[tuple[str, int], ...] = (
    ("standard", 0),
    ("silver", 500),
    ("gold", 2000),
    ("vip", 5000),
)


def tier_for_points(points: int) -> str:
    """The highest tier whose threshold the points reach."""
    tier = TIER_THRESHOLDS[0][0]
    for name, minimum in TIER_THRESHOLDS:
        if points >= minimum:
            tier = name
    return tier


def next_tier(points: int) -> tuple[str, int] | None:
    """The next tier up and the points still missing, or None at the top."""
    for name, minimum in TIER_THRESHOLDS:
        if points < minimum:
            return name, minimum - points
    return None
