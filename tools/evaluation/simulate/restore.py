"""Every conversation starts from the store as seeded: the customer's orders are put back.

A conversation that cancels an order or moves it would otherwise change who fits the next
conversations' situations, so that the few customers with, say, exactly two open orders are
used up by the first conversation that cancels one, and the suite's verdicts would depend on
its order. The store is judged first (the conversation's `end:`), then restored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import delete, select, update

from bot.store.db import get_engine
from bot.store.models import Order, Refund

ORDERS = Order.__table__
REFUNDS = Refund.__table__


@contextmanager
def orders_restored(database_url: str, customer_id: int) -> Iterator[None]:
    """Put the customer's orders (status, dates, address…) back as they were, and remove
    refunds created meanwhile, when the block ends."""
    engine = get_engine(database_url)
    with engine.connect() as connection:
        before = (
            connection.execute(select(ORDERS).where(ORDERS.c.customer_id == customer_id))
            .mappings()
            .all()
        )
        ids = [row["id"] for row in before]
        kept = set(
            connection.execute(select(REFUNDS.c.id).where(REFUNDS.c.order_id.in_(ids))).scalars()
        )
    try:
        yield
    finally:
        with engine.begin() as connection:
            created = REFUNDS.c.order_id.in_(ids) & REFUNDS.c.id.not_in(kept or {-1})
            connection.execute(delete(REFUNDS).where(created))
            for row in before:
                values = {key: value for key, value in row.items() if key != "id"}
                connection.execute(update(ORDERS).where(ORDERS.c.id == row["id"]).values(values))
