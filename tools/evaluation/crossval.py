"""`cim crossval`: stratified k-fold cross-validation of the NLU pipeline on our data."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import structlog
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.interaction_types import load_mapping
from tools.evaluation.folds import EvaluationError, load_nlu_data, split
from tools.evaluation.report import summary_text, write_report
from tools.evaluation.runner import SplitResult, evaluate_split
from tools.evaluation.summary import Report, build_report

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CrossvalOptions:
    config: Path
    data: Path
    folds: int = 5
    seed: int = 42
    out: Path = Path("results/crossval")


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextmanager
def rasa_output_on_stderr() -> Iterator[None]:
    """Keep stdout for the summary while Rasa trains and parses.

    Outside `rasa`'s own CLI nothing configures structlog, so every parse would
    print a debug line to stdout; training prints its "model saved" banner there too.
    """
    previous = structlog.get_config()
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )
    try:
        with redirect_stdout(sys.stderr):
            yield
    finally:
        structlog.configure(**previous)


async def evaluate_folds(
    config: Path,
    data: TrainingData,
    mapping: Mapping[str, str],
    folds: int,
    seed: int,
    progress: Progress = _stderr,
) -> list[SplitResult]:
    """Train and test once per fold; the benchmark reuses this on our own data."""
    results = []
    for fold in split(data, folds, seed):
        result = await evaluate_split(config, fold.train, fold.test, mapping)
        results.append(result)
        progress(
            f"fold {fold.index + 1}/{folds}: trained in {result.train_seconds:.1f} s, "
            f"parsed {len(result.predictions)} held-out examples"
        )
    return results


async def cross_validate(options: CrossvalOptions, progress: Progress = _stderr) -> Report:
    """Train and test once per fold, then score all held-out predictions together."""
    if not options.config.is_file():
        raise EvaluationError(f"no config file at {options.config}")
    mapping = load_mapping(options.data)
    data = load_nlu_data(options.data)
    results = await evaluate_folds(
        options.config, data, mapping, options.folds, options.seed, progress
    )
    predictions = [prediction for result in results for prediction in result.predictions]
    settings: dict[str, str | int] = {
        "config": str(options.config),
        "data": str(options.data),
        "folds": options.folds,
        "seed": options.seed,
    }
    return build_report(predictions, [r.train_seconds for r in results], mapping, settings)


def run(options: CrossvalOptions, progress: Progress = _stderr) -> str:
    """Cross-validate, write report.json and report.md, and return the summary to print."""
    with rasa_output_on_stderr():
        report = asyncio.run(cross_validate(options, progress))
    json_path, markdown_path = write_report(report, options.out)
    return f"{summary_text(report)}\n\nreport: {markdown_path} and {json_path}"
