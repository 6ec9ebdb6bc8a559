"""One benchmark run in a process of its own, so its peak memory is its own.

    python -m bot.evaluation.bench_worker JOB.json RESULT.json

The parent (`bot.evaluation.bench`) writes the job, waits, and reads the result; Rasa's
and TensorFlow's output goes wherever the parent sent this process's stdout and stderr.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import resource
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.evaluation.bench_scores import TrainedRuns, score
from bot.evaluation.benchsets import BenchSet, DataSpec, load_set
from bot.evaluation.crossval import evaluate_folds, rasa_output_on_stderr
from bot.evaluation.folds import EvaluationError
from bot.evaluation.runner import evaluate_split

PROC_STATUS = Path("/proc/self/status")
KIB = 1024


@dataclass(frozen=True)
class Job:
    spec: DataSpec
    config: str  # path of the fitted config
    target_recall: float

    def to_json(self) -> dict[str, Any]:
        return {"spec": self.spec.to_json(), "config": self.config, "target": self.target_recall}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        return cls(DataSpec.from_json(data["spec"]), data["config"], data["target"])


def peak_rss_bytes() -> int:
    """This process's peak resident memory: VmHWM where /proc has it, else ru_maxrss."""
    try:
        for line in PROC_STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * KIB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * KIB  # KiB on Linux


async def train_and_parse(bench_set: BenchSet, config: Path, seed: int) -> TrainedRuns:
    """Cross-validate our own data; elsewhere train once and parse validation + test."""
    if bench_set.folds:
        splits = await evaluate_folds(
            config, bench_set.train, bench_set.mapping, bench_set.folds, seed
        )
        return TrainedRuns([], [p for s in splits for p in s.predictions], splits)
    held_out = [*bench_set.val, *bench_set.test]
    split = await evaluate_split(config, bench_set.train, held_out, bench_set.mapping)
    n_val = len(bench_set.val)
    return TrainedRuns(split.predictions[:n_val], split.predictions[n_val:], [split])


def run_job(job: Job) -> dict[str, Any]:
    """Load the data, train, parse, score; the result as JSON data."""
    bench_set = load_set(job.spec)
    with rasa_output_on_stderr():
        runs = asyncio.run(train_and_parse(bench_set, Path(job.config), job.spec.selection.seed))
    train_examples = len(bench_set.train.intent_examples)
    metrics = score(runs, bench_set.mapping, train_examples, job.target_recall)
    return {"metrics": dataclasses.asdict(metrics), "peak_rss_bytes": peak_rss_bytes()}


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m bot.evaluation.bench_worker JOB.json RESULT.json", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    job = Job.from_json(json.loads(Path(argv[0]).read_text(encoding="utf-8")))
    try:
        result = run_job(job)
    except EvaluationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    Path(argv[1]).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
