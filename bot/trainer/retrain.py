"""`cim train`: the trainers' labels into a new model, gated, hot-loaded, recorded.

1. The labels no accepted run has taken yet are applied to a copy of the workspace.
2. The gate cross-validates the NLU before and after (the "before" result is cached by the
   data's hash). Intent accuracy may drop by at most `max_accuracy_drop` (0.5 points), the
   conflict type's recall may not drop at all.
3. The candidate model is trained; the conversation tests (`rasa test core
   --fail-on-prediction-errors`) must pass, and so must every NLU regression example (the
   labels accepted so far, each parsed to its intent). Then the simulated customers
   (simulations/) play the candidate and the served model on a private stack: a drop in
   routine resolution, a needs-a-person conversation no longer queued, or any reply with
   another customer's data refuses it (simulation_gate.py; CIM_TRAIN_SIMULATE=0 skips it).
4. Accepted: the labels are written into the real data (in place, `data_files`), the model
   becomes `current.tar.gz` (the old one `previous.tar.gz`), the running server loads it
   through Rasa's `PUT /model` without dropping a conversation, and the run is recorded with
   who, when, what changed and the metric deltas: a git commit where the data is in a git
   repository, and always a `training_runs` row. Refused: nothing changes but the record,
   which says why.

`cim rollback` swaps `previous.tar.gz` back in the same way.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from bot.store.columns import utcnow
from bot.store.review_models import ReviewItem, TrainingRun
from bot.store.unit_of_work import AbstractUnitOfWork
from bot.trainer.data_files import OUT_OF_SCOPE, Workspace, add_examples, create_intent

if TYPE_CHECKING:
    from bot.trainer.simulation_gate import SimulationGate

CURRENT, PREVIOUS = "current.tar.gz", "previous.tar.gz"
STORIES = Path("tests") / "conversations" / "test_stories.yml"
Progress = Callable[[str], None]


class TrainingBusy(RuntimeError):
    """Another training holds the lock."""


@dataclass(frozen=True)
class GatePolicy:
    max_accuracy_drop: float = 0.005
    folds: int = 3
    seed: int = 42


@dataclass(frozen=True)
class Metrics:
    intent_accuracy: float
    conflict_recall: float
    examples: int


@dataclass(frozen=True)
class Label:
    """One accepted review decision, as a change to the data."""

    item_id: int
    text: str
    intent: str
    new_type: str | None = None  # set when the trainer created the intent


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


@dataclass
class Outcome:
    accepted: bool
    reason: str
    before: Metrics | None = None
    after: Metrics | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    model: Path | None = None
    run_id: int | None = None
    commit: str | None = None
    seconds: float = 0.0
    simulation: dict[str, Any] | None = None  # both simulation runs' figures (the gate's)

    def summary(self) -> str:
        verdict = "accepted" if self.accepted else "refused"
        lines = [f"training {verdict}: {self.reason}"]
        if self.before and self.after:
            lines.append(
                f"intent accuracy {self.before.intent_accuracy:.4f} -> "
                f"{self.after.intent_accuracy:.4f}, conflict recall "
                f"{self.before.conflict_recall:.4f} -> {self.after.conflict_recall:.4f}"
            )
        if self.simulation and self.simulation.get("candidate"):
            was, now = self.simulation.get("baseline") or {}, self.simulation["candidate"]
            lines.append(
                f"simulated routine conversations resolved "
                f"{was.get('routine_resolved', '-')}/{was.get('routine', '-')} -> "
                f"{now['routine_resolved']}/{now['routine']}"
            )
        lines.append(f"{len(self.changes)} change(s) in {self.seconds:.0f} s")
        return "\n".join(lines)


def pending_labels(uow: AbstractUnitOfWork) -> list[Label]:
    with uow:
        return [_label(item) for item in uow.reviews.untrained_labels()]


def judge(before: Metrics, after: Metrics, policy: GatePolicy) -> str | None:
    """Why the candidate is refused, or None."""
    drop = before.intent_accuracy - after.intent_accuracy
    if drop > policy.max_accuracy_drop + 1e-9:
        return (
            f"cross-validated intent accuracy would drop by {100 * drop:.2f} points "
            f"({before.intent_accuracy:.4f} -> {after.intent_accuracy:.4f}); "
            f"at most {100 * policy.max_accuracy_drop:.2f} is allowed"
        )
    if after.conflict_recall < before.conflict_recall - 1e-9:
        return (
            f"conflict recall would drop ({before.conflict_recall:.4f} -> "
            f"{after.conflict_recall:.4f}); complaints must never be missed more often"
        )
    return None


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
    measure: Callable[[Workspace, GatePolicy, Path], Metrics] | None = None,
    simulation: SimulationGate | None = None,
) -> Outcome:
    started = time.monotonic()
    models_dir.mkdir(parents=True, exist_ok=True)
    with _training_lock(models_dir):
        labels = pending_labels(new_uow())
        if not labels and not force:
            return Outcome(False, "nothing to train: no new labels")
        changes = [asdict(label) for label in labels]
        with tempfile.TemporaryDirectory(prefix="cim-train-") as scratch:
            candidate = _copy_workspace(workspace, Path(scratch) / "workspace")
            try:
                _apply(candidate, labels)
            except ValueError as error:
                return _record(
                    new_uow, requested_by, Outcome(False, str(error), changes=changes), started
                )
            progress("cross-validating the current data")
            cache = models_dir / "crossval-cache"
            if measure is None:
                shared = example_keys(workspace)
                measure = partial(crossval_metrics, only=shared)
            before = measure(workspace, policy, cache)
            progress("cross-validating the data with the new labels")
            after = measure(candidate, policy, cache)
            outcome = Outcome(False, "", before, after, changes)
            refusal = judge(before, after, policy)
            if refusal is not None:
                outcome.reason = refusal
                return _record(new_uow, requested_by, outcome, started)
            progress("training the candidate model")
            model = _train(candidate, Path(scratch) / "models")
            failure = _conversation_tests(candidate, model) or _regression_failures(
                candidate, model
            )
            if failure is not None:
                outcome.reason = failure
                return _record(new_uow, requested_by, outcome, started)
            verdict = None
            if simulation is not None:
                verdict = simulation.check(model, models_dir / CURRENT)
                outcome.simulation = verdict.record()
                if verdict.refusal is not None:
                    outcome.reason = f"the simulations: {verdict.refusal}"
                    return _record(new_uow, requested_by, outcome, started)
            _apply(workspace, labels)
            outcome.model = _install(model, models_dir)
            if simulation is not None and verdict is not None:
                simulation.accepted(verdict)
        outcome.accepted = True
        outcome.reason = "the gate passed"
        outcome.commit = _git_commit(workspace, requested_by, outcome)
        if server is not None:
            progress("loading the new model into the running server")
            server.load(outcome.model)
        return _record(new_uow, requested_by, outcome, started, trained=labels)


def rollback(
    models_dir: Path,
    *,
    new_uow: Callable[[], AbstractUnitOfWork],
    requested_by: str,
    server: ModelServer | None = None,
) -> Outcome:
    """The previous model back in service (and the current one kept as previous)."""
    started = time.monotonic()
    with _training_lock(models_dir):
        current, previous = models_dir / CURRENT, models_dir / PREVIOUS
        if not previous.is_file():
            return Outcome(False, f"no previous model at {previous}")
        swap = models_dir / ".swap.tar.gz"
        os.replace(current, swap)
        os.replace(previous, current)
        os.replace(swap, previous)
        if server is not None:
            server.load(current)
    outcome = Outcome(True, "rolled back to the previous model", model=current)
    return _record(new_uow, requested_by, outcome, started, rolled_back=True)


def crossval_metrics(
    workspace: Workspace,
    policy: GatePolicy,
    cache: Path,
    *,
    only: frozenset[str] | None = None,
) -> Metrics:
    """Cross-validated intent accuracy and conflict recall, cached by data and config.

    Folds are stable: an example's fold is a hash of its intent and text, so adding labels
    moves no other example between folds, and "before" and "after" differ only by what the
    labels taught. `only` scores just those examples' held-out predictions (the gate scores
    the examples both data sets share).
    """
    key = _data_hash(workspace, policy)
    cached = cache / f"{key}.json"
    if cached.is_file():
        predictions = json.loads(cached.read_text())
    else:
        import asyncio

        from tools.evaluation.crossval import rasa_output_on_stderr

        with rasa_output_on_stderr():
            predictions = asyncio.run(_stable_crossval(workspace, policy))
        cache.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps(predictions))
    scored = [p for p in predictions if only is None or p["key"] in only]
    conflicts = [p for p in scored if p["type"] == "conflict"]
    return Metrics(
        intent_accuracy=sum(p["correct"] for p in scored) / max(1, len(scored)),
        conflict_recall=sum(p["predicted_type"] == "conflict" for p in conflicts)
        / max(1, len(conflicts)),
        examples=len(scored),
    )


def example_keys(workspace: Workspace) -> frozenset[str]:
    from tools.evaluation.folds import load_nlu_data

    data = load_nlu_data(workspace.nlu)
    return frozenset(_example_key(e.get("intent"), e.get("text")) for e in data.intent_examples)


async def _stable_crossval(workspace: Workspace, policy: GatePolicy) -> list[dict[str, Any]]:
    from bot.interaction_types import load_mapping
    from tools.evaluation.folds import load_nlu_data, with_examples
    from tools.evaluation.runner import evaluate_split

    data = load_nlu_data(workspace.nlu)
    mapping = load_mapping(workspace.nlu)
    examples = data.intent_examples
    folds = [
        int(_example_key(e.get("intent"), e.get("text"))[:8], 16) % policy.folds for e in examples
    ]
    rows: list[dict[str, Any]] = []
    for fold in range(policy.folds):
        train = with_examples(data, [e for e, f in zip(examples, folds, strict=True) if f != fold])
        test = [e for e, f in zip(examples, folds, strict=True) if f == fold]
        result = await evaluate_split(workspace.config, train, test, mapping)
        for prediction in result.predictions:
            rows.append(
                {
                    "key": _example_key(prediction.intent, prediction.text),
                    "correct": prediction.classifier_intent == prediction.intent,
                    "type": prediction.interaction_type,
                    "predicted_type": prediction.predicted_type,
                }
            )
    return rows


def _example_key(intent: object, text: object) -> str:
    return hashlib.sha256(f"{intent}\x00{text}".encode()).hexdigest()


def _label(item: ReviewItem) -> Label:
    intent = OUT_OF_SCOPE if item.state == "out_of_scope" else str(item.label)
    new_type = (item.details or {}).get("new_intent_type")
    return Label(item.id, item.text, intent, new_type if isinstance(new_type, str) else None)


def _apply(workspace: Workspace, labels: Sequence[Label]) -> None:
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


def _copy_workspace(workspace: Workspace, target: Path) -> Workspace:
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


def _train(workspace: Workspace, out: Path) -> Path:
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


def _conversation_tests(workspace: Workspace, model: Path) -> str | None:
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


def _regression_failures(workspace: Workspace, model: Path) -> str | None:
    from bot.trainer.data_files import regressions

    cases = regressions(workspace)
    if not cases:
        return None
    import asyncio

    from rasa.core.agent import Agent

    from tools.evaluation.crossval import rasa_output_on_stderr

    async def parse_all() -> list[tuple[str, str, str | None]]:
        agent = Agent.load(str(model))
        wrong = []
        for text, intent in cases:
            parsed = await agent.parse_message(text)
            got = (parsed.get("intent") or {}).get("name")
            if got != intent:
                wrong.append((text, intent, got))
        return wrong

    with rasa_output_on_stderr():
        wrong = asyncio.run(parse_all())
    if not wrong:
        return None
    shown = "; ".join(f"{text!r} should be {want}, got {got}" for text, want, got in wrong[:5])
    return f"{len(wrong)} NLU regression example(s) failed: {shown}"


def _install(model: Path, models_dir: Path) -> Path:
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


def _git_commit(workspace: Workspace, who: str, outcome: Outcome) -> str | None:
    """Commit the data change where the data is in a git repository."""
    root = workspace.root
    inside = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
        capture_output=True,
        text=True,
        check=False,
    )
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return None
    paths = [
        str(p.relative_to(root))
        for p in (workspace.data, workspace.domain, workspace.regressions)
        if p.exists()
    ]
    before, after = outcome.before, outcome.after
    deltas = ""
    if before and after:
        deltas = (
            f"\n\nintent accuracy {before.intent_accuracy:.4f} -> {after.intent_accuracy:.4f}\n"
            f"conflict recall {before.conflict_recall:.4f} -> {after.conflict_recall:.4f}"
        )
    message = (
        f"Training data: {len(outcome.changes)} label(s) from the review inbox by {who}{deltas}"
    )
    subprocess.run(["git", "-C", str(root), "add", "--", *paths], check=False, capture_output=True)
    done = subprocess.run(
        ["git", "-C", str(root), "commit", "-q", "-m", message, "--", *paths],
        capture_output=True,
        text=True,
        check=False,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": who,
            "GIT_COMMITTER_NAME": who,
            "GIT_AUTHOR_EMAIL": f"{who}@trainer.local",
            "GIT_COMMITTER_EMAIL": f"{who}@trainer.local",
        },
    )
    if done.returncode != 0:
        return None
    head = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    return head.stdout.strip() or None


def _record(
    new_uow: Callable[[], AbstractUnitOfWork],
    who: str,
    outcome: Outcome,
    started: float,
    *,
    trained: Sequence[Label] = (),
    rolled_back: bool = False,
) -> Outcome:
    outcome.seconds = time.monotonic() - started
    metrics: dict[str, Any] = {}
    if outcome.before and outcome.after:
        metrics = {
            "before": asdict(outcome.before),
            "after": asdict(outcome.after),
            "delta": {
                "intent_accuracy": outcome.after.intent_accuracy - outcome.before.intent_accuracy,
                "conflict_recall": outcome.after.conflict_recall - outcome.before.conflict_recall,
            },
        }
    if outcome.simulation is not None:
        metrics["simulation"] = outcome.simulation
    metrics["seconds"] = round(outcome.seconds, 1)
    verdict = "rolled_back" if rolled_back else ("accepted" if outcome.accepted else "refused")
    with new_uow() as uow:
        run = TrainingRun(
            requested_by=who[:100],
            outcome=verdict,
            reason=outcome.reason,
            changes=outcome.changes,
            metrics=metrics,
            model_path=str(outcome.model) if outcome.model else None,
            commit=outcome.commit,
            finished_at=utcnow(),
        )
        uow.reviews.add_run(run)  # flushed: run.id is known
        if trained:
            for item in uow.reviews.get_many(ids=[label.item_id for label in trained]):
                item.trained_in = run.id
        uow.commit()
        outcome.run_id = run.id
    return outcome


def _data_hash(workspace: Workspace, policy: GatePolicy) -> str:
    digest = hashlib.sha256(f"{policy.folds}:{policy.seed}".encode())
    for path in sorted(workspace.nlu.rglob("*.yml")):
        digest.update(str(path.relative_to(workspace.nlu)).encode())
        digest.update(path.read_bytes())
    digest.update(workspace.config.read_bytes())
    return digest.hexdigest()[:32]


@contextlib.contextmanager
def _training_lock(models_dir: Path) -> Iterator[None]:
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


def _rasa() -> str:
    return str(Path(sys.executable).with_name("rasa"))


def _run(argv: list[str], *, cwd: Path, what: str) -> None:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(
            f"{what} failed (exit {done.returncode}): {done.stdout[-1500:]}{done.stderr[-1500:]}"
        )
