from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.stack import Stack, seeded_stack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole product, once per test session, on a fresh seeded SQLite store."""
    with seeded_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running
