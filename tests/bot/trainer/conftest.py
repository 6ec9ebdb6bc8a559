from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from bot.trainer.data_files import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A copy of the project's data, domain and config to change freely."""
    shutil.copytree(PROJECT_ROOT / "data", tmp_path / "data")
    for name in ("domain.yml", "config.yml"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    return Workspace(tmp_path)
