"""The trainer page's view of the simulation gate: the latest stored run, or None."""

from __future__ import annotations

import json
from pathlib import Path

from bot.trainer.simulation_gate import LATEST, SERVED, latest_run, read_run, runs_dir


def test_no_run_yet_reads_as_none(tmp_path: Path) -> None:
    assert latest_run(tmp_path) is None


def test_the_latest_run_is_read_back_as_written(tmp_path: Path) -> None:
    runs_dir(tmp_path).mkdir()
    (runs_dir(tmp_path) / LATEST).write_text(json.dumps({"verdict": "passed"}), encoding="utf-8")
    assert latest_run(tmp_path) == {"verdict": "passed"}
    assert read_run(tmp_path, SERVED) is None


def test_a_damaged_or_foreign_file_reads_as_none(tmp_path: Path) -> None:
    runs_dir(tmp_path).mkdir()
    (runs_dir(tmp_path) / LATEST).write_text("{not json", encoding="utf-8")
    assert latest_run(tmp_path) is None
    (runs_dir(tmp_path) / LATEST).write_text("[1, 2]", encoding="utf-8")
    assert latest_run(tmp_path) is None
