from __future__ import annotations

from pathlib import Path

import pytest

from bot.trainer.data_files import Workspace
from tests.bot.trainer.factories import project_copy


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A copy of the project's data, domain and config to change freely."""
    return project_copy(tmp_path)
