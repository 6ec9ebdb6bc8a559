"""How intent confidences become interaction-type confidences; no Rasa graph involved.

Summing the ranking per type (rather than taking the top intent's type) keeps the
type stable when two intents of one type split the confidence: `late_delivery` 0.4
and `damaged_item` 0.35 is clearly a conflict, whatever wins between the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rasa.shared.nlu.constants import INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY

from bot.interaction_types import INTERACTION_TYPES, InteractionTypeError, load_mapping

NLU_DIR_KEY = "nlu_dir"
MAPPING_KEY = "mapping"
TYPE_WEIGHTS_KEY = "type_weights"


def aggregate(
    intent_ranking: Iterable[Mapping[str, Any]],
    mapping: Mapping[str, str],
    weights: Mapping[str, float] | None = None,
) -> list[dict[str, Any]]:
    """Rank the interaction types by their share of the typed confidence mass.

    Intents without a type (`nlu_fallback`, unknown ones) are left out, so a
    fallback on top does not hide which kind of request it probably was.
    `weights` multiply a type's mass before the shares are taken: a conflict
    weighted 2 wins against a service request of up to twice its confidence,
    because treating a complaint as routine costs more than the other mistake.
    """
    mass: dict[str, float] = {}
    for intent in intent_ranking:
        type_name = mapping.get(intent.get(INTENT_NAME_KEY) or "")
        if type_name is not None:
            confidence = float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
            confidence *= (weights or {}).get(type_name, 1.0)
            mass[type_name] = mass.get(type_name, 0.0) + confidence
    total = sum(mass.values())
    if total <= 0.0:
        return []
    ranking = [{"name": name, "confidence": share / total} for name, share in mass.items()]
    return sorted(ranking, key=lambda item: (-item["confidence"], item["name"]))


def top_type(ranking: list[dict[str, Any]]) -> dict[str, Any]:
    """The best type, or `{"name": None, "confidence": 0.0}` when nothing is typed."""
    return dict(ranking[0]) if ranking else {"name": None, "confidence": 0.0}


def invert(explicit: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Turn the `mapping` config (type -> intents) into intent -> type."""
    mapping: dict[str, str] = {}
    for type_name, intents in explicit.items():
        if type_name not in INTERACTION_TYPES:
            raise InteractionTypeError(f"{MAPPING_KEY}: unknown interaction type {type_name!r}")
        for intent in [intents] if isinstance(intents, str) else intents:
            if mapping.setdefault(intent, type_name) != type_name:
                raise InteractionTypeError(
                    f"{MAPPING_KEY}: intent {intent!r} is declared as both "
                    f"{mapping[intent]!r} and {type_name!r}"
                )
    return mapping


def mapping_from_config(config: Mapping[str, Any]) -> tuple[bool, dict[str, str]]:
    """(whether any declaration was found, intent -> type) for a component config."""
    if config.get(MAPPING_KEY) is not None:
        return True, invert(config[MAPPING_KEY])
    nlu_dir = Path(config[NLU_DIR_KEY])
    if not nlu_dir.is_dir():
        return False, {}
    return True, load_mapping(nlu_dir)


def weights_from_config(config: Mapping[str, Any]) -> dict[str, float]:
    """The `type_weights` config checked: known types, positive numbers."""
    weights = config.get(TYPE_WEIGHTS_KEY) or {}
    if not isinstance(weights, Mapping):
        raise InteractionTypeError(f"{TYPE_WEIGHTS_KEY}: expected a mapping of type -> weight")
    for type_name, weight in weights.items():
        if type_name not in INTERACTION_TYPES:
            raise InteractionTypeError(
                f"{TYPE_WEIGHTS_KEY}: unknown interaction type {type_name!r}"
            )
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
            raise InteractionTypeError(
                f"{TYPE_WEIGHTS_KEY}: the weight of {type_name!r} must be a positive number, "
                f"not {weight!r}"
            )
    return {str(name): float(weight) for name, weight in weights.items()}
