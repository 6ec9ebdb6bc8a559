"""What one benchmark run measured, from its predictions and its training runs.

Intent accuracy and macro-F1 are over in-scope test examples and the classifier's best
intent (the fallback set aside), as `cim crossval` scores them; out-of-scope examples are
judged by the two operating points of `oos`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

from tools.evaluation import oos
from tools.evaluation.oos import OperatingPoint
from tools.evaluation.predictions import Prediction
from tools.evaluation.runner import SplitResult
from tools.evaluation.summary import summarise

PIPELINE_TYPES = "pipeline"  # the pipeline's InteractionTypeClassifier typed each message
TOP_INTENT_TYPES = "top intent"  # no such component: the type of the best intent stands in


@dataclass(frozen=True)
class RunMetrics:
    train_examples: int
    test_examples: int
    oos_test_examples: int
    intent_accuracy: float
    macro_f1: float
    as_parsed: OperatingPoint
    at_threshold: OperatingPoint | None  # only with a validation split holding OOS examples
    threshold_val_oos_recall: float | None
    interaction_type_accuracy: float | None  # only on data with interaction types
    conflict_recall: float | None
    interaction_types_from: str | None
    models_trained: int  # more than one: cross-validated, each example tested once
    train_seconds: float  # per model: the mean over folds when cross-validating
    model_bytes: float  # likewise
    parse_p50_ms: float
    parse_p95_ms: float


@dataclass(frozen=True)
class TrainedRuns:
    val: list[Prediction]
    test: list[Prediction]
    splits: list[SplitResult]  # one per model trained


def with_intent_types(
    predictions: Sequence[Prediction], mapping: Mapping[str, str]
) -> tuple[list[Prediction], str]:
    """Predictions with a type each, and where the types came from.

    A pipeline without InteractionTypeClassifier (stock Rasa) still gets a type accuracy:
    the type of its best intent, as actions do for button payloads.
    """
    if any(p.predicted_type is not None for p in predictions):
        return list(predictions), PIPELINE_TYPES
    typed = [
        dataclasses.replace(p, predicted_type=mapping.get(p.classifier_intent)) for p in predictions
    ]
    return typed, TOP_INTENT_TYPES


def _threshold_point(
    runs: TrainedRuns, target_recall: float
) -> tuple[OperatingPoint | None, float | None]:
    threshold = oos.smallest_threshold(runs.val, target_recall)
    if threshold is None:
        return None, None
    on_val = oos.operating_point(runs.val, oos.below(threshold), threshold)
    return oos.operating_point(runs.test, oos.below(threshold), threshold), on_val.oos_recall


def _typed_scores(
    runs: TrainedRuns, mapping: Mapping[str, str]
) -> tuple[float | None, float | None, str | None]:
    """(type accuracy, conflict recall, where types came from); all None on untyped data."""
    if not mapping:
        return None, None, None
    typed, source = with_intent_types(runs.test, mapping)
    summary = summarise(typed, [])
    return summary.interaction_type_accuracy, summary.conflict_recall, source


def score(
    runs: TrainedRuns, mapping: Mapping[str, str], train_examples: int, target_recall: float
) -> RunMetrics:
    """Every number the benchmark reports for one (data set, pipeline) run."""
    in_scope = [p for p in runs.test if oos.truth(p) != oos.OOS]
    intents = summarise(in_scope, [])
    latency = summarise(runs.test, [])
    at_threshold, val_recall = _threshold_point(runs, target_recall)
    type_accuracy, conflict_recall, types_from = _typed_scores(runs, mapping)
    return RunMetrics(
        train_examples=train_examples,
        test_examples=len(runs.test),
        oos_test_examples=len(runs.test) - len(in_scope),
        intent_accuracy=intents.intent_accuracy,
        macro_f1=intents.macro_f1,
        as_parsed=oos.operating_point(runs.test, oos.as_parsed),
        at_threshold=at_threshold,
        threshold_val_oos_recall=val_recall,
        interaction_type_accuracy=type_accuracy,
        conflict_recall=conflict_recall,
        interaction_types_from=types_from,
        models_trained=len(runs.splits),
        train_seconds=fmean(s.train_seconds for s in runs.splits),
        model_bytes=fmean(s.model_bytes for s in runs.splits),
        parse_p50_ms=latency.parse_p50_ms,
        parse_p95_ms=latency.parse_p95_ms,
    )


def metrics_from_json(data: Mapping[str, Any]) -> RunMetrics:
    """The inverse of `dataclasses.asdict` on RunMetrics (results travel and cache as JSON)."""
    threshold = data.get("at_threshold")
    return RunMetrics(
        **{
            **data,
            "as_parsed": OperatingPoint(**data["as_parsed"]),
            "at_threshold": OperatingPoint(**threshold) if threshold else None,
        }
    )
