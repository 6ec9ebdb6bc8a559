"""Out-of-scope detection: how well a pipeline knows what it does not know.

A message is out of scope (OOS) when its true label is one of `OOS_LABELS`. Two operating
points turn a prediction into "OOS or an intent":
- as parsed: `nlu_fallback` (FallbackClassifier) or a trained OOS intent on top;
- a threshold: the classifier's best intent is an OOS label, or its confidence is below `t`
  (Larson et al. 2019's "threshold" baseline), `t` chosen on a validation split.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tools.evaluation import metrics
from tools.evaluation.predictions import Prediction
from tools.evaluation.selection import OOS_LABELS
from tools.evaluation.summary import FALLBACK_INTENT

OOS = "<out of scope>"  # what both the truth and the prediction collapse to
TOLERANCE = 1e-9

Decide = Callable[[Prediction], str]


@dataclass(frozen=True)
class OperatingPoint:
    oos_recall: float | None  # None when the test data has no OOS examples
    oos_precision: float | None
    in_scope_accuracy: float  # right intent and not called OOS, over in-scope examples
    threshold: float | None = None


def truth(prediction: Prediction) -> str:
    return OOS if prediction.intent in OOS_LABELS else prediction.intent


def as_parsed(prediction: Prediction) -> str:
    """OOS when the parse is the fallback or a trained OOS intent."""
    intent = prediction.predicted_intent
    return OOS if intent == FALLBACK_INTENT or intent in OOS_LABELS else intent


def below(threshold: float) -> Decide:
    """OOS when the best real intent is an OOS label or its confidence is under `threshold`."""

    def decide(prediction: Prediction) -> str:
        intent = prediction.classifier_intent
        low = prediction.classifier_confidence < threshold
        return OOS if low or intent in OOS_LABELS else intent

    return decide


def operating_point(
    predictions: Sequence[Prediction], decide: Decide, threshold: float | None = None
) -> OperatingPoint:
    """OOS recall and precision, and in-scope accuracy, when `decide` labels each prediction."""
    truths = [truth(p) for p in predictions]
    decided = [decide(p) for p in predictions]
    in_scope = [(t, d) for t, d in zip(truths, decided, strict=True) if t != OOS]
    accuracy = metrics.accuracy([t for t, _ in in_scope], [d for _, d in in_scope])
    if OOS not in truths:
        return OperatingPoint(None, None, accuracy, threshold)
    scores = metrics.label_scores(truths, decided, OOS)
    return OperatingPoint(scores.recall, scores.precision, accuracy, threshold)


def smallest_threshold(validation: Sequence[Prediction], target_recall: float) -> float | None:
    """The smallest confidence threshold whose OOS recall on `validation` reaches the target.

    Recall only grows with the threshold, so it is the confidence of the k-th least
    confident OOS example still called in scope, nudged up so that "below" includes it.
    None when the validation data has no OOS examples.
    """
    oos = [p for p in validation if truth(p) == OOS]
    if not oos:
        return None
    needed = math.ceil(target_recall * len(oos) - TOLERANCE)
    missed = sorted(p.classifier_confidence for p in oos if p.classifier_intent not in OOS_LABELS)
    still_needed = needed - (len(oos) - len(missed))
    if still_needed <= 0:
        return 0.0
    return math.nextafter(missed[still_needed - 1], math.inf)
