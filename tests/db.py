"""Reading a test database directly, to check what the product wrote."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def rows(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql), params)]
    finally:
        engine.dispose()


def scalar(url: str, sql: str, **params: Any) -> Any:
    found = rows(url, sql, **params)
    return found[0][0] if found else None


def order_status(url: str, number: str) -> str:
    return str(scalar(url, "SELECT status FROM orders WHERE number = :n", n=number))
