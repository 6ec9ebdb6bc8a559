from pathlib import Path

import yaml

from tools.evaluation.bench_config import (
    epochs_note,
    fitted_config,
    left_out,
    without_entity_only_diet,
)

CONFIG = """\
recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: DIETClassifier
    epochs: 100
  - name: DIETClassifier
    intent_classification: false
    epochs: 3
  - name: ResponseSelector
  - name: bot.nlu.interaction_type.InteractionTypeClassifier
    nlu_dir: data/nlu
"""


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.yml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def pipeline(text: str) -> list[dict[str, object]]:
    return list(yaml.safe_load(text)["pipeline"])


def test_epochs_are_capped_including_rasas_unwritten_default(tmp_path: Path) -> None:
    fitted = fitted_config(write_config(tmp_path), epochs=5, nlu_dir="x")

    assert [c.get("epochs") for c in pipeline(fitted)] == [None, 5, 3, 5, None]
    assert epochs_note(fitted) == "DIETClassifier 5, DIETClassifier 3, ResponseSelector 5"


def test_the_type_mapping_points_at_the_data_under_test(tmp_path: Path) -> None:
    fitted = fitted_config(write_config(tmp_path), epochs=None, nlu_dir="/data/nlu")

    assert pipeline(fitted)[-1]["nlu_dir"] == "/data/nlu"
    assert pipeline(fitted)[1]["epochs"] == 100


def test_without_types_the_type_classifier_is_left_out_and_reported(tmp_path: Path) -> None:
    path = write_config(tmp_path)

    fitted = fitted_config(path, epochs=None, nlu_dir=None)

    assert left_out(path, fitted) == ["InteractionTypeClassifier"]


def test_an_entity_only_diet_is_dropped_without_entities(tmp_path: Path) -> None:
    path = write_config(tmp_path)

    fitted = without_entity_only_diet(fitted_config(path, epochs=None, nlu_dir=None))

    assert [c["name"] for c in pipeline(fitted)].count("DIETClassifier") == 1
    assert left_out(path, fitted) == ["DIETClassifier", "InteractionTypeClassifier"]
