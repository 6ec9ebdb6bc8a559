from __future__ import annotations

import pytest

from bot.services.orders import list_orders
from bot.services.recommendations import find_product, recommend
from bot.services.views import CustomerView
from bot.store.products import CATALOGUE
from bot.store.unit_of_work import SqlAlchemyUnitOfWork as UoW

Customers = dict[str, CustomerView]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trail Runner 2", "Trail Runner 2"),
        ("  trail RUNNER 2 ", "Trail Runner 2"),
        ("binoculars", "Compact Binoculars"),
        ("sleeping bag -5c", "Sleeping Bag -5C"),
        ("Sleeping", None),  # bag and pad: ambiguous
        ("Trail", None),  # runner and gaiters
        ("%", None),
        ("kayak", None),
    ],
)
def test_products_are_found_by_name(reader: UoW, text: str, expected: str | None) -> None:
    product = find_product(reader, name=text)
    assert (product.name if product else None) == expected


def test_a_found_product_carries_its_catalogue_data(reader: UoW) -> None:
    product = find_product(reader, name="ultralight tent 2p")
    assert product is not None
    assert (product.sku, product.category, product.price_cents, product.in_stock) == (
        "CP-002",
        "camping",
        34900,
        False,
    )


def test_anonymous_visitors_get_in_stock_best_sellers(reader: UoW) -> None:
    picks = recommend(reader, customer_id=None)
    assert len(picks) == 3 and all(p.in_stock for p in picks)
    assert recommend(reader, customer_id=None) == picks
    assert recommend(reader, customer_id=424242) == picks


def test_customers_get_new_products_from_categories_they_buy(
    reader: UoW, shared_customers: Customers
) -> None:
    maria = shared_customers["C0001"]
    bought = {
        item.product_name
        for order in list_orders(reader, customer_id=maria.id)
        if order.status != "cancelled"
        for item in order.items
    }
    categories = {e.category for e in CATALOGUE if e.name in bought}
    picks = recommend(reader, customer_id=maria.id, limit=4)
    assert len(picks) == 4
    assert all(p.in_stock and p.category in categories and p.name not in bought for p in picks)
    assert picks != recommend(reader, customer_id=None, limit=4)
    assert recommend(reader, customer_id=maria.id, limit=4) == picks


def test_recommendations_are_topped_up_when_categories_run_out(
    reader: UoW, shared_customers: Customers
) -> None:
    picks = recommend(reader, customer_id=shared_customers["C0003"].id, limit=10)
    names = [p.name for p in picks]
    assert len(names) == len(set(names)) == 10
    assert "GPS Watch Pro" not in names and "Storm Rain Shell" not in names
