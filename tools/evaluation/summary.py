"""Turn all held-out predictions into the cross-validation report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.interaction_types import CONFLICT
from tools.evaluation import metrics
from tools.evaluation.metrics import Confusion, Scores
from tools.evaluation.predictions import Prediction

FALLBACK_INTENT = "nlu_fallback"
CONFUSED_PAIRS = 10


@dataclass(frozen=True)
class Summary:
    examples: int
    intent_accuracy: float  # the classifier's best intent, fallback set aside
    macro_f1: float
    accuracy_fallback_as_wrong: float  # the parsed intent, `nlu_fallback` counting as wrong
    fallback_rate: float
    interaction_type_accuracy: float
    conflict_recall: float
    conflict_precision: float
    train_seconds: list[float]  # one per fold
    parse_p50_ms: float
    parse_p95_ms: float


@dataclass(frozen=True)
class Report:
    settings: dict[str, str | int]
    summary: Summary
    per_intent: dict[str, Scores]
    intent_types: dict[str, str | None]
    confused_pairs: list[Confusion]
    entities: dict[str, Scores]
    errors: list[Prediction]


def is_mistake(prediction: Prediction) -> bool:
    """A wrong parsed intent (a fallback included) or entities that differ from the gold ones."""
    return (
        prediction.predicted_intent != prediction.intent
        or prediction.predicted_entities != prediction.gold_entities
    )


def summarise(predictions: Sequence[Prediction], train_seconds: Sequence[float]) -> Summary:
    """The headline numbers over every held-out prediction of every fold."""
    truth = [p.intent for p in predictions]
    best = [p.classifier_intent for p in predictions]
    parsed = [p.predicted_intent for p in predictions]
    typed = [p for p in predictions if p.interaction_type is not None]
    true_types = [p.interaction_type for p in typed]
    predicted_types = [p.predicted_type for p in typed]
    conflict = metrics.label_scores(true_types, predicted_types, CONFLICT)
    latencies_ms = [p.latency_seconds * 1000 for p in predictions]
    return Summary(
        examples=len(predictions),
        intent_accuracy=metrics.accuracy(truth, best),
        macro_f1=metrics.macro_f1(truth, best),
        accuracy_fallback_as_wrong=metrics.accuracy(truth, parsed),
        fallback_rate=metrics.rate(parsed, FALLBACK_INTENT),
        interaction_type_accuracy=metrics.accuracy(true_types, predicted_types),
        conflict_recall=conflict.recall,
        conflict_precision=conflict.precision,
        train_seconds=list(train_seconds),
        parse_p50_ms=metrics.percentile(latencies_ms, 50),
        parse_p95_ms=metrics.percentile(latencies_ms, 95),
    )


def build_report(
    predictions: Sequence[Prediction],
    train_seconds: Sequence[float],
    mapping: Mapping[str, str],
    settings: dict[str, str | int],
) -> Report:
    """Summary, per-intent and per-entity tables, the worst confusions and every mistake."""
    truth = [p.intent for p in predictions]
    best = [p.classifier_intent for p in predictions]
    return Report(
        settings=settings,
        summary=summarise(predictions, train_seconds),
        per_intent=metrics.per_label_scores(truth, best),
        intent_types={intent: mapping.get(intent) for intent in sorted(set(truth))},
        confused_pairs=metrics.confused_pairs(truth, best, top=CONFUSED_PAIRS),
        entities=metrics.entity_scores(
            [p.gold_entities for p in predictions], [p.predicted_entities for p in predictions]
        ),
        errors=[p for p in predictions if is_mistake(p)],
    )
