"""Write the cross-validation report as JSON (for tools) and Markdown (for people)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tools.evaluation.metrics import Scores
from tools.evaluation.predictions import Prediction
from tools.evaluation.summary import Report, Summary

JSON_FILE = "report.json"
MARKDOWN_FILE = "report.md"


def _error(prediction: Prediction) -> dict[str, Any]:
    return {
        "text": prediction.text,
        "intent": prediction.intent,
        "predicted_intent": prediction.predicted_intent,
        "classifier_intent": prediction.classifier_intent,
        "confidence": round(prediction.confidence, 4),
        "gold_entities": sorted(prediction.gold_entities),
        "predicted_entities": sorted(prediction.predicted_entities),
    }


def to_json(report: Report) -> dict[str, Any]:
    """The report as plain JSON data; errors keep only what helps fix the data."""
    return {
        "settings": report.settings,
        "summary": asdict(report.summary),
        "per_intent": {
            intent: {"type": report.intent_types.get(intent), **asdict(scores)}
            for intent, scores in report.per_intent.items()
        },
        "confused_pairs": [asdict(pair) for pair in report.confused_pairs],
        "entities": {entity: asdict(scores) for entity, scores in report.entities.items()},
        "errors": [_error(prediction) for prediction in report.errors],
    }


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def _scores_row(name: str, scores: Scores) -> list[object]:
    return [
        name,
        f"{scores.precision:.3f}",
        f"{scores.recall:.3f}",
        f"{scores.f1:.3f}",
        scores.support,
    ]


def summary_rows(summary: Summary) -> list[tuple[str, str]]:
    """(metric, formatted value) pairs, in the order people read them."""
    train = ", ".join(f"{seconds:.1f}" for seconds in summary.train_seconds)
    return [
        ("held-out examples", str(summary.examples)),
        ("intent accuracy (fallback set aside)", f"{summary.intent_accuracy:.3f}"),
        ("intent macro-F1 (fallback set aside)", f"{summary.macro_f1:.3f}"),
        ("accuracy, nlu_fallback counted wrong", f"{summary.accuracy_fallback_as_wrong:.3f}"),
        ("fallback rate", f"{summary.fallback_rate:.3f}"),
        ("interaction-type accuracy", f"{summary.interaction_type_accuracy:.3f}"),
        ("conflict recall", f"{summary.conflict_recall:.3f}"),
        ("conflict precision", f"{summary.conflict_precision:.3f}"),
        ("train seconds per fold", train),
        (
            "parse latency p50 / p95 (ms)",
            f"{summary.parse_p50_ms:.1f} / {summary.parse_p95_ms:.1f}",
        ),
    ]


def to_markdown(report: Report) -> str:
    """Summary, entities, confusions, then every intent from the weakest up."""
    settings = ", ".join(f"{key} `{value}`" for key, value in report.settings.items())
    weakest_first = sorted(report.per_intent.items(), key=lambda item: (item[1].f1, item[0]))
    scores_header = ["precision", "recall", "F1", "support"]
    lines = ["# NLU cross-validation", "", settings, ""]
    lines += markdown_table(["metric", "value"], summary_rows(report.summary))
    lines += ["", "## Entities (exact type and span)", ""]
    lines += markdown_table(
        ["entity", *scores_header], (_scores_row(e, s) for e, s in report.entities.items())
    )
    lines += ["", "## Most confused intents", ""]
    lines += markdown_table(
        ["intent", "predicted as", "count"],
        ((c.intent, c.predicted, c.count) for c in report.confused_pairs),
    )
    lines += ["", "## Intents, weakest first", ""]
    rows = ([*_scores_row(i, s), report.intent_types.get(i) or "-"] for i, s in weakest_first)
    lines += markdown_table(["intent", *scores_header, "type"], rows)
    return "\n".join(lines) + "\n"


def summary_text(report: Report) -> str:
    """The summary and the worst confusions, for the terminal."""
    width = max(len(name) for name, _ in summary_rows(report.summary))
    lines = [f"{name:<{width}}  {value}" for name, value in summary_rows(report.summary)]
    lines += [f"{'entity F1 ' + e:<{width}}  {s.f1:.3f}" for e, s in report.entities.items()]
    lines += ["", "most confused (intent -> predicted: count):"]
    lines += [f"  {c.intent} -> {c.predicted}: {c.count}" for c in report.confused_pairs]
    return "\n".join(lines)


def write_report(report: Report, out_dir: Path) -> tuple[Path, Path]:
    """Write report.json and report.md under `out_dir`; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, markdown_path = out_dir / JSON_FILE, out_dir / MARKDOWN_FILE
    json_path.write_text(json.dumps(to_json(report), indent=2) + "\n", encoding="utf-8")
    markdown_path.write_text(to_markdown(report), encoding="utf-8")
    return json_path, markdown_path
