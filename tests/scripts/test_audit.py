"""scripts/audit.py (`make audit`): what could not be checked is never reported clean.

The tools' JSON reports are fakes of their documented shapes (pip-audit's `--format json`,
npm audit's v7+ `--json`); the first is what pip-audit printed on this machine, where PyPI's
advisory API answers "not found" for every package and pip-audit exits 0."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bot.settings import PROJECT_ROOT


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit", PROJECT_ROOT / "scripts" / "audit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


audit = _load()
PINS = {"aiohttp": "3.9.5", "sanic": "21.12.2"}
VULN = {"id": "GHSA-xxxx", "aliases": ["CVE-2099-1"], "fix_versions": ["3.9.9"]}


def pip_report(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"dependencies": list(entries), "fixes": []}


def skipped(name: str, version: str) -> dict[str, Any]:
    reason = f"Dependency not found on PyPI and could not be audited: {name} ({version})"
    return {"name": name, "version": version, "skip_reason": reason}


def test_pins_that_the_service_skipped_are_not_checked_never_clean() -> None:
    live = pip_report(skipped("aiohttp", "3.9.5"), skipped("sanic", "21.12.2"))
    result = audit.python_audit(PINS, live, "unused", None)
    assert result.checked == set() and len(result.not_checked) == 2
    text, status = audit.report([result])
    assert status == audit.EXIT_NOT_CHECKED
    assert "NOT CHECKED (2)" in text and "This is not a pass" in text


def test_no_tool_at_all_is_not_checked_either() -> None:
    result = audit.python_audit(PINS, None, "could not install pip-audit 2.10.1: offline", None)
    assert set(result.not_checked.values()) == {"could not install pip-audit 2.10.1: offline"}
    assert audit.report([result])[1] == audit.EXIT_NOT_CHECKED


def test_advisories_are_listed_with_their_fix() -> None:
    live = pip_report(
        {"name": "aiohttp", "version": "3.9.5", "vulns": [VULN]},
        {"name": "sanic", "version": "21.12.2", "vulns": []},
    )
    result = audit.python_audit(PINS, live, "", None)
    text, status = audit.report([result])
    assert status == audit.EXIT_ADVISORIES
    assert "ADVISORY aiohttp 3.9.5: GHSA-xxxx, CVE-2099-1 (fixed in 3.9.9) [live]" in text


def test_the_snapshot_fills_in_for_the_same_version_only() -> None:
    live = pip_report(skipped("aiohttp", "3.9.5"), skipped("sanic", "21.12.2"))
    snapshot = {
        "made": "2026-01-01",
        "dependencies": [
            {"name": "aiohttp", "version": "3.9.5", "vulns": [VULN]},
            {"name": "sanic", "version": "21.12.1", "vulns": []},  # another version
        ],
    }
    result = audit.python_audit(PINS, live, "", snapshot)
    assert result.checked == {"aiohttp==3.9.5"} and list(result.not_checked) == ["sanic==21.12.2"]
    assert result.advisories[0].source == "snapshot 2026-01-01"
    assert audit.report([result])[1] == audit.EXIT_NOT_CHECKED


def test_every_pin_checked_and_clean_passes() -> None:
    live = pip_report(
        {"name": "aiohttp", "version": "3.9.5", "vulns": []},
        {"name": "Sanic", "version": "21.12.2", "vulns": []},
    )
    assert audit.report([audit.python_audit(PINS, live, "", None)])[1] == audit.EXIT_CLEAN


def test_npm_uses_a_snapshot_of_the_same_lock_only(tmp_path: Path) -> None:
    lock = tmp_path / "package-lock.json"
    lock.write_text('{"lockfileVersion": 3}')
    found = {"vulnerabilities": {"esbuild": {"range": "<0.25", "via": [{"url": "GHSA-e"}]}}}
    same = {"made": "2026-01-01", "lock_sha256": audit.lock_digest(lock), "report": found}
    result = audit.npm_audit(lock, None, "405 from the registry", same)
    assert result.checked == {"package-lock.json"} and result.advisories[0].ids == ("GHSA-e",)
    other = {**same, "lock_sha256": "0" * 64}
    stale = audit.npm_audit(lock, None, "405 from the registry", other)
    assert stale.not_checked == {"package-lock.json": "405 from the registry"}


def test_a_snapshot_written_live_is_read_back_offline(tmp_path: Path) -> None:
    lock = tmp_path / "package-lock.json"
    lock.write_text("{}")
    live = pip_report(
        {"name": "aiohttp", "version": "3.9.5", "vulns": [VULN]}, skipped("sanic", "21.12.2")
    )
    written = audit.write_snapshots(live, {"vulnerabilities": {}}, lock, tmp_path)
    assert written == ["pypi.json (1 pins)", "npm.json"]
    snapshot = json.loads((tmp_path / "pypi.json").read_text())
    offline = audit.python_audit({"aiohttp": "3.9.5"}, None, "offline", snapshot)
    assert offline.checked == {"aiohttp==3.9.5"} and offline.advisories[0].ids[0] == "GHSA-xxxx"


def test_the_lock_files_pins_are_read() -> None:
    pins = audit.read_pins(PROJECT_ROOT / "requirements.lock")
    assert pins["rasa"] == "3.6.21" and pins["rasa-sdk"] == "3.6.2" and len(pins) > 100


@pytest.mark.parametrize("line", ["# comment==1", "-e .", "", "--hash=sha256:abc"])
def test_lines_that_are_not_pins_are_skipped(tmp_path: Path, line: str) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"{line}\nPyYAML==6.0.4\n")
    assert audit.read_pins(lock) == {"pyyaml": "6.0.4"}
