from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from bot.trainer.data_files import Workspace
from tests.bot.services.conftest import SMALL_SEED
from tests.bot.trainer.factories import project_copy
from tools.seed.databases import seeded_database


@pytest.fixture
def factory() -> Iterator[sessionmaker]:
    with seeded_database("sqlite", **SMALL_SEED) as made:
        yield made


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A copy of the project's data, domain and config to change freely."""
    return project_copy(tmp_path / "workspace")
