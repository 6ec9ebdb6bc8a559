"""The labels' data change committed where the data is in a git repository."""

from __future__ import annotations

import subprocess
from functools import partial

from bot.trainer.data_files import Workspace
from tests.tools.retrain.factories import BEFORE
from tools.retrain.gate import Metrics
from tools.retrain.record import Outcome
from tools.retrain.workspace import git_commit


def test_accepted_data_is_committed_where_it_is_a_git_repository(workspace: Workspace) -> None:
    outcome = Outcome(True, "ok", BEFORE, Metrics(0.91, 0.96, 101), changes=[{"text": "x"}])
    assert git_commit(workspace, "tina", outcome) is None  # not a repository: the table only
    git = partial(subprocess.run, cwd=workspace.root, check=True, capture_output=True)
    git(["git", "init", "-q"])
    git(["git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "."])
    git(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start"])
    (workspace.nlu / "informative" / "greet.yml").write_text(
        (workspace.nlu / "informative" / "greet.yml").read_text() + "    - yo yo\n"
    )
    commit = git_commit(workspace, "tina", outcome)
    assert commit is not None
    log = git(["git", "log", "-1", "--format=%an%n%B"], text=True).stdout
    assert log.startswith("tina\nTraining data: 1 label(s) from the review inbox by tina")
    assert "intent accuracy 0.9000 -> 0.9100" in log
