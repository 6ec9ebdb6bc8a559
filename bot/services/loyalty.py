"""Loyalty points and how far the customer is from the next tier."""

from __future__ import annotations

from bot.services.inputs import valid_id
from bot.services.views import LoyaltyView
from bot.store.tiers import next_tier, tier_for_points
from bot.store.unit_of_work import AbstractUnitOfWork


def loyalty_balance(uow: AbstractUnitOfWork, *, customer_id: int) -> LoyaltyView | None:
    """The tier is derived from the points, so it is right even if the stored tier lags."""
    owner = valid_id(customer_id)
    if owner is None:
        return None
    with uow:
        account = uow.loyalty.get(customer_id=owner)
        points = account.points if account is not None else None
    return loyalty_view(points) if points is not None else None


def loyalty_view(points: int) -> LoyaltyView:
    upcoming = next_tier(points)
    return LoyaltyView(
        points=points,
        tier=tier_for_points(points),
        next_tier=upcoming[0] if upcoming else None,
        points_to_next=upcoming[1] if upcoming else None,
    )
