"""Product look-up and recommendations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.catalogue_requests import (
    AskedThing,
    Budget,
    asked_things,
    budget_in,
    fitting,
    named_products,
    need_words,
)
from bot.services.convert import product_view
from bot.services.inputs import clamp_limit, clean_text, valid_id
from bot.services.views import ProductView
from bot.store.models import Product
from bot.store.unit_of_work import AbstractUnitOfWork

MAX_NAME_LENGTH = 200
MAX_RECOMMENDATIONS = 20
MAX_CATALOGUE = 1000
MAX_NAMED = 3


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


def shop_products(uow: AbstractUnitOfWork) -> list[ProductView]:
    """The whole catalogue, in-stock best sellers first, then the rest by name: the order
    in which equally fitting products are offered."""
    with uow:
        ranked = list(uow.products.best_sellers(limit=MAX_CATALOGUE))
        seen = {product.id for product in ranked}
        rest = sorted(
            (p for p in uow.products.list_all() if p.id not in seen), key=lambda p: p.name
        )
        return [product_view(product) for product in [*ranked, *rest]]


@dataclass(frozen=True)
class Recommendation:
    products: tuple[ProductView, ...]
    needs: tuple[str, ...]
    budget: Budget | None
    # Nothing fitting the need was within the budget: `products` are the closest in price.
    over_budget: bool = False
    personal: bool = False


def recommend_for(
    uow: AbstractUnitOfWork, *, text: str, customer_id: int | None, limit: int = 3
) -> Recommendation:
    """Products for the need and budget the message states. Without a need, the customer's
    own categories (signed in) or the best sellers; what they already bought comes last."""
    size = clamp_limit(limit, default=3, maximum=MAX_RECOMMENDATIONS)
    products = shop_products(uow)
    needs = tuple(need_words(text, products))
    budget = budget_in(text)
    owner = valid_id(customer_id)
    bought: set[str] = set()
    personal: list[ProductView] = []
    if owner is not None:
        personal = recommend(uow, customer_id=owner, limit=MAX_RECOMMENDATIONS)
        with uow:
            bought = {product.sku for product in uow.products.bought_by(customer_id=owner)}
    limit_cents = budget.max_cents if budget is not None else None
    if needs:
        candidates = fitting(needs, products, max_cents=limit_cents)
        if not candidates and budget is not None:
            closest = sorted(fitting(needs, products), key=lambda p: p.price_cents)[:size]
            return Recommendation(tuple(closest), needs, budget, over_budget=True)
    else:
        candidates = personal or [p for p in products if p.in_stock]
        if limit_cents is not None:
            within = [p for p in candidates if p.price_cents <= limit_cents]
            if not within:
                cheapest = sorted(candidates, key=lambda p: p.price_cents)[:size]
                return Recommendation(tuple(cheapest), needs, budget, over_budget=True)
            candidates = within
    candidates = sorted(candidates, key=lambda p: p.sku in bought)  # stable: owned ones last
    return Recommendation(
        tuple(candidates[:size]), needs, budget, personal=bool(personal) and not needs
    )


@dataclass(frozen=True)
class ProductAnswer:
    named: tuple[ProductView, ...]
    asked: tuple[AskedThing, ...]


def answer_question(
    uow: AbstractUnitOfWork, *, text: str, product_name: str | None, shop_verbs_only: bool = False
) -> ProductAnswer:
    """The products a question names (every one of them, not only the first), else the
    things it asks about, each sold or not, with what we have instead."""
    products = shop_products(uow)
    named = named_products(text, products)
    if product_name:
        exact = find_product(uow, name=product_name)
        if exact is not None and exact not in named:
            named.insert(0, exact)
    if named:
        return ProductAnswer(tuple(named[:MAX_NAMED]), ())
    asked = asked_things(text, products, shop_verbs_only=shop_verbs_only)
    if not asked and not shop_verbs_only:  # "any binoculars?": the catalogue's own words
        needs = need_words(text, products)
        matches = fitting(needs, products, in_stock_only=False) if needs else []
        if matches:
            asked = [AskedThing(" ".join(needs), True, tuple(matches[:MAX_NAMED]))]
    return ProductAnswer((), tuple(asked[:MAX_NAMED]))
