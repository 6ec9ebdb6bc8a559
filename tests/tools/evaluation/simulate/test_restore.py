"""Each conversation starts from the store as seeded: what it changed is put back after."""

from __future__ import annotations

from sqlalchemy import insert, select, update

from bot.store.db import get_engine
from tools.evaluation.simulate.restore import ORDERS, REFUNDS, orders_restored


def test_orders_and_refunds_are_put_back_after_the_block(fresh_store_url: str) -> None:
    url = fresh_store_url
    engine = get_engine(url)
    with engine.connect() as connection:
        order = connection.execute(select(ORDERS).limit(1)).mappings().one()
        refunds_before = connection.execute(select(REFUNDS)).mappings().all()
    with orders_restored(url, order["customer_id"]), engine.begin() as connection:
        where = ORDERS.c.id == order["id"]
        connection.execute(
            update(ORDERS).where(where).values(status="cancelled", ship_to_line1="Elsewhere 1")
        )
        connection.execute(
            insert(REFUNDS).values(order_id=order["id"], amount_cents=100, status="requested")
        )
    with engine.connect() as connection:
        after = connection.execute(select(ORDERS).where(ORDERS.c.id == order["id"]))
        assert dict(after.mappings().one()) == dict(order)
        assert connection.execute(select(REFUNDS)).mappings().all() == refunds_before
