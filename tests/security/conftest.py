"""Attack regression tests: each one replays an attack against the real processes.

Every test here is part of the end-to-end layer (real Rasa, action server and shop on loopback).
`stack` is one fresh seeded product per test session; a test that needs other settings (a
production secret, a proxy in front) starts its own with `tests.e2e.stack.running_stack`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.stack import Stack, seeded_stack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/security/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.security)


@pytest.fixture(scope="session")
def security_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole product on a fresh seeded SQLite store, shared by the attack tests."""
    with seeded_stack(tmp_path_factory.mktemp("security-stack")) as running:
        yield running
