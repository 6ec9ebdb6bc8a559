"""What a training or rollback leaves behind: its `Outcome` and the `training_runs` row.

Every run is recorded, refused ones too, with the reason and the metric deltas, so the trainer
page (bot/console/trainer_api.py reads the rows) can say why the last labels were not taken.
An accepted run also marks the review items it trained, so they stop being pending.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.store.columns import utcnow
from bot.store.review_models import TrainingRun
from bot.store.unit_of_work import AbstractUnitOfWork
from bot.trainer.retrain import Label
from tools.retrain.gate import Metrics


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


def record(
    new_uow: Callable[[], AbstractUnitOfWork],
    who: str,
    outcome: Outcome,
    started: float,
    *,
    trained: Sequence[Label] = (),
    rolled_back: bool = False,
) -> Outcome:
    """The run as a `training_runs` row (its id set on the outcome); `trained` items marked."""
    outcome.seconds = time.monotonic() - started
    verdict = "rolled_back" if rolled_back else ("accepted" if outcome.accepted else "refused")
    with new_uow() as uow:
        run = TrainingRun(
            requested_by=who[:100],
            outcome=verdict,
            reason=outcome.reason,
            changes=outcome.changes,
            metrics=_metrics(outcome),
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


def _metrics(outcome: Outcome) -> dict[str, Any]:
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
    return metrics
