"""`cim train` and `cim rollback` as functions: the steps of the package docstring, in order,
under one lock, each refusal recorded with its reason.

Nothing outside the scratch directory changes until every check has passed: the labels are
tried on a copy of the workspace, and only an accepted candidate writes the real data,
replaces the served model and tells the running server.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bot.customer_data.erasure_training import clear_retrain_flag, retrain_reasons
from bot.store.unit_of_work import AbstractUnitOfWork
from bot.trainer.data_files import Workspace
from bot.trainer.retrain import Label, pending_labels
from tools.retrain.candidate import conversation_tests, regression_failures, train
from tools.retrain.gate import GatePolicy, Metrics, crossval_metrics, example_keys, judge
from tools.retrain.record import Outcome, record
from tools.retrain.serving import (
    CURRENT,
    PREVIOUS,
    ModelServer,
    install,
    swap_previous,
    training_lock,
)
from tools.retrain.simulation_gate import SimulationGate, Verdict
from tools.retrain.workspace import apply_labels, copy_workspace, git_commit

Progress = Callable[[str], None]
Measure = Callable[[Workspace, GatePolicy, Path], Metrics]


def retrain(
    workspace: Workspace,
    *,
    models_dir: Path,
    new_uow: Callable[[], AbstractUnitOfWork],
    requested_by: str,
    policy: GatePolicy = GatePolicy(),
    server: ModelServer | None = None,
    progress: Progress = lambda line: print(line, file=sys.stderr, flush=True),
    force: bool = False,
    measure: Measure | None = None,
    simulation: SimulationGate | None = None,
) -> Outcome:
    started = time.monotonic()
    models_dir.mkdir(parents=True, exist_ok=True)
    with training_lock(models_dir):
        labels = pending_labels(new_uow())
        # An erasure removed a customer's examples from data/: the served model still holds
        # them until a retrain, so a flagged workspace is trained even without new labels.
        flagged = retrain_reasons(workspace.data)
        if not labels and not force and not flagged:
            return Outcome(False, "nothing to train: no new labels")
        if measure is None:
            measure = partial(crossval_metrics, only=example_keys(workspace))
        attempt = _Attempt(workspace, models_dir, policy, progress, measure, simulation)
        with tempfile.TemporaryDirectory(prefix="cim-train-") as scratch:
            outcome = attempt.run(labels, Path(scratch))
        if not outcome.accepted:
            return record(new_uow, requested_by, outcome, started)
        outcome.commit = git_commit(workspace, requested_by, outcome)
        clear_retrain_flag(workspace.data)
        if server is not None and outcome.model is not None:
            progress("loading the new model into the running server")
            server.load(outcome.model)
        return record(new_uow, requested_by, outcome, started, trained=labels)


def rollback(
    models_dir: Path,
    *,
    new_uow: Callable[[], AbstractUnitOfWork],
    requested_by: str,
    server: ModelServer | None = None,
) -> Outcome:
    """The previous model back in service (and the current one kept as previous)."""
    started = time.monotonic()
    with training_lock(models_dir):
        current = swap_previous(models_dir)
        if current is None:
            return Outcome(False, f"no previous model at {models_dir / PREVIOUS}")
        if server is not None:
            server.load(current)
    outcome = Outcome(True, "rolled back to the previous model", model=current)
    return record(new_uow, requested_by, outcome, started, rolled_back=True)


@dataclass(frozen=True)
class _Attempt:
    """One candidate built from the labels and put through every check, in a scratch dir."""

    workspace: Workspace
    models_dir: Path
    policy: GatePolicy
    progress: Progress
    measure: Measure
    simulation: SimulationGate | None

    def run(self, labels: Sequence[Label], scratch: Path) -> Outcome:
        """Accepted: the real data changed and the model installed; refused: nothing changed."""
        changes = [asdict(label) for label in labels]
        candidate = copy_workspace(self.workspace, scratch / "workspace")
        try:
            apply_labels(candidate, labels)
        except ValueError as error:
            return Outcome(False, str(error), changes=changes)
        outcome = self._measured(candidate, changes)
        if outcome.reason:
            return outcome
        self.progress("training the candidate model")
        model = train(candidate, scratch / "models")
        refusal = conversation_tests(candidate, model) or regression_failures(candidate, model)
        verdict = None
        if refusal is None and self.simulation is not None:
            verdict = self.simulation.check(model, self.models_dir / CURRENT)
            outcome.simulation = verdict.record()
            refusal = _simulation_refusal(verdict)
        if refusal is not None:
            outcome.reason = refusal
            return outcome
        apply_labels(self.workspace, labels)
        outcome.model = install(model, self.models_dir)
        if self.simulation is not None and verdict is not None:
            self.simulation.accepted(verdict)
        outcome.accepted, outcome.reason = True, "the gate passed"
        return outcome

    def _measured(self, candidate: Workspace, changes: list[dict[str, Any]]) -> Outcome:
        """Before and after cross-validated; the outcome's reason is the gate's refusal."""
        cache = self.models_dir / "crossval-cache"
        self.progress("cross-validating the current data")
        before = self.measure(self.workspace, self.policy, cache)
        self.progress("cross-validating the data with the new labels")
        after = self.measure(candidate, self.policy, cache)
        refusal = judge(before, after, self.policy)
        return Outcome(False, refusal or "", before, after, changes)


def _simulation_refusal(verdict: Verdict) -> str | None:
    return None if verdict.refusal is None else f"the simulations: {verdict.refusal}"
