"""The simulation gate of `cim train`: the candidate model plays the simulated customers.

Cross-validation scores single messages; the simulations (simulations/, issue 20) score
whole conversations against the store. A candidate that answers each message a little
better can still break a conversation, so before it is accepted it plays the suite on a
private stack (a freshly seeded store, its own Rasa and action server, as `python -m
tools.evaluation.simulate --start-stack --model <candidate>` does) and is compared with the
run of the model being served. It is refused when

- the routine resolution rate drops,
- a conversation that needs a person and reached the queue with the served model no
  longer does, or
- any reply shows another customer's data (never acceptable, whatever the served model did).

The served model's run is kept in `<models>/simulation/served.json`, keyed by the model
file's hash and the suite's hash: when either differs (a rollback, `make train`, an edited
suite), the served model plays the suite again first. `latest.json` is the last run played,
whichever model, with its failing conversations: what the trainer page shows (it reads them
through bot/trainer/simulation_gate.py, which owns the file names).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.store.columns import utcnow
from bot.trainer.simulation_gate import LATEST, SERVED, read_run, runs_dir

if TYPE_CHECKING:
    from bot.settings import Settings

FAILING_SHOWN = 40  # failing conversations kept in a stored summary (the page lists them)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Verdict:
    """The gate's answer: why the candidate is refused (None: it passes), and the runs."""

    refusal: str | None
    candidate: dict[str, Any]
    baseline: dict[str, Any]

    def record(self) -> dict[str, Any]:
        """What the `training_runs` row keeps: both runs' figures, not their transcripts."""
        return {
            "suite": self.candidate.get("suite"),
            "baseline": _figures(self.baseline),
            "candidate": _figures(self.candidate),
            "refusal": self.refusal,
        }


def compare(baseline: dict[str, Any] | None, candidate: dict[str, Any]) -> str | None:
    """Why the candidate's run is worse than the served model's (None: it is not).

    Both are summaries (`summarise_report`) of the same suite; with no served model (the
    first training) only the privacy rule applies. Pure, so testable without Rasa.
    """
    leaks = int(candidate["overall"]["replies_with_other_customer_data"])
    if leaks:
        shown = [c["id"] for c in candidate["conversations"] if c.get("leaks")]
        return (
            f"{leaks} simulated repl(ies) showed another customer's data "
            f"({', '.join(shown[:5])}); a model that shows anyone else's data is never served"
        )
    if baseline is None:
        return None
    lost = sorted(
        cid
        for cid, seen in baseline["conversations_by_id"].items()
        if not seen["routine"]
        and seen["reached_queue"]
        and not candidate["conversations_by_id"].get(cid, {}).get("reached_queue", False)
    )
    if lost:
        return (
            f"{len(lost)} simulated conversation(s) that need a person no longer reach the "
            f"queue: {', '.join(lost[:5])}"
        )
    before = baseline["overall"]["routine_rate"]
    after = candidate["overall"]["routine_rate"]
    if before is not None and (after is None or after < before - 1e-9):
        o, c = baseline["overall"], candidate["overall"]
        newly = sorted(
            cid
            for cid, seen in baseline["conversations_by_id"].items()
            if seen["routine"]
            and seen["resolved"]
            and not candidate["conversations_by_id"].get(cid, {}).get("resolved", False)
        )
        return (
            f"simulated routine conversations resolved would drop from "
            f"{o['routine_resolved']}/{o['routine']} to {c['routine_resolved']}/{c['routine']}"
            + (f"; no longer resolved: {', '.join(newly[:5])}" if newly else "")
        )
    return None


def summarise_report(report: dict[str, Any], *, model: str, suite: str) -> dict[str, Any]:
    """A simulation report (tools/evaluation/simulate/report.py) cut to what is kept: the
    figures overall and by category, each conversation's verdict (for the comparison), and
    the failing conversations' turns (customer text, bot reply, failed expectation)."""
    conversations = report["conversations"]
    failing = []
    for conv in conversations:
        if conv["resolved"] or conv["setup_error"]:
            continue
        turns = [
            {
                "turn": turn["turn"],
                "text": turn["text"],
                "reply": "\n".join(r["text"] for r in turn["replies"] if r.get("text")),
                "failures": [f"{f['expectation']}: {f['detail']}" for f in turn["failures"]],
            }
            for turn in conv["turns"]
            if turn["failures"] or (turn is conv["turns"][-1] and conv["end_failures"])
        ]
        end = [f"{f['expectation']}: {f['detail']}" for f in conv["end_failures"]]
        failing.append(
            {
                "id": conv["id"],
                "category": conv["category"],
                "routine": conv["routine"],
                "turns": turns,
                "end_failures": end,
            }
        )
    return {
        "model": model,
        "suite": suite,
        "started_at": report["meta"].get("started_at"),
        "seconds": report["meta"].get("seconds"),
        "overall": report["overall"],
        "categories": report["categories"],
        "conversations_by_id": {
            c["id"]: {
                "category": c["category"],
                "routine": c["routine"],
                "resolved": c["resolved"],
                "reached_queue": c["reached_queue"],
                "played": c["setup_error"] is None,
            }
            for c in conversations
        },
        "conversations": [{"id": c["id"], "leaks": c["leaks"]} for c in conversations],
        "failing": failing[:FAILING_SHOWN],
        "failing_total": len(failing),
    }


def play(model: Path, suite: Path, *, progress: Progress) -> dict[str, Any]:
    """Play the suite against `model` on a private stack; the report as `summarise` makes it."""
    from bot.settings import PROJECT_ROOT
    from tools.evaluation.simulate.cli import FACTS_FILE, NICKNAMES_FILE, load_nicknames
    from tools.evaluation.simulate.report import summarise
    from tools.evaluation.simulate.runner import Runner
    from tools.evaluation.simulate.shop_facts import load_shop_facts
    from tools.evaluation.simulate.stack import own_stack
    from tools.evaluation.simulate.suite import load_suite

    support = suite if suite.is_dir() else suite.parent
    policy = PROJECT_ROOT / "escalation.yml"
    shop = load_shop_facts(support / FACTS_FILE, policy_file=policy)
    topics = {name: tuple(topic.facts) for name, topic in shop.topics.items()}
    loaded = load_suite(suite, topics=topics)
    nicknames = load_nicknames(support / NICKNAMES_FILE)
    with (
        tempfile.TemporaryDirectory(prefix="cim-train-sim-") as work,
        own_stack(Path(work), model=model, project_policy=policy, say=progress) as target,
    ):
        run = Runner(target, shop, nicknames, say=lambda _: None).run(loaded)
    return summarise(run, meta={"model": str(model), "suite": str(suite)})


class SimulationGate:
    """Plays the suite for `retrain` (job.py) and keeps the runs in `<models_dir>/simulation/`."""

    def __init__(
        self,
        models_dir: Path,
        suite: Path,
        *,
        player: Callable[[Path, Path], dict[str, Any]] | None = None,
        progress: Progress = print,
    ) -> None:
        self.models_dir = models_dir
        self.dir = runs_dir(models_dir)
        self.suite = suite
        self.progress = progress
        self.player = player or (lambda model, s: play(model, s, progress=progress))

    def check(self, candidate: Path, served: Path) -> Verdict:
        suite_key = _suite_hash(self.suite)
        baseline = self.served_run(served, suite_key)
        self.progress("playing the simulation suite against the candidate model")
        report = self.player(candidate, self.suite)
        run = self._stamp(
            summarise_report(report, model="candidate", suite=str(self.suite)),
            suite_key,
            model_hash=_file_hash(candidate),
        )
        refusal = compare(baseline, run)
        run["verdict"] = "refused" if refusal else "passed"
        run["refusal"] = refusal
        self._write(LATEST, run)
        return Verdict(refusal, run, baseline or {})

    def accepted(self, verdict: Verdict) -> None:
        """The candidate is now the served model: its run is the next baseline."""
        self._write(SERVED, {**verdict.candidate, "model": "served"})

    def served_run(self, served: Path, suite_key: str) -> dict[str, Any] | None:
        """The served model's run on this suite: stored, or played now."""
        if not served.is_file():
            return None
        model_hash = _file_hash(served)
        stored = self._read(SERVED)
        if (
            stored
            and stored.get("model_hash") == model_hash
            and stored.get("suite_hash") == suite_key
        ):
            return stored
        self.progress("playing the simulation suite against the served model (no stored run)")
        report = self.player(served, self.suite)
        run = self._stamp(
            summarise_report(report, model="served", suite=str(self.suite)),
            suite_key,
            model_hash=model_hash,
        )
        run["verdict"] = "baseline"
        self._write(SERVED, run)
        return run

    @staticmethod
    def _stamp(run: dict[str, Any], suite_key: str, *, model_hash: str) -> dict[str, Any]:
        return {
            **run,
            "suite_hash": suite_key,
            "model_hash": model_hash,
            "recorded_at": utcnow().isoformat(timespec="seconds"),
        }

    def _read(self, name: str) -> dict[str, Any] | None:
        return read_run(self.models_dir, name)

    def _write(self, name: str, run: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        staged = self.dir / f".{name}.tmp"
        staged.write_text(json.dumps(run, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        os.replace(staged, self.dir / name)


def gate_from_settings(settings: Settings, models_dir: Path) -> SimulationGate | None:
    """The gate `cim train` uses: None when CIM_TRAIN_SIMULATE=0."""
    if not settings.train_simulate:
        return None
    from bot.settings import PROJECT_ROOT

    suite = Path(settings.train_simulate_suite or PROJECT_ROOT / "simulations")
    if not suite.is_absolute():
        suite = PROJECT_ROOT / suite
    return SimulationGate(
        models_dir, suite, progress=lambda line: print(line, file=sys.stderr, flush=True)
    )


def _figures(run: dict[str, Any]) -> dict[str, Any]:
    if not run:
        return {}
    o = run["overall"]
    keep = (
        "played",
        "routine",
        "routine_resolved",
        "routine_rate",
        "needs_person",
        "needs_person_reached_queue",
        "replies_with_other_customer_data",
    )
    return {k: o[k] for k in keep} | {"started_at": run.get("started_at")}


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:32]


def _suite_hash(suite: Path) -> str:
    files = sorted(suite.rglob("*.yml")) if suite.is_dir() else [suite]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:32]
