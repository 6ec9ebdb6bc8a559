"""Training examples that came from an erased customer: out of the data, and a retrain flagged.

A trainer's label puts the inbox item's (redacted) text into `data/nlu/<type>/<intent>.yml`
and into the NLU regression file (bot/trainer/data_files.py). Erasure takes those lines out
again, line by line inside the `examples: |` blocks only, so every other byte of the files
(comments, order, style) stays as the trainers left it; each file is replaced atomically.

The model in use was trained on them (its word-count vocabulary may hold a typed name), so the
next retraining is flagged: `data/.retrain-needed` gets a line per erasure saying why.
`retrain_reasons` reads it for the trainer page and `cim train`; a successful retraining
removes it with `clear_retrain_flag`. Rasa never reads it (not a .yml file).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Collection
from datetime import datetime
from pathlib import Path

from bot.trainer.data_files import MAX_EXAMPLE_CHARS, Workspace

RETRAIN_FLAG = ".retrain-needed"
_BLOCK_START = re.compile(r"^(\s*)(?:-\s+)?examples:\s*\|[-+]?\s*$")
_LEADING_MARKS = re.compile(r"^[\s\-#|>]+")  # what data_files strips from a new example


def example_key(text: str) -> str:
    """The text as data_files writes it (one line, no leading marks, capped), case-folded."""
    line = _LEADING_MARKS.sub("", " ".join(text.split())[:MAX_EXAMPLE_CHARS])
    return " ".join(line.casefold().split())


def remove_examples(data_dir: Path | None, texts: Collection[str]) -> dict[str, int]:
    """Take every example equal to one of `texts` out of the training files and the
    regression file; per file changed (relative to the data's parent), the lines removed."""
    wanted = {example_key(t) for t in texts} - {""}
    if data_dir is None or not wanted:
        return {}
    workspace = Workspace(data_dir.parent)
    files = sorted([*data_dir.rglob("*.yml"), *data_dir.rglob("*.yaml")])
    removed: dict[str, int] = {}
    for path in [*files, workspace.regressions]:
        count = _remove_from(path, wanted) if path.is_file() else 0
        if count:
            removed[path.relative_to(workspace.root).as_posix()] = count
    return removed


def _remove_from(path: Path, wanted: set[str]) -> int:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line, drop in zip(lines, _marks(lines, wanted), strict=True) if not drop]
    if len(kept) != len(lines):
        _replace(path, "".join(kept))
    return len(lines) - len(kept)


def _marks(lines: list[str], wanted: set[str]) -> list[bool]:
    """For each line: an example line, inside an `examples: |` block, whose text is wanted."""
    marks, block_indent = [], None
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if block_indent is not None and line.strip() and indent <= block_indent:
            block_indent = None
        stripped = line.strip()
        inside = block_indent is not None and stripped.startswith("-")
        marks.append(inside and example_key(stripped[1:]) in wanted)
        if (start := _BLOCK_START.match(line)) is not None:
            block_indent = len(start.group(1))
    return marks


def _replace(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def flag_retrain(data_dir: Path, *, reason: str, now: datetime) -> Path:
    """Append why the next retraining is needed to `data/.retrain-needed`."""
    path = data_dir / RETRAIN_FLAG
    with path.open("a", encoding="utf-8") as out:
        out.write(f"{now.isoformat()} {' '.join(reason.split())}\n")
    return path


def retrain_reasons(data_dir: Path) -> list[str]:
    """Why a retraining is due (empty: none flagged)."""
    path = data_dir / RETRAIN_FLAG
    if not path.is_file():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def clear_retrain_flag(data_dir: Path) -> None:
    (data_dir / RETRAIN_FLAG).unlink(missing_ok=True)
