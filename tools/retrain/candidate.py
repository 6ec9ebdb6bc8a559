"""The candidate model: trained from the changed workspace, then tested as a whole.

Cross-validation (gate.py) scores the NLU alone; these checks run the trained model itself.
The conversation tests (`rasa test core --fail-on-prediction-errors`) must pass, and every NLU
regression example (each label accepted so far) must still parse to its intent, so a new label
can't silently undo an old one. Rasa runs in a subprocess for training and the tests, so a
crash or a leak there never takes the job down with it.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from bot.trainer.data_files import Workspace, regressions

STORIES = Path("tests") / "conversations" / "test_stories.yml"


def train(workspace: Workspace, out: Path) -> Path:
    _run(
        [
            _rasa(),
            "train",
            "--config",
            str(workspace.config),
            "--domain",
            str(workspace.domain),
            "--data",
            str(workspace.data),
            "--out",
            str(out),
            "--fixed-model-name",
            "candidate",
        ],
        cwd=workspace.root,
        what="training",
    )
    return out / "candidate.tar.gz"


def conversation_tests(workspace: Workspace, model: Path) -> str | None:
    """Why the conversation tests failed, or None (also when the workspace has none)."""
    stories = workspace.root / STORIES
    if not stories.is_file():
        return None
    try:
        _run(
            [
                _rasa(),
                "test",
                "core",
                "--stories",
                str(stories),
                "--model",
                str(model),
                "--fail-on-prediction-errors",
                "--no-plot",
                "--out",
                str(model.parent / "core-results"),
            ],
            cwd=workspace.root,
            what="the conversation tests",
        )
    except RuntimeError as error:
        return f"the conversation tests failed: {str(error)[-500:]}"
    return None


def regression_failures(workspace: Workspace, model: Path) -> str | None:
    """The NLU regression examples the model parses to another intent, or None."""
    cases = regressions(workspace)
    if not cases:
        return None
    from tools.evaluation.crossval import rasa_output_on_stderr  # Rasa: loaded when used

    with rasa_output_on_stderr():
        wrong = asyncio.run(_misparsed(model, cases))
    if not wrong:
        return None
    shown = "; ".join(f"{text!r} should be {want}, got {got}" for text, want, got in wrong[:5])
    return f"{len(wrong)} NLU regression example(s) failed: {shown}"


async def _misparsed(
    model: Path, cases: list[tuple[str, str]]
) -> list[tuple[str, str, str | None]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    wrong = []
    for text, intent in cases:
        parsed = await agent.parse_message(text)
        got = (parsed.get("intent") or {}).get("name")
        if got != intent:
            wrong.append((text, intent, got))
    return wrong


def _rasa() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def _run(argv: list[str], *, cwd: Path, what: str) -> None:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"{what} failed (exit {done.returncode}): {done.stdout[-1500:]}{done.stderr[-1500:]}"
        )
