"""Predictions made by hand, for the summary and report tests."""

from typing import cast

import pytest

from tools.evaluation.predictions import Prediction, Span

TYPES = {"greet": "informative", "order_status": "service", "complaint": "conflict"}


def prediction(
    intent: str,
    predicted: str,
    *,
    classifier: str | None = None,
    predicted_type: str | None = None,
    gold: frozenset[Span] = frozenset(),
    found: frozenset[Span] = frozenset(),
    latency: float = 0.01,
    confidence: float = 0.9,
) -> Prediction:
    """A held-out example; the classifier's intent and the type follow `predicted` by default."""
    classifier = classifier or predicted
    return Prediction(
        text=f"{intent} example",
        intent=intent,
        interaction_type=TYPES.get(intent),
        predicted_intent=predicted,
        classifier_intent=classifier,
        predicted_type=predicted_type or TYPES.get(classifier),
        confidence=confidence,
        classifier_confidence=confidence,
        gold_entities=gold,
        predicted_entities=found,
        latency_seconds=latency,
    )


def near(value: float) -> float:
    """`pytest.approx(value)`, typed as the float it stands in for inside a `Scores`."""
    return cast(float, pytest.approx(value))
