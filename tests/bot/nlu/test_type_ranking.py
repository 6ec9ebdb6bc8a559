from pathlib import Path

import pytest

from bot.interaction_types import InteractionTypeError
from bot.nlu.type_ranking import (
    aggregate,
    invert,
    mapping_from_config,
    top_type,
    weights_from_config,
)

MAPPING = {
    "greet": "informative",
    "order_status": "service",
    "late_delivery": "conflict",
    "damaged_item": "conflict",
}


def intent(name: str, confidence: float) -> dict:
    return {"name": name, "confidence": confidence}


def test_types_sum_the_confidence_of_their_intents() -> None:
    ranking = [
        intent("order_status", 0.45),
        intent("late_delivery", 0.3),
        intent("damaged_item", 0.25),
    ]

    result = aggregate(ranking, MAPPING)

    assert [r["name"] for r in result] == ["conflict", "service"]
    assert result[0]["confidence"] == pytest.approx(0.55)
    assert result[1]["confidence"] == pytest.approx(0.45)


def test_nlu_fallback_on_top_is_ignored_and_the_rest_renormalised() -> None:
    ranking = [intent("nlu_fallback", 0.35), intent("greet", 0.3), intent("order_status", 0.1)]

    result = aggregate(ranking, MAPPING)

    assert top_type(result) == {"name": "informative", "confidence": pytest.approx(0.75)}


def test_unknown_intents_are_ignored() -> None:
    result = aggregate([intent("mystery", 0.9), intent("greet", 0.1)], MAPPING)

    assert result == [{"name": "informative", "confidence": pytest.approx(1.0)}]


def test_empty_ranking_gives_no_type() -> None:
    assert aggregate([], MAPPING) == []
    assert top_type([]) == {"name": None, "confidence": 0.0}


def test_only_untyped_or_zero_confidence_intents_give_no_type() -> None:
    assert aggregate([intent("nlu_fallback", 1.0)], MAPPING) == []
    assert aggregate([intent("greet", 0.0)], MAPPING) == []
    assert aggregate([{"name": None, "confidence": None}], MAPPING) == []


def test_ties_are_broken_by_name_so_results_are_stable() -> None:
    result = aggregate([intent("order_status", 0.5), intent("greet", 0.5)], MAPPING)

    assert [r["name"] for r in result] == ["informative", "service"]


def test_confidences_may_be_numpy_floats() -> None:
    import numpy as np

    result = aggregate([intent("greet", np.float32(0.5))], MAPPING)  # type: ignore[arg-type]

    assert type(result[0]["confidence"]) is float


def test_explicit_mapping_is_inverted() -> None:
    assert invert({"service": ["order_status", "inform"], "informative": "greet"}) == {
        "order_status": "service",
        "inform": "service",
        "greet": "informative",
    }


def test_explicit_mapping_rejects_unknown_types_and_double_declarations() -> None:
    with pytest.raises(InteractionTypeError, match="unknown interaction type 'chitchat'"):
        invert({"chitchat": ["greet"]})
    with pytest.raises(InteractionTypeError, match="both"):
        invert({"service": ["greet"], "informative": ["greet"]})


def test_explicit_mapping_overrides_the_directory(tmp_path: Path) -> None:
    config = {"nlu_dir": str(tmp_path / "missing"), "mapping": {"sales": ["upgrade"]}}

    assert mapping_from_config(config) == (True, {"upgrade": "sales"})


def test_a_missing_directory_is_reported_as_not_found(tmp_path: Path) -> None:
    assert mapping_from_config({"nlu_dir": str(tmp_path / "missing")}) == (False, {})


def test_the_directory_declares_the_types(tmp_path: Path) -> None:
    (tmp_path / "service").mkdir()
    (tmp_path / "service" / "inform.yml").write_text(
        "nlu:\n- intent: inform\n  examples: |\n    - x\n"
    )

    assert mapping_from_config({"nlu_dir": str(tmp_path)}) == (True, {"inform": "service"})


def test_a_weighted_type_wins_within_its_weight() -> None:
    ranking = [intent("order_status", 0.6), intent("late_delivery", 0.35)]

    unweighted = aggregate(ranking, MAPPING)
    weighted = aggregate(ranking, MAPPING, {"conflict": 2.0})

    assert top_type(unweighted)["name"] == "service"
    assert top_type(weighted) == {"name": "conflict", "confidence": pytest.approx(0.7 / 1.3)}
    assert sum(r["confidence"] for r in weighted) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "weights, message",
    [
        ({"grumpy": 2.0}, "unknown interaction type"),
        ({"conflict": 0}, "positive number"),
        ({"conflict": "2"}, "positive number"),
        ({"conflict": True}, "positive number"),
        (["conflict"], "expected a mapping"),
    ],
)
def test_bad_type_weights_are_refused(weights: object, message: str) -> None:
    with pytest.raises(InteractionTypeError, match=message):
        weights_from_config({"type_weights": weights})


def test_no_type_weights_weigh_one() -> None:
    assert weights_from_config({"type_weights": None}) == {}
    assert weights_from_config({}) == {}
