"""Product look-up and recommendations."""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.convert import product_view
from bot.services.inputs import clamp_limit, clean_text, valid_id
from bot.services.views import ProductView
from bot.store.models import Product
from bot.store.unit_of_work import AbstractUnitOfWork

MAX_NAME_LENGTH = 200
MAX_RECOMMENDATIONS = 20


def find_product(uow: AbstractUnitOfWork, *, name: str) -> ProductView | None:
    """Exact name (any case) first, then a name containing the text if only one does."""
    text = clean_text(name, max_length=MAX_NAME_LENGTH)
    if text is None:
        return None
    with uow:
        product = uow.products.get_by_name(name=text)
        if product is None:
            matches = uow.products.search(text=text, limit=2)
            product = matches[0] if len(matches) == 1 else None
        return product_view(product) if product is not None else None


def recommend(
    uow: AbstractUnitOfWork, *, customer_id: int | None, limit: int = 3
) -> list[ProductView]:
    """In-stock products from categories the customer buys, not bought yet, best sellers
    first; topped up with overall best sellers. Without history: the best sellers."""
    size = clamp_limit(limit, default=3, maximum=MAX_RECOMMENDATIONS)
    owner = valid_id(customer_id)
    with uow:
        bought = uow.products.bought_by(customer_id=owner) if owner is not None else ()
        if not bought:
            products = list(uow.products.best_sellers(limit=size))
        else:
            products = _personal(uow, bought=bought, limit=size)
        return [product_view(product) for product in products]


def _personal(uow: AbstractUnitOfWork, *, bought: Sequence[Product], limit: int) -> list[Product]:
    seen = {product.id for product in bought}
    categories = sorted({product.category for product in bought})
    picks = list(uow.products.best_sellers(limit=limit, categories=categories, exclude_ids=seen))
    if len(picks) < limit:
        seen |= {product.id for product in picks}
        picks += uow.products.best_sellers(limit=limit - len(picks), exclude_ids=seen)
    return picks
