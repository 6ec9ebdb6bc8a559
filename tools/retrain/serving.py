"""The served model: its files in the models directory and the running server that loads them.

`current.tar.gz` is served, `previous.tar.gz` is what a rollback brings back, and `history/`
keeps every model ever installed. Files are swapped with `os.replace`, so a reader never sees a
half-written model, and one lock file lets a single training or rollback at a time touch them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from bot.store.columns import utcnow

CURRENT, PREVIOUS = "current.tar.gz", "previous.tar.gz"


class TrainingBusy(RuntimeError):
    """Another training holds the lock."""


@dataclass(frozen=True)
class ModelServer:
    url: str
    token: str

    def load(self, model: Path, timeout: float = 300.0) -> None:
        """Rasa's `PUT /model`: conversations and their trackers carry on."""
        response = requests.put(
            f"{self.url}/model",
            params={"token": self.token},
            json={"model_file": str(model.resolve())},
            timeout=timeout,
        )
        if response.status_code != 204:
            raise RuntimeError(
                f"the server refused the model: {response.status_code} {response.text[:300]}"
            )


def install(model: Path, models_dir: Path) -> Path:
    """`model` becomes the current one, the current one the previous; a copy goes to history."""
    current, previous = models_dir / CURRENT, models_dir / PREVIOUS
    staged = models_dir / ".incoming.tar.gz"
    shutil.copy(model, staged)
    if current.is_file():
        os.replace(current, previous)
    os.replace(staged, current)
    history = models_dir / "history"
    history.mkdir(exist_ok=True)
    shutil.copy(current, history / f"{utcnow():%Y%m%dT%H%M%S}.tar.gz")
    return current


def swap_previous(models_dir: Path) -> Path | None:
    """The previous model current again (and the current one kept as previous), or None."""
    current, previous = models_dir / CURRENT, models_dir / PREVIOUS
    if not previous.is_file():
        return None
    swap = models_dir / ".swap.tar.gz"
    os.replace(current, swap)
    os.replace(previous, current)
    os.replace(swap, previous)
    return current


@contextlib.contextmanager
def training_lock(models_dir: Path) -> Iterator[None]:
    """Held for a whole training or rollback; a second one raises `TrainingBusy` at once."""
    models_dir.mkdir(parents=True, exist_ok=True)
    with open(models_dir / ".training.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise TrainingBusy("another training is running") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
