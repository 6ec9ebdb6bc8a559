"""Fixtures shared across the test tree, and the markers every test gets from where it runs.

`make check` runs `-m "not e2e and not postgres and not apt"` on a machine with nothing but
Python: so a test's kind must not depend on its author remembering a decorator. Whatever runs
on the PostgreSQL backend of a backend-parametrized fixture (tools.seed.databases.BACKENDS) is
`postgres`; everything under tests/e2e and tests/security runs real processes and is `e2e`.
A test that opens PostgreSQL another way says so with `@pytest.mark.postgres`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import get_settings

TESTS = Path(__file__).parent
# Every test in these directories of tests/ carries these markers.
DIRECTORY_MARKERS = {"e2e": ("e2e",), "security": ("e2e", "security")}
POSTGRES_BACKEND = "postgresql"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for marker in sorted(markers_for(item)):
            item.add_marker(marker)


def markers_for(item: pytest.Item) -> set[str]:
    markers = set(DIRECTORY_MARKERS.get(top_directory(item.path), ()))
    if runs_on_postgres(item):
        markers.add("postgres")
    return markers


def top_directory(path: Path) -> str:
    relative = path.relative_to(TESTS) if path.is_relative_to(TESTS) else path
    return relative.parts[0] if len(relative.parts) > 1 else ""


def runs_on_postgres(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return False
    return any(
        value == POSTGRES_BACKEND for value in callspec.params.values() if isinstance(value, str)
    )


@pytest.fixture
def no_nps_question(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Nobody is asked the NPS question unless a test says so (the draw depends on the date):
    CIM_NPS_SHARE_PERCENT=0, with the settings read again before and after."""
    monkeypatch.setenv("CIM_NPS_SHARE_PERCENT", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
