import dataclasses

from tests.tools.evaluation.factories import TYPES, prediction
from tools.evaluation.bench_scores import (
    TOP_INTENT_TYPES,
    TrainedRuns,
    metrics_from_json,
    score,
    with_intent_types,
)
from tools.evaluation.runner import SplitResult


def runs() -> TrainedRuns:
    val = [
        prediction("oos", "greet", confidence=0.3),
        prediction("oos", "greet", confidence=0.8),
        prediction("greet", "greet", confidence=0.9),
    ]
    test = [
        prediction("greet", "greet", confidence=0.9),
        prediction("complaint", "nlu_fallback", classifier="complaint", confidence=0.2),
        prediction("order_status", "greet", confidence=0.6),
        prediction("oos", "greet", confidence=0.1),
    ]
    splits = [SplitResult(test, 2.0, 1000), SplitResult([], 4.0, 3000)]
    return TrainedRuns(val, test, splits)


def test_intent_scores_are_over_in_scope_examples_only() -> None:
    metrics = score(runs(), {}, train_examples=10, target_recall=0.5)

    assert (metrics.test_examples, metrics.oos_test_examples) == (4, 1)
    assert metrics.intent_accuracy == 2 / 3  # the fallback is set aside
    assert metrics.as_parsed.in_scope_accuracy == 1 / 3  # ...and counted wrong here
    assert metrics.as_parsed.oos_recall == 0.0
    assert (metrics.train_seconds, metrics.model_bytes) == (3.0, 2000)


def test_the_threshold_is_chosen_on_val_and_scored_on_test() -> None:
    metrics = score(runs(), {}, train_examples=10, target_recall=0.5)

    assert metrics.at_threshold is not None
    threshold = metrics.at_threshold.threshold
    assert threshold is not None and 0.3 < threshold < 0.31
    assert metrics.threshold_val_oos_recall == 0.5
    assert metrics.at_threshold.oos_recall == 1.0
    assert metrics.at_threshold.in_scope_accuracy == 1 / 3


def test_types_are_scored_only_on_typed_data() -> None:
    assert score(runs(), {}, 10, 0.5).interaction_type_accuracy is None
    assert score(runs(), TYPES, 10, 0.5).conflict_recall == 1.0


def test_a_pipeline_without_types_is_typed_by_its_best_intent() -> None:
    untyped = [dataclasses.replace(p, predicted_type=None) for p in runs().test]

    typed, source = with_intent_types(untyped, TYPES)

    assert source == TOP_INTENT_TYPES
    assert [p.predicted_type for p in typed] == [
        "informative",
        "conflict",
        "informative",
        "informative",
    ]


def test_metrics_survive_json() -> None:
    metrics = score(runs(), TYPES, 10, 0.5)

    assert metrics_from_json(dataclasses.asdict(metrics)) == metrics
