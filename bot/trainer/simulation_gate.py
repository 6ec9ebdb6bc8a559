"""The simulation gate's stored runs, as the trainer page reads them.

`cim train`'s simulation gate (tools/retrain/simulation_gate.py) plays the simulated customers
against a candidate model and keeps each run as JSON in `<models>/simulation/`: `served.json`
(the served model's run, the next comparison's baseline) and `latest.json` (the last run
played, whichever model, with its failing conversations). The gate is tooling; the console
only reads, so the file names and the reading live here, on the runtime side.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SERVED, LATEST = "served.json", "latest.json"


def runs_dir(models_dir: Path) -> Path:
    return models_dir / "simulation"


def read_run(models_dir: Path, name: str) -> dict[str, Any] | None:
    """A stored run (`SERVED` or `LATEST`), or None when it is missing or unreadable."""
    try:
        loaded = json.loads((runs_dir(models_dir) / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def latest_run(models_dir: Path) -> dict[str, Any] | None:
    """The last simulation run the gate played (for the trainer page), or None."""
    return read_run(models_dir, LATEST)
