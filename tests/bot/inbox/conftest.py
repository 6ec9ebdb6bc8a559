from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import sessionmaker

from bot.store.unit_of_work import SqlAlchemyUnitOfWork
from tests.bot.services.conftest import SMALL_SEED
from tools.seed.databases import BACKENDS, seeded_database


@pytest.fixture(params=BACKENDS)
def factory(request: pytest.FixtureRequest) -> Iterator[sessionmaker]:
    """The demo store (its customers' names are what redaction must hide)."""
    with seeded_database(request.param, **SMALL_SEED) as made:
        yield made


@pytest.fixture
def uow(factory: sessionmaker) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(factory)
