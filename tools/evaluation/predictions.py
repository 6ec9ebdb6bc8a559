"""One held-out example next to what the model made of it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.interaction_types import UNTYPED_INTENTS
from bot.nlu.interaction_type import INTERACTION_TYPE

# (entity type, start, end): an entity counts as found only with its exact span.
Span = tuple[str, int, int]


@dataclass(frozen=True)
class Prediction:
    text: str
    intent: str
    interaction_type: str | None
    predicted_intent: str  # as parsed: `nlu_fallback` when FallbackClassifier fired
    classifier_intent: str  # the best real intent, whether or not the fallback fired
    predicted_type: str | None
    confidence: float  # of the parsed intent
    classifier_confidence: float  # of `classifier_intent`: what an OOS threshold compares
    gold_entities: frozenset[Span]
    predicted_entities: frozenset[Span]
    latency_seconds: float


def spans(entities: Iterable[Mapping[str, Any]]) -> frozenset[Span]:
    """The (entity, start, end) of each entity, ignoring values, extractors and roles."""
    return frozenset(
        (
            str(e[ENTITY_ATTRIBUTE_TYPE]),
            int(e[ENTITY_ATTRIBUTE_START]),
            int(e[ENTITY_ATTRIBUTE_END]),
        )
        for e in entities
    )


def _best_real_intent(parse_data: Mapping[str, Any]) -> Mapping[str, Any]:
    for ranked in parse_data.get(INTENT_RANKING_KEY) or []:
        if ranked.get(INTENT_NAME_KEY) not in UNTYPED_INTENTS:
            return dict(ranked)
    return dict(parse_data.get(INTENT) or {})


def classifier_intent(parse_data: Mapping[str, Any]) -> str:
    """The top intent once `nlu_fallback` is set aside, so the classifier is judged on its own."""
    return str(_best_real_intent(parse_data).get(INTENT_NAME_KEY))


def classifier_confidence(parse_data: Mapping[str, Any]) -> float:
    """The confidence of `classifier_intent`, not the fallback's stand-in value."""
    return float(_best_real_intent(parse_data).get(PREDICTED_CONFIDENCE_KEY) or 0.0)


def from_parse(
    example: Message,
    parse_data: Mapping[str, Any],
    mapping: Mapping[str, str],
    latency_seconds: float,
) -> Prediction:
    """Pair a held-out example with its parse; the true type comes from `mapping`."""
    intent = str(example.get(INTENT))
    parsed_intent = parse_data.get(INTENT) or {}
    return Prediction(
        text=str(example.get(TEXT)),
        intent=intent,
        interaction_type=mapping.get(intent),
        predicted_intent=str(parsed_intent.get(INTENT_NAME_KEY)),
        classifier_intent=classifier_intent(parse_data),
        predicted_type=(parse_data.get(INTERACTION_TYPE) or {}).get("name"),
        confidence=float(parsed_intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0),
        classifier_confidence=classifier_confidence(parse_data),
        gold_entities=spans(example.get(ENTITIES) or []),
        predicted_entities=spans(parse_data.get(ENTITIES) or []),
        latency_seconds=latency_seconds,
    )
