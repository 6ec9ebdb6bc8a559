"""The models directory: one training at a time, and an installed model kept in history."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.retrain.serving import CURRENT, PREVIOUS, TrainingBusy, install, training_lock


def test_one_training_at_a_time(tmp_path: Path) -> None:
    with training_lock(tmp_path), pytest.raises(TrainingBusy), training_lock(tmp_path):
        pass


def test_an_installed_model_is_current_the_old_one_previous_and_both_in_history(
    tmp_path: Path,
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / CURRENT).write_text("old")
    (tmp_path / "candidate.tar.gz").write_text("new")
    assert install(tmp_path / "candidate.tar.gz", models) == models / CURRENT
    assert (models / CURRENT).read_text() == "new" and (models / PREVIOUS).read_text() == "old"
    assert [p.read_text() for p in (models / "history").iterdir()] == ["new"]
