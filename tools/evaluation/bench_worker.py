"""One benchmark run in a process of its own, so its peak memory is its own.

    python -m tools.evaluation.bench_worker JOB.json RESULT.json

The parent (`tools.evaluation.bench`) writes the job, waits, and reads the result; Rasa's
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
from pathlib import Path
from typing import Any

from rasa.shared.nlu.constants import ENTITIES

from tools.evaluation.bench_config import without_entity_only_diet
from tools.evaluation.bench_scores import TrainedRuns, score
from tools.evaluation.benchsets import BenchSet, Job, load_set
from tools.evaluation.crossval import evaluate_folds, rasa_output_on_stderr
from tools.evaluation.datasets import read_text
from tools.evaluation.folds import EvaluationError
from tools.evaluation.runner import evaluate_split

PROC_STATUS = Path("/proc/self/status")
KIB = 1024


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


def fit_to_data(config: Path, bench_set: BenchSet) -> Path:
    """The config to train, without an entity-only DIET if there are no entities to learn."""
    if any(e.get(ENTITIES) for e in bench_set.train.training_examples):
        return config
    fitted = config.with_name(f"{config.stem}-no-entities.yml")
    fitted.write_text(without_entity_only_diet(read_text(config)), encoding="utf-8")
    return fitted


def run_job(job: Job) -> dict[str, Any]:
    """Load the data, train, parse, score; the result (with the config run) as JSON data."""
    bench_set = load_set(job.spec)
    config = fit_to_data(Path(job.config), bench_set)
    with rasa_output_on_stderr():
        runs = asyncio.run(train_and_parse(bench_set, config, job.spec.selection.seed))
    train_examples = len(bench_set.train.intent_examples)
    metrics = score(runs, bench_set.mapping, train_examples, job.target_recall)
    return {
        "metrics": dataclasses.asdict(metrics),
        "peak_rss_bytes": peak_rss_bytes(),
        "config_text": read_text(config),
    }


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2:
        print(
            "usage: python -m tools.evaluation.bench_worker JOB.json RESULT.json", file=sys.stderr
        )
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
