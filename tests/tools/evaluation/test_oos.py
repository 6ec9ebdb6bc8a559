import math

import pytest

from tests.tools.evaluation.factories import prediction
from tools.evaluation.oos import (
    OOS,
    OperatingPoint,
    as_parsed,
    below,
    operating_point,
    smallest_threshold,
)
from tools.evaluation.predictions import Prediction


def oos_query(confidence: float, classifier: str = "greet") -> Prediction:
    return prediction("oos", classifier, confidence=confidence)


def test_a_fallback_or_an_oos_intent_is_out_of_scope_as_parsed() -> None:
    assert as_parsed(prediction("oos", "nlu_fallback", classifier="greet")) == OOS
    assert as_parsed(prediction("greet", "out_of_scope")) == as_parsed(prediction("x", "oos"))
    assert as_parsed(prediction("greet", "greet")) == "greet"


def test_below_the_threshold_is_out_of_scope_whatever_the_parse() -> None:
    assert below(0.5)(prediction("greet", "greet", confidence=0.4)) == OOS
    assert below(0.5)(prediction("greet", "greet", confidence=0.5)) == "greet"


def test_the_operating_point_counts_recall_precision_and_in_scope_accuracy() -> None:
    predictions = [
        prediction("oos", "nlu_fallback", classifier="greet"),  # OOS caught
        prediction("oos", "greet"),  # OOS missed
        prediction("greet", "nlu_fallback", classifier="greet"),  # in scope, called OOS
        prediction("greet", "greet"),  # right
        prediction("thanks", "greet"),  # wrong intent
    ]

    point = operating_point(predictions, as_parsed)

    assert point == OperatingPoint(oos_recall=0.5, oos_precision=0.5, in_scope_accuracy=1 / 3)


def test_without_oos_examples_recall_and_precision_are_none() -> None:
    point = operating_point([prediction("greet", "nlu_fallback")], as_parsed)

    assert (point.oos_recall, point.oos_precision, point.in_scope_accuracy) == (None, None, 0.0)


def test_the_smallest_threshold_reaching_the_recall_target_is_chosen() -> None:
    validation = [oos_query(c) for c in (0.2, 0.4, 0.6, 0.8, 0.9)] + [
        prediction("greet", "greet", confidence=0.3)
    ]

    threshold = smallest_threshold(validation, target_recall=0.6)

    assert threshold is not None and 0.6 < threshold < 0.6 + 1e-9
    assert operating_point(validation, below(threshold)).oos_recall == 0.6
    assert operating_point(validation, below(0.6)).oos_recall == 0.4


def test_oos_examples_already_classified_oos_count_towards_the_target() -> None:
    validation = [oos_query(0.9, classifier="oos"), oos_query(0.9, "oos"), oos_query(0.1)]

    assert smallest_threshold(validation, target_recall=0.6) == 0.0


def test_sixty_percent_of_a_hundred_needs_sixty_not_sixty_one() -> None:
    validation = [oos_query(i / 100) for i in range(100)]

    threshold = smallest_threshold(validation, target_recall=0.6)

    assert threshold == math.nextafter(0.59, math.inf)
    assert operating_point(validation, below(threshold)).oos_recall == pytest.approx(0.6)


def test_no_threshold_without_oos_examples() -> None:
    assert smallest_threshold([prediction("greet", "greet")], 0.6) is None
