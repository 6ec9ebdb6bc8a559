#!/usr/bin/env python3
"""`make audit`: known advisories for every pinned package, or a clear "not checked".

Python: pip-audit (installed on demand into its own venv, var/tools/pip-audit, never into the
product's) against requirements.lock. JavaScript: `npm audit` against widget/package-lock.json.

Both ask an advisory service over the network. A pin the service could not answer for is
NOT CHECKED, never silently clean: pip-audit itself reports "No known vulnerabilities found"
(exit 0) when PyPI answers "not found" for every package. What the live services could not
check is looked up in the vendored snapshot (scripts/advisories/, written by
`make audit-snapshot` where the services answer), for the same name and version only.

Exit status: 0 every pin checked and none has an advisory; 1 advisories found;
3 something was not checked (whatever else was found). Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
WIDGET = ROOT / "widget"
SNAPSHOTS = ROOT / "scripts" / "advisories"
TOOL_VENV = ROOT / "var" / "tools" / "pip-audit"
PIP_AUDIT_VERSION = "2.10.1"
TIMEOUT_SECONDS = 900
EXIT_CLEAN, EXIT_ADVISORIES, EXIT_NOT_CHECKED = 0, 1, 3


@dataclass(frozen=True)
class Advisory:
    package: str
    version: str
    ids: tuple[str, ...]  # the advisory's id first, then its aliases (CVE-…, GHSA-…)
    fixed_in: tuple[str, ...]
    source: str  # "live" or "snapshot <date>"


@dataclass
class Audit:
    """One ecosystem's outcome: what was checked, what was found, what could not be."""

    name: str
    checked: set[str] = field(default_factory=set)
    advisories: list[Advisory] = field(default_factory=list)
    not_checked: dict[str, str] = field(default_factory=dict)  # pin -> why

    @property
    def status(self) -> int:
        if self.not_checked:
            return EXIT_NOT_CHECKED
        return EXIT_ADVISORIES if self.advisories else EXIT_CLEAN


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(lock: Path) -> dict[str, str]:
    """`name==version` lines of a pip lock file, by normalised name."""
    pins = {}
    for line in lock.read_text().splitlines():
        found = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)", line)
        if found:
            pins[normalise(found.group(1))] = found.group(2)
    return pins


def pip_audit_results(report: Mapping[str, object]) -> tuple[dict[str, dict], dict[str, str]]:
    """pip-audit's JSON: the dependencies it checked (by name), and those it skipped (why)."""
    checked, skipped = {}, {}
    for dependency in report.get("dependencies", []):  # type: ignore[union-attr]
        name = normalise(str(dependency["name"]))
        if dependency.get("skip_reason"):
            skipped[name] = str(dependency["skip_reason"])
        else:
            checked[name] = dependency
    return checked, skipped


def _advisories(entry: Mapping[str, object], source: str) -> list[Advisory]:
    return [
        Advisory(
            package=normalise(str(entry["name"])),
            version=str(entry["version"]),
            ids=(str(vuln["id"]), *(str(a) for a in vuln.get("aliases", []))),
            fixed_in=tuple(str(v) for v in vuln.get("fix_versions", [])),
            source=source,
        )
        for vuln in entry.get("vulns", [])  # type: ignore[union-attr]
    ]


def python_audit(
    pins: Mapping[str, str],
    live: Mapping[str, object] | None,
    why_not_live: str,
    snapshot: Mapping[str, object] | None,
) -> Audit:
    """Every pin: from the live report, else from the snapshot (same version), else not
    checked, with the reason."""
    audit = Audit("Python (requirements.lock)")
    checked, skipped = pip_audit_results(live) if live is not None else ({}, {})
    snap_checked, _ = pip_audit_results(snapshot) if snapshot is not None else ({}, {})
    made = str(snapshot.get("made", "?")) if snapshot is not None else ""
    for name, version in sorted(pins.items()):
        entry, source = checked.get(name), "live"
        if entry is None or str(entry.get("version")) != version:
            entry, source = snap_checked.get(name), f"snapshot {made}"
        if entry is None or str(entry.get("version")) != version:
            audit.not_checked[f"{name}=={version}"] = skipped.get(name) or why_not_live
            continue
        audit.checked.add(f"{name}=={version}")
        audit.advisories += _advisories(entry, source)
    return audit


def lock_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def npm_audit(
    lock: Path,
    live: Mapping[str, object] | None,
    why_not_live: str,
    snapshot: Mapping[str, object] | None,
) -> Audit:
    """npm audit's JSON (v7+) for the whole tree; a snapshot counts only for the same lock."""
    audit = Audit("JavaScript (widget/package-lock.json)")
    report, source = live, "live"
    if report is None and snapshot is not None and snapshot.get("lock_sha256") == lock_digest(lock):
        report, source = snapshot.get("report"), f"snapshot {snapshot.get('made', '?')}"
    if not isinstance(report, Mapping) or "vulnerabilities" not in report:
        audit.not_checked[lock.name] = why_not_live
        return audit
    audit.checked.add(lock.name)
    for name, vuln in report["vulnerabilities"].items():  # type: ignore[union-attr]
        via = [v for v in vuln.get("via", []) if isinstance(v, dict)]
        ids = [str(v.get("url", v.get("source"))) for v in via]
        fix = vuln.get("fixAvailable")
        audit.advisories.append(
            Advisory(
                package=str(name),
                version=str(vuln.get("range", "?")),
                ids=tuple(ids) or (str(vuln.get("severity", "?")),),
                fixed_in=(str(fix.get("version")),) if isinstance(fix, dict) else (),
                source=source,
            )
        )
    return audit


def report(audits: Sequence[Audit]) -> tuple[str, int]:
    """The text `make audit` prints, and its exit status."""
    lines = [f"Dependency audit, {dt.date.today().isoformat()}"]
    for audit in audits:
        lines.append(
            f"\n{audit.name}: {len(audit.checked)} checked, {len(audit.not_checked)} NOT CHECKED, "
            f"{len(audit.advisories)} advisories"
        )
        lines += [
            f"  ADVISORY {a.package} {a.version}: {', '.join(a.ids)}"
            + (f" (fixed in {', '.join(a.fixed_in)})" if a.fixed_in else " (no fix listed)")
            + f" [{a.source}]"
            for a in audit.advisories
        ]
        lines += _not_checked_lines(audit.not_checked)
    status = max(audit.status for audit in audits)
    lines.append(
        "\n"
        + {
            EXIT_CLEAN: "RESULT: every pin checked; no known advisories.",
            EXIT_ADVISORIES: "RESULT: every pin checked; advisories found (above).",
            EXIT_NOT_CHECKED: "RESULT: NOT CHECKED in part or in full (above). This is not a pass.",
        }[status]
    )
    return "\n".join(lines), status


def _not_checked_lines(not_checked: Mapping[str, str], shown: int = 5) -> list[str]:
    by_reason: dict[str, list[str]] = {}
    for pin, why in not_checked.items():
        # pip-audit names the pin in each reason ("…: absl-py (1.4.0)"); one line per reason
        by_reason.setdefault(re.sub(r": \S+ \([^)]*\)$", "", why), []).append(pin)
    return [
        f"  NOT CHECKED ({len(pins)}): {why}: {', '.join(pins[:shown])}"
        + (f" and {len(pins) - shown} more" if len(pins) > shown else "")
        for why, pins in by_reason.items()
    ]


# --- running the tools ---------------------------------------------------------------------------


def _run(argv: Sequence[str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(argv), cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_SECONDS
    )


def pip_audit_binary() -> tuple[Path | None, str]:
    """pip-audit in its own venv, installed on first use; (None, why) if that failed."""
    binary = TOOL_VENV / "bin" / "pip-audit"
    if binary.exists():
        return binary, ""
    made = _run([sys.executable, "-m", "venv", str(TOOL_VENV)])
    if made.returncode == 0:
        made = _run(
            [
                str(TOOL_VENV / "bin" / "pip"),
                "install",
                "--quiet",
                f"pip-audit=={PIP_AUDIT_VERSION}",
            ]
        )
    if made.returncode != 0 or not binary.exists():
        why = made.stderr.strip()[-300:]
        return None, f"could not install pip-audit {PIP_AUDIT_VERSION}: {why}"
    return binary, ""


def live_pip_audit(lock: Path) -> tuple[dict | None, str]:
    binary, why = pip_audit_binary()
    if binary is None:
        return None, why
    done = _run(
        [
            str(binary),
            "-r",
            str(lock),
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
            "--vulnerability-service",
            "pypi",
        ]
    )
    try:
        return json.loads(done.stdout), "the advisory service did not answer for it"
    except json.JSONDecodeError:
        return None, f"pip-audit failed (exit {done.returncode}): {done.stderr.strip()[-300:]}"


def live_npm_audit(widget: Path) -> tuple[dict | None, str]:
    try:
        done = _run(["npm", "audit", "--json", "--package-lock-only"], cwd=widget)
    except FileNotFoundError:
        return None, "npm is not installed"
    try:
        answer = json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        return None, f"npm audit failed (exit {done.returncode})"
    if "vulnerabilities" not in answer:
        return None, "npm audit could not reach the advisory service: " + str(
            answer.get("message") or answer.get("error") or done.stderr.strip()[-300:]
        )
    return answer, ""


def _load(path: Path) -> dict | None:
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None


def write_snapshots(
    python: Mapping[str, object] | None,
    npm: Mapping[str, object] | None,
    widget_lock: Path,
    directory: Path = SNAPSHOTS,
) -> list[str]:
    """Keep what the live services checked, for offline runs; what was written."""
    directory.mkdir(parents=True, exist_ok=True)
    made, written = dt.date.today().isoformat(), []
    if python is not None:
        checked, _ = pip_audit_results(python)
        if checked:
            data = {
                "made": made,
                "tool": f"pip-audit {PIP_AUDIT_VERSION} (PyPI)",
                "dependencies": sorted(checked.values(), key=lambda d: str(d["name"])),
            }
            (directory / "pypi.json").write_text(json.dumps(data, indent=1) + "\n")
            written.append(f"pypi.json ({len(checked)} pins)")
    if npm is not None:
        data = {"made": made, "lock_sha256": lock_digest(widget_lock), "report": npm}
        (directory / "npm.json").write_text(json.dumps(data, indent=1) + "\n")
        written.append("npm.json")
    return written


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--refresh-snapshot",
        action="store_true",
        help="also write what the live services checked to scripts/advisories/",
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    widget_lock = WIDGET / "package-lock.json"
    python_live, python_why = live_pip_audit(LOCK)
    npm_live, npm_why = live_npm_audit(WIDGET)
    audits = [
        python_audit(read_pins(LOCK), python_live, python_why, _load(SNAPSHOTS / "pypi.json")),
        npm_audit(widget_lock, npm_live, npm_why, _load(SNAPSHOTS / "npm.json")),
    ]
    text, status = report(audits)
    print(text)
    if args.refresh_snapshot:
        written = write_snapshots(python_live, npm_live, widget_lock)
        kept = "nothing was checked live; the snapshot is kept as it was"
        print("snapshot: " + (", ".join(written) if written else kept))
    return status


if __name__ == "__main__":
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    sys.exit(main())
