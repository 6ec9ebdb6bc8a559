"""After a Rasa upgrade: what changed in each Rasa function our patches were reviewed against.

`python -m tools.rasa_upgrade_check` (`make rasa-upgrade-check`) compares, for every patch in
bot/rasa_patches (and every function a patch relies on without replacing it), the source of
the installed Rasa's function with the text kept in bot/rasa_patches/upstream/ when the
patch was reviewed. It prints OK, or a unified diff of what Rasa changed, per function, and
exits 1 on any change, so a maintainer reviews the patch against the diff instead of meeting
a bare hash mismatch. After the review: replace the kept text with the new source and the
patch's `sha256` with its hash (both printed with `--update-hints`).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import inspect
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.rasa_patches.base import UPSTREAM, Patch, Reviewed, upstream_path
from bot.rasa_patches.registry import PATCHES


@dataclass(frozen=True)
class Finding:
    """One reviewed function: what the installed Rasa has against what was kept."""

    patch: Patch
    reviewed: Reviewed
    kept: str | None  # None: no kept text
    installed: str | None  # None: the installed Rasa has no such function

    @property
    def unchanged(self) -> bool:
        return self.kept is not None and self.kept == self.installed

    @property
    def kept_matches_hash(self) -> bool:
        kept = (self.kept or "").encode()
        return hashlib.sha256(kept).hexdigest() == self.reviewed.sha256


def installed_source(reviewed: Reviewed) -> str | None:
    try:
        return inspect.getsource(reviewed.rasa())
    except (AttributeError, ImportError, OSError, TypeError):
        return None


def kept_source(reviewed: Reviewed, folder: Path) -> str | None:
    path = upstream_path(reviewed.label, folder)
    return path.read_text() if path.exists() else None


def findings(folder: Path = UPSTREAM) -> list[Finding]:
    return [
        Finding(patch, reviewed, kept_source(reviewed, folder), installed_source(reviewed))
        for patch in PATCHES
        for reviewed in patch.reviewed
    ]


def report(finding: Finding) -> list[str]:
    """The lines printed for one function."""
    module = finding.patch.replacement.__module__.rsplit(".", 1)[-1]
    name = f"{finding.reviewed.label} ({module}, {finding.patch.kind})"
    if finding.installed is None:
        return [f"GONE     {name}: the installed Rasa has no such function"]
    if finding.kept is None:
        return [f"MISSING  {name}: no kept text in upstream/"]
    if finding.unchanged:
        lines = [f"OK       {name}"]
        if not finding.kept_matches_hash:
            lines.append("         but the kept text is not the one the patch declares (sha256)")
        return lines
    diff = difflib.unified_diff(
        finding.kept.splitlines(keepends=True),
        finding.installed.splitlines(keepends=True),
        fromfile=f"reviewed/{finding.reviewed.label}",
        tofile=f"installed/{finding.reviewed.label}",
    )
    return [f"CHANGED  {name}", "".join(diff).rstrip("\n")]


def update_hint(finding: Finding) -> str:
    digest = hashlib.sha256((finding.installed or "").encode()).hexdigest()
    return f"         new sha256 after review: {digest}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.rasa_upgrade_check")
    parser.add_argument("--upstream", type=Path, default=UPSTREAM, help="the kept sources")
    parser.add_argument("--update-hints", action="store_true", help="print new hashes")
    args = parser.parse_args(argv)
    results = findings(args.upstream)
    for finding in results:
        print("\n".join(report(finding)))
        if args.update_hints and not finding.unchanged and finding.installed is not None:
            print(update_hint(finding))
    changed = [f for f in results if not f.unchanged or not f.kept_matches_hash]
    print(f"{len(results) - len(changed)} of {len(results)} reviewed Rasa functions unchanged.")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
