"""The trainers' labels into a workspace's data, and the change committed where it is in git.

The same `apply_labels` changes a scratch copy first (what the gate measures) and the real data
once the candidate is accepted, so what was measured is what is kept. The commit names the
trainer as author, so `git log` of the data says who taught the model what.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from bot.trainer.data_files import Workspace, add_examples, create_intent
from bot.trainer.retrain import Label
from tools.retrain.candidate import STORIES
from tools.retrain.record import Outcome


def apply_labels(workspace: Workspace, labels: Sequence[Label]) -> None:
    """Each label as an example of its intent; an intent a trainer created gets its file."""
    by_intent: dict[str, list[Label]] = defaultdict(list)
    for label in labels:
        by_intent[label.intent].append(label)
    known = workspace.intents()
    for intent, group in by_intent.items():
        texts = [label.text for label in group]
        new_type = next((label.new_type for label in group if label.new_type), None)
        if intent not in known and new_type:
            create_intent(workspace, intent, new_type, texts)
        else:
            add_examples(workspace, intent, texts)


def copy_workspace(workspace: Workspace, target: Path) -> Workspace:
    """What training and the tests read (data, domain, config, regressions, stories)."""
    shutil.copytree(workspace.data, target / "data")
    for path in (
        workspace.domain,
        workspace.config,
        workspace.regressions,
        workspace.root / STORIES,
    ):
        if path.is_file():
            destination = target / path.relative_to(workspace.root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, destination)
    return Workspace(target)


def git_commit(workspace: Workspace, who: str, outcome: Outcome) -> str | None:
    """Commit the data change where the data is in a git repository; the commit's hash."""
    root = workspace.root
    if _git(root, "rev-parse", "--is-inside-work-tree").stdout.strip() != "true":
        return None
    paths = [
        str(p.relative_to(root))
        for p in (workspace.data, workspace.domain, workspace.regressions)
        if p.exists()
    ]
    _git(root, "add", "--", *paths)
    done = _git(root, "commit", "-q", "-m", _message(who, outcome), "--", *paths, author=who)
    if done.returncode != 0:
        return None
    return _git(root, "rev-parse", "HEAD").stdout.strip() or None


def _message(who: str, outcome: Outcome) -> str:
    before, after = outcome.before, outcome.after
    deltas = ""
    if before and after:
        deltas = (
            f"\n\nintent accuracy {before.intent_accuracy:.4f} -> {after.intent_accuracy:.4f}\n"
            f"conflict recall {before.conflict_recall:.4f} -> {after.conflict_recall:.4f}"
        )
    return f"Training data: {len(outcome.changes)} label(s) from the review inbox by {who}{deltas}"


def _git(root: Path, *args: str, author: str | None = None) -> subprocess.CompletedProcess[str]:
    env = None
    if author is not None:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": author,
            "GIT_COMMITTER_NAME": author,
            "GIT_AUTHOR_EMAIL": f"{author}@trainer.local",
            "GIT_COMMITTER_EMAIL": f"{author}@trainer.local",
        }
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=False, env=env
    )
