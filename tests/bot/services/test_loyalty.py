from __future__ import annotations

import pytest

from bot.services.loyalty import loyalty_balance, loyalty_view
from bot.services.views import CustomerView, LoyaltyView
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW


def test_demo_balances(reader: UoW, shared_customers: dict[str, CustomerView]) -> None:
    balances = {
        public_id: loyalty_balance(reader, customer_id=customer.id)
        for public_id, customer in shared_customers.items()
    }
    assert balances == {
        "C0001": LoyaltyView(2450, "gold", "vip", 2550),
        "C0002": LoyaltyView(120, "standard", "silver", 380),
        "C0003": LoyaltyView(9800, "vip", None, None),
    }


def test_unknown_customers_have_no_balance(reader: UoW) -> None:
    assert loyalty_balance(reader, customer_id=424242) is None


@pytest.mark.parametrize(
    ("points", "tier", "next_tier", "missing"),
    [
        (0, "standard", "silver", 500),
        (499, "standard", "silver", 1),
        (500, "silver", "gold", 1500),
        (1999, "silver", "gold", 1),
        (2000, "gold", "vip", 3000),
        (4999, "gold", "vip", 1),
        (5000, "vip", None, None),
    ],
)
def test_tiers_follow_the_points(
    points: int, tier: str, next_tier: str | None, missing: int | None
) -> None:
    assert loyalty_view(points) == LoyaltyView(points, tier, next_tier, missing)
