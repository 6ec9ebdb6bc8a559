import pytest

from tests.tools.evaluation.factories import TYPES, near, prediction
from tools.evaluation.metrics import Confusion, Scores
from tools.evaluation.summary import build_report, is_mistake, summarise

ORDER = frozenset({("order_number", 9, 15)})
PREDICTIONS = [
    prediction("greet", "greet", latency=0.010),
    prediction("greet", "nlu_fallback", classifier="greet", latency=0.020),
    prediction("order_status", "order_status", gold=ORDER, found=ORDER, latency=0.030),
    prediction("order_status", "complaint", gold=ORDER, latency=0.040),
    prediction("complaint", "nlu_fallback", classifier="order_status", latency=0.050),
    prediction("complaint", "complaint", predicted_type="service", latency=0.060),
]


def test_the_summary_by_hand() -> None:
    summary = summarise(PREDICTIONS, [12.0, 14.5])

    assert summary.examples == 6
    # classifier intents: greet, greet, order_status, complaint, order_status, complaint
    assert summary.intent_accuracy == pytest.approx(4 / 6)
    # F1: greet 1.0; order_status P 1/2 R 1/2 -> 0.5; complaint P 1/2 R 1/2 -> 0.5
    assert summary.macro_f1 == pytest.approx(2 / 3)
    # parsed intents right: greet, order_status, complaint (two fallbacks, one mix-up)
    assert summary.accuracy_fallback_as_wrong == pytest.approx(3 / 6)
    assert summary.fallback_rate == pytest.approx(2 / 6)
    # types: informative x2 right, service right, service->conflict, conflict->service x2
    assert summary.interaction_type_accuracy == pytest.approx(3 / 6)
    assert (summary.conflict_recall, summary.conflict_precision) == (0.0, 0.0)
    assert summary.train_seconds == [12.0, 14.5]
    assert summary.parse_p50_ms == pytest.approx(35.0)
    assert summary.parse_p95_ms == pytest.approx(57.5)


def test_conflict_recall_and_precision() -> None:
    predictions = [
        prediction("complaint", "complaint"),
        prediction("complaint", "greet"),
        prediction("greet", "complaint"),
        prediction("order_status", "complaint"),
    ]

    summary = summarise(predictions, [1.0])

    assert summary.conflict_recall == pytest.approx(1 / 2)
    assert summary.conflict_precision == pytest.approx(1 / 3)


def test_untyped_intents_are_left_out_of_the_type_accuracy() -> None:
    predictions = [prediction("greet", "greet"), prediction("chitchat", "greet")]

    assert summarise(predictions, [1.0]).interaction_type_accuracy == 1.0


def test_a_mistake_is_a_wrong_intent_a_fallback_or_wrong_entities() -> None:
    assert [is_mistake(p) for p in PREDICTIONS] == [False, True, False, True, True, False]


def test_the_report_tables() -> None:
    report = build_report(PREDICTIONS, [12.0], TYPES, {"folds": 2})

    assert report.per_intent["greet"] == Scores(1.0, 1.0, 1.0, 2)
    assert report.intent_types == TYPES
    assert report.confused_pairs == [
        Confusion("complaint", "order_status", 1),
        Confusion("order_status", "complaint", 1),
    ]
    assert report.entities == {"order_number": Scores(1.0, 0.5, near(2 / 3), 2)}
    assert report.errors == [PREDICTIONS[1], PREDICTIONS[3], PREDICTIONS[4]]
