"""The upgrade check: OK for the installed Rasa, a diff and exit 1 when a function changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.rasa_patches.base import UPSTREAM
from tools.rasa_upgrade_check import main


@pytest.fixture
def kept(tmp_path: Path) -> Path:
    """A copy of the kept upstream sources, for a test to change."""
    folder = tmp_path / "upstream"
    shutil.copytree(UPSTREAM, folder)
    return folder


def test_the_installed_rasa_matches_every_kept_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.count("\nOK ") + out.startswith("OK ") == 14
    assert "14 of 14 reviewed Rasa functions unchanged." in out


def test_a_changed_function_prints_its_diff_and_fails(
    kept: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = kept / "DaskGraphRunner.run.py.txt"
    text.write_text(
        text.read_text().replace("        try:\n", "        # reviewed\n        try:\n", 1)
    )

    assert main(["--upstream", str(kept), "--update-hints"]) == 1

    out = capsys.readouterr().out
    assert "CHANGED  DaskGraphRunner.run (graph_runner, speed)" in out
    assert "--- reviewed/DaskGraphRunner.run" in out and "+++ installed/DaskGraphRunner.run" in out
    assert "\n-        # reviewed\n" in out
    assert "new sha256 after review: 45f0f52f574f3aa9" in out
    assert "OK       Domain.is_empty (domain_is_empty, speed)" in out
    assert "13 of 14 reviewed Rasa functions unchanged." in out


def test_a_missing_kept_source_fails(kept: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (kept / "EndpointConfig.request.py.txt").unlink()
    assert main(["--upstream", str(kept)]) == 1
    assert "MISSING  EndpointConfig.request (action_sessions, speed)" in capsys.readouterr().out
