"""The declarative Base every table of the store is declared on, and its naming convention.

A module of its own so that each group of tables (shop_models, queue_models, ...) and the
trainers' tables (review_models) share one `MetaData` without importing each other:
`bot.store.models` imports them all, so importing it registers every table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData
from sqlalchemy.orm import declarative_base

# Stable constraint names, so a later Alembic migration can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))
