from typing import Any

from rasa.shared.nlu.training_data.message import Message

from tools.evaluation.predictions import (
    Prediction,
    classifier_confidence,
    classifier_intent,
    from_parse,
    spans,
)

PARSE: dict[str, Any] = {
    "text": "order #100234 is late",
    "intent": {"name": "nlu_fallback", "confidence": 0.35},
    "intent_ranking": [
        {"name": "nlu_fallback", "confidence": 0.35},
        {"name": "complaint", "confidence": 0.31},
        {"name": "order_status", "confidence": 0.30},
    ],
    "entities": [
        {"entity": "order_number", "start": 6, "end": 13, "value": "100234", "extractor": "X"}
    ],
    "interaction_type": {"name": "conflict", "confidence": 0.51},
}


def test_the_classifier_intent_sets_the_fallback_aside() -> None:
    assert classifier_intent(PARSE) == "complaint"


def test_the_classifier_confidence_is_the_real_intents_not_the_fallbacks() -> None:
    assert classifier_confidence(PARSE) == 0.31


def test_without_a_ranking_the_classifier_intent_is_the_parsed_one() -> None:
    assert classifier_intent({"intent": {"name": "greet", "confidence": 1.0}}) == "greet"


def test_spans_keep_type_start_and_end_only() -> None:
    assert spans(PARSE["entities"]) == frozenset({("order_number", 6, 13)})


def test_a_parse_becomes_a_prediction() -> None:
    example = Message.build(
        "order #100234 is late",
        intent="late_delivery",
        entities=[{"entity": "order_number", "start": 7, "end": 13, "value": "100234"}],
    )

    prediction = from_parse(example, PARSE, {"late_delivery": "conflict"}, latency_seconds=0.02)

    assert prediction == Prediction(
        text="order #100234 is late",
        intent="late_delivery",
        interaction_type="conflict",
        predicted_intent="nlu_fallback",
        classifier_intent="complaint",
        predicted_type="conflict",
        confidence=0.35,
        classifier_confidence=0.31,
        gold_entities=frozenset({("order_number", 7, 13)}),
        predicted_entities=frozenset({("order_number", 6, 13)}),
        latency_seconds=0.02,
    )


def test_a_parse_without_type_or_entities_still_becomes_a_prediction() -> None:
    example = Message.build("hi", intent="greet")

    prediction = from_parse(example, {"intent": {"name": "greet"}}, {}, latency_seconds=0.0)

    assert (prediction.interaction_type, prediction.predicted_type) == (None, None)
    assert prediction.predicted_entities == frozenset()
    assert prediction.confidence == 0.0
