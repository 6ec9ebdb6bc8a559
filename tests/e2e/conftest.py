from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.seed import ensure_seeded
from tests.e2e.stack import Stack, running_stack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole product, once per test session, on a fresh seeded SQLite store."""
    tmp: Path = tmp_path_factory.mktemp("stack")
    database_url = f"sqlite:///{tmp / 'shop.db'}"
    ensure_seeded(database_url)
    with running_stack(tmp, database_url=database_url) as running:
        yield running
