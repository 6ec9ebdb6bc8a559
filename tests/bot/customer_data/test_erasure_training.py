"""Examples out of training files, line by line, and the retrain flag (no database)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from bot.customer_data.erasure_training import (
    clear_retrain_flag,
    example_key,
    flag_retrain,
    remove_examples,
    retrain_reasons,
)

NLU = """version: "3.1"
# - where is my parcel (a comment, not an example)
nlu:
- intent: order_status
  examples: |
    - Where is   my PARCEL
    - has it shipped yet
- intent: greet
  examples: |-
    - hello
    - where is my parcel
- synonym: parcel
  examples: |
    - package
"""
NOW = datetime(2026, 12, 5, tzinfo=timezone.utc)


def test_only_example_lines_inside_examples_blocks_go(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nlu" / "service" / "order_status.yml"
    path.parent.mkdir(parents=True)
    path.write_text(NLU, encoding="utf-8")
    removed = remove_examples(tmp_path / "data", ["where is my parcel"])
    assert removed == {"data/nlu/service/order_status.yml": 2}
    text = path.read_text(encoding="utf-8")
    assert "# - where is my parcel (a comment" in text
    assert "PARCEL" not in text and "    - hello\n- synonym" in text
    assert text.count("\n") == NLU.count("\n") - 2


def test_the_key_is_the_text_as_data_files_writes_it() -> None:
    assert example_key("  - Where is\tmy  parcel ") == "where is my parcel"
    assert example_key("x" * 600) == "x" * 500


def test_nothing_to_remove_changes_no_file(tmp_path: Path) -> None:
    path = tmp_path / "data" / "a.yml"
    path.parent.mkdir(parents=True)
    path.write_text(NLU, encoding="utf-8")
    before = path.stat().st_mtime_ns
    assert remove_examples(tmp_path / "data", ["never said"]) == {}
    assert remove_examples(None, ["where is my parcel"]) == {}
    assert path.stat().st_mtime_ns == before


def test_the_retrain_flag_keeps_each_reason_until_cleared(tmp_path: Path) -> None:
    assert retrain_reasons(tmp_path) == []
    flag_retrain(tmp_path, reason="erasure ERASED-1 removed 1 example(s)", now=NOW)
    flag_retrain(tmp_path, reason="erasure ERASED-2\nremoved 2", now=NOW)
    assert retrain_reasons(tmp_path) == [
        f"{NOW.isoformat()} erasure ERASED-1 removed 1 example(s)",
        f"{NOW.isoformat()} erasure ERASED-2 removed 2",
    ]
    clear_retrain_flag(tmp_path)
    assert retrain_reasons(tmp_path) == []
