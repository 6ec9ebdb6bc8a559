"""Write the benchmark down: one Markdown table per data set (ours, stock, ratio) and JSON."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.evaluation.bench_scores import RunMetrics
from tools.evaluation.oos import OperatingPoint
from tools.evaluation.report import markdown_table

JSON_FILE = "nlu.json"
MARKDOWN_FILE = "nlu.md"
MB = 1_000_000
MIB = 1024 * 1024
NOTHING = "-"  # a metric the run has no data for (e.g. OOS recall without OOS examples)


@dataclass(frozen=True)
class RunResult:
    dataset: str
    side: str  # "ours" or "stock"
    config: str
    epochs: str  # as trained, e.g. "DIETClassifier 5, ResponseSelector 5"
    epochs_cap: int | None  # the cap the benchmark put on the config's epochs
    left_out: list[str]  # components of `config` this run trained without (see bench_config)
    metrics: RunMetrics
    peak_rss_bytes: int
    measured_at: str
    cache_key: str
    cached: bool


@dataclass(frozen=True)
class BenchReport:
    settings: dict[str, Any]
    results: list[RunResult]


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    value: Callable[[RunResult], float | None]
    format: str = ".3f"


def _parsed(pick: Callable[[OperatingPoint], float | None]) -> Callable[[RunResult], float | None]:
    return lambda r: pick(r.metrics.as_parsed)


def _at_threshold(
    pick: Callable[[OperatingPoint], float | None],
) -> Callable[[RunResult], float | None]:
    return lambda r: pick(r.metrics.at_threshold) if r.metrics.at_threshold else None


ROWS = (
    Row("intent_accuracy", "intent accuracy (in scope)", lambda r: r.metrics.intent_accuracy),
    Row("macro_f1", "intent macro-F1 (in scope)", lambda r: r.metrics.macro_f1),
    Row("oos_recall", "OOS recall, as parsed", _parsed(lambda p: p.oos_recall)),
    Row("oos_precision", "OOS precision, as parsed", _parsed(lambda p: p.oos_precision)),
    Row(
        "in_scope_accuracy", "in-scope accuracy, as parsed", _parsed(lambda p: p.in_scope_accuracy)
    ),
    Row("threshold", "confidence threshold (chosen on val)", _at_threshold(lambda p: p.threshold)),
    Row(
        "threshold_val_oos_recall",
        "val OOS recall at it",
        lambda r: r.metrics.threshold_val_oos_recall,
    ),
    Row("threshold_oos_recall", "OOS recall at it", _at_threshold(lambda p: p.oos_recall)),
    Row("threshold_oos_precision", "OOS precision at it", _at_threshold(lambda p: p.oos_precision)),
    Row(
        "threshold_in_scope_accuracy",
        "in-scope accuracy at it",
        _at_threshold(lambda p: p.in_scope_accuracy),
    ),
    Row(
        "type_accuracy", "interaction-type accuracy", lambda r: r.metrics.interaction_type_accuracy
    ),
    Row("conflict_recall", "conflict recall", lambda r: r.metrics.conflict_recall),
    Row("train_seconds", "training time per model (s)", lambda r: r.metrics.train_seconds, ".1f"),
    Row("model_mb", "model size (MB)", lambda r: r.metrics.model_bytes / MB, ".2f"),
    Row("parse_p50_ms", "parse latency p50 (ms)", lambda r: r.metrics.parse_p50_ms, ".2f"),
    Row("parse_p95_ms", "parse latency p95 (ms)", lambda r: r.metrics.parse_p95_ms, ".2f"),
    Row("peak_rss_mib", "peak memory, RSS (MiB)", lambda r: r.peak_rss_bytes / MIB, ".0f"),
)


def ratio(ours: float | None, stock: float | None) -> float | None:
    """ours / stock, or None where either is missing or the baseline is zero."""
    return ours / stock if ours is not None and stock else None


def pairs(report: BenchReport) -> dict[str, tuple[RunResult, RunResult]]:
    """(ours, stock) per data set, in run order."""
    by_dataset: dict[str, dict[str, RunResult]] = {}
    for result in report.results:
        by_dataset.setdefault(result.dataset, {})[result.side] = result
    return {name: (sides["ours"], sides["stock"]) for name, sides in by_dataset.items()}


def _cell(value: float | None, spec: str) -> str:
    return NOTHING if value is None else format(value, spec)


def dataset_rows(ours: RunResult, stock: RunResult) -> list[list[str]]:
    """(metric, ours, stock, ours / stock) for every metric either side has."""
    rows = []
    for row in ROWS:
        mine, theirs = row.value(ours), row.value(stock)
        if mine is None and theirs is None:
            continue
        share = ratio(mine, theirs)
        rows.append(
            [
                row.label,
                _cell(mine, row.format),
                _cell(theirs, row.format),
                NOTHING if share is None else f"{share:.2f}x",
            ]
        )
    return rows


def _provenance(result: RunResult) -> str:
    source = f"cached from {result.measured_at}" if result.cached else "measured now"
    without = f"; without {', '.join(result.left_out)}" if result.left_out else ""
    capped = f"epochs capped at {result.epochs_cap}: " if result.epochs_cap else ""
    return f"`{result.config}` ({capped}{result.epochs}{without}; {source})"


def _sizes(metrics: RunMetrics) -> str:
    tested = f"{metrics.oos_test_examples} of them out of scope"
    if metrics.models_trained > 1:
        return (
            f"{metrics.train_examples} examples, cross-validated in {metrics.models_trained} "
            f"folds: each tested once, {tested}."
        )
    trained = f"{metrics.train_examples} training examples"
    return f"{trained}; {metrics.test_examples} test examples, {tested}."


def dataset_section(name: str, ours: RunResult, stock: RunResult) -> list[str]:
    """A heading, the data's size, how each side ran, and the table."""
    lines = [f"## {name}", "", _sizes(ours.metrics), ""]
    lines += [f"- ours: {_provenance(ours)}", f"- stock: {_provenance(stock)}"]
    sources = (ours.metrics.interaction_types_from, stock.metrics.interaction_types_from)
    if any(sources):
        lines.append(
            f"- interaction types: ours from the {sources[0]}, stock from the {sources[1]}"
        )
    table = markdown_table(["metric", "ours", "stock", "ours / stock"], dataset_rows(ours, stock))
    return [*lines, "", *table, ""]


NOTES = (
    "Intent accuracy and macro-F1: in-scope test examples, the classifier's best intent "
    "(`nlu_fallback` set aside).",
    "As parsed: a message is out of scope (OOS) when the parse is `nlu_fallback` or an OOS "
    "intent (`oos`, `out_of_scope`); in-scope accuracy counts those as wrong.",
    "At the threshold: OOS when the best intent's confidence is below the smallest threshold "
    "that reaches the OOS recall target on the validation split (CLINC150's val + oos_val).",
    "The public data sets' intents have no interaction type, so InteractionTypeClassifier is "
    "left out there; on our own data a pipeline without it is typed by its best intent.",
    "A DIETClassifier with `intent_classification: false` is left out where the training data "
    "has no entity annotations (CLINC150, Bitext as loaded): Rasa 3.6 cannot train it there.",
    "Training time and model size are per trained model (the mean over folds when "
    "cross-validating); latency is one message at a time through the loaded model; peak "
    "memory is the run's child process (train + parse).",
)


def _settings_line(settings: dict[str, Any]) -> str:
    shown = {k: v for k, v in settings.items() if k != "datasets" and v is not None}
    return ", ".join(f"{key} `{value}`" for key, value in shown.items())


def to_markdown(report: BenchReport) -> str:
    """A preamble, then one table per data set, then how to read them."""
    lines = ["# NLU benchmark: ours vs stock Rasa", "", _settings_line(report.settings), ""]
    for name, (ours, stock) in pairs(report).items():
        lines += dataset_section(name, ours, stock)
    lines += ["## How to read it", "", *(f"- {note}" for note in NOTES)]
    return "\n".join(lines) + "\n"


def _ratios(ours: RunResult, stock: RunResult) -> dict[str, float | None]:
    return {row.key: ratio(row.value(ours), row.value(stock)) for row in ROWS}


def to_json(report: BenchReport) -> dict[str, Any]:
    """Settings, every run's numbers, and ours / stock per data set and metric."""
    return {
        "settings": report.settings,
        "runs": [dataclasses.asdict(result) for result in report.results],
        "ratios": {name: _ratios(*pair) for name, pair in pairs(report).items()},
    }


def summary_text(report: BenchReport) -> str:
    """The tables, for the terminal."""
    lines: list[str] = []
    for name, (ours, stock) in pairs(report).items():
        lines += dataset_section(name, ours, stock)
    return "\n".join(lines).rstrip()


def write_bench(report: BenchReport, out_dir: Path) -> tuple[Path, Path]:
    """Write nlu.md and nlu.json under `out_dir`; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown, json_path = out_dir / MARKDOWN_FILE, out_dir / JSON_FILE
    markdown.write_text(to_markdown(report), encoding="utf-8")
    json_path.write_text(json.dumps(to_json(report), indent=2) + "\n", encoding="utf-8")
    return markdown, json_path
