"""Results cache for the baseline: a run's result, keyed by what could change it.

The key is the sha256 of the data's bytes, the fitted config's text and the options that
pick and split the data, plus the Rasa and Python versions. File paths are left out: the
same data read from elsewhere is the same benchmark.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rasa.version import __version__ as rasa_version

CACHE_VERSION = 1  # bump when a metric's definition changes


def _hash_path(digest: Any, path: Path) -> None:
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(str(file.relative_to(path)).encode() + b"\0")
            digest.update(file.read_bytes())
    elif path.is_file():
        digest.update(path.read_bytes())
    else:
        digest.update(b"<missing>")


def data_digest(paths: Iterable[Path]) -> str:
    """sha256 over the bytes of every file under `paths`, in order."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(b"\0<path>\0")
        _hash_path(digest, path)
    return digest.hexdigest()


def cache_key(data: str, config_text: str, options: Mapping[str, Any]) -> str:
    """sha256 of (data digest, config text, options, versions)."""
    payload = {
        "version": CACHE_VERSION,
        "data": data,
        "config": config_text,
        "options": options,
        "rasa": rasa_version,
        "python": platform.python_version(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def read_cached(cache_dir: Path, key: str) -> dict[str, Any] | None:
    """The stored result for `key`, or None (a damaged entry counts as none)."""
    path = cache_dir / f"{key}.json"
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) else None


def write_cached(cache_dir: Path, key: str, result: Mapping[str, Any]) -> Path:
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / f"{key}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return path
