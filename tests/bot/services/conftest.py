"""Every service test runs on SQLite and on the real PostgreSQL.

`uow` is a fresh seeded database per test; `reader` is one seeded database shared by a
module's tests and must only be used by tests that change nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import sessionmaker

from bot.services.customers import find_customer_by_public_id
from bot.services.views import CustomerView
from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tools.seed.databases import BACKENDS, SEED_NOW, seeded_database

DEMO_PUBLIC_IDS = ("C0001", "C0002", "C0003")
SMALL_SEED = {"customers": 12, "orders": 40, "now": SEED_NOW}


@pytest.fixture(params=BACKENDS)
def factory(request: pytest.FixtureRequest) -> Iterator[sessionmaker]:
    with seeded_database(request.param, **SMALL_SEED) as factory:
        yield factory


@pytest.fixture
def uow(factory: sessionmaker) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(factory)


@pytest.fixture(scope="module", params=BACKENDS)
def shared_factory(request: pytest.FixtureRequest) -> Iterator[sessionmaker]:
    with seeded_database(request.param, **SMALL_SEED) as factory:
        yield factory


@pytest.fixture
def reader(shared_factory: sessionmaker) -> SqlAlchemyUnitOfWork:
    """A unit of work over the module's shared database, for read-only tests."""
    return SqlAlchemyUnitOfWork(shared_factory)


@pytest.fixture
def shared_customers(reader: SqlAlchemyUnitOfWork) -> dict[str, CustomerView]:
    """The demo customers of the shared database, by public id."""
    return {public_id: demo_customer(reader, public_id) for public_id in DEMO_PUBLIC_IDS}


def demo_customer(uow: SqlAlchemyUnitOfWork, public_id: str) -> CustomerView:
    customer = find_customer_by_public_id(uow, public_id=public_id)
    assert customer is not None, public_id
    return customer


@pytest.fixture
def maria(uow: SqlAlchemyUnitOfWork) -> CustomerView:
    return demo_customer(uow, "C0001")


@pytest.fixture
def james(uow: SqlAlchemyUnitOfWork) -> CustomerView:
    return demo_customer(uow, "C0002")


@pytest.fixture
def aiko(uow: SqlAlchemyUnitOfWork) -> CustomerView:
    return demo_customer(uow, "C0003")
