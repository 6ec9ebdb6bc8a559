"""What the retraining tests compare: the served model's cross-validated figures, and
simulation runs built from the simulation runner's own result types and summarised by its own
report code and the gate's (also the trainer page's test data, tests/bot/console)."""

from __future__ import annotations

from typing import Any

from tools.evaluation.simulate.record import ConversationResult, Failure, TurnRecord, TurnResult
from tools.evaluation.simulate.report import summarise
from tools.evaluation.simulate.runner import RunResult
from tools.evaluation.simulate.store import HandoffFacts, Snapshot
from tools.evaluation.simulate.transport import Reply
from tools.retrain.gate import Metrics
from tools.retrain.simulation_gate import summarise_report

BEFORE = Metrics(intent_accuracy=0.9, conflict_recall=0.95, examples=100)


QUEUED = HandoffFacts(state="queued", team="support", reasons=("billing",))


def conversation(
    cid: str,
    *,
    routine: bool = True,
    resolved: bool = True,
    queued: bool = False,
    leaks: int = 0,
) -> ConversationResult:
    empty = Snapshot(orders={}, refunds=(), handoffs=())
    after = Snapshot(orders={}, refunds=(), handoffs=(QUEUED,) if queued else ())
    record = TurnRecord(1, f"customer text of {cid}", (Reply(f"bot reply to {cid}"),), empty, after)
    failures = [] if resolved else [Failure("states_status(order=target)", "no status shown")]
    return ConversationResult(
        id=cid,
        category=cid.split("-")[0],
        routine=routine,
        source="suite.yml",
        turns=[TurnResult(record, failures)],
        leaks=leaks,
    )


def report(*conversations: ConversationResult) -> dict[str, Any]:
    """The simulation report of a run that played these conversations."""
    return summarise(
        RunResult(list(conversations), started_at="2026-12-04T20:00:00+00:00"), meta={}
    )


def run(*conversations: ConversationResult) -> dict[str, Any]:
    """That run as the gate keeps it (the candidate's)."""
    return summarise_report(report(*conversations), model="candidate", suite="simulations")
