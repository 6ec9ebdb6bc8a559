from collections import Counter
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from tools.evaluation.folds import EvaluationError, assign_folds, load_nlu_data, split

LABELS = ["a"] * 7 + ["b"] * 5 + ["c"] * 2


def test_every_label_is_spread_evenly_over_the_folds() -> None:
    folds = assign_folds(LABELS, k=3, seed=42)

    for label in "abc":
        per_fold = Counter(f for f, other in zip(folds, LABELS, strict=True) if other == label)
        assert max(per_fold.values()) - min(per_fold.get(i, 0) for i in range(3)) <= 1


def test_fold_sizes_differ_by_at_most_one() -> None:
    sizes = Counter(assign_folds(LABELS, k=3, seed=42))

    assert sorted(sizes.values()) == [4, 5, 5]


def test_folds_depend_only_on_the_seed() -> None:
    assert assign_folds(LABELS, k=3, seed=7) == assign_folds(LABELS, k=3, seed=7)
    assert assign_folds(LABELS, k=3, seed=7) != assign_folds(LABELS, k=3, seed=8)


def test_fewer_than_two_folds_is_refused() -> None:
    with pytest.raises(EvaluationError):
        assign_folds(LABELS, k=1, seed=42)


def data() -> TrainingData:
    examples = [Message.build(f"{label} {i}", intent=label) for i, label in enumerate(LABELS)]
    return TrainingData(
        training_examples=examples,
        entity_synonyms={"boots": "Summit Hiking Boots"},
        lookup_tables=[{"name": "product", "elements": ["Summit Hiking Boots"]}],
    )


def test_each_example_is_held_out_exactly_once() -> None:
    folds = split(data(), k=3, seed=42)

    held_out = [m.get("text") for fold in folds for m in fold.test]
    assert sorted(held_out) == sorted(m.get("text") for m in data().training_examples)
    for fold in folds:
        trained_on = {m.get("text") for m in fold.train.training_examples}
        assert trained_on.isdisjoint(m.get("text") for m in fold.test)
        assert len(trained_on) + len(fold.test) == len(LABELS)


def test_every_training_fold_keeps_lookups_and_synonyms() -> None:
    for fold in split(data(), k=3, seed=42):
        assert fold.train.lookup_tables == data().lookup_tables
        assert fold.train.entity_synonyms == {"boots": "Summit Hiking Boots"}


def test_more_folds_than_examples_is_refused() -> None:
    with pytest.raises(EvaluationError):
        split(TrainingData([Message.build("hi", intent="greet")]), k=2, seed=42)


def test_loading_adds_the_sibling_lookups(tmp_path: Path) -> None:
    (tmp_path / "nlu" / "informative").mkdir(parents=True)
    (tmp_path / "nlu" / "informative" / "greet.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n    - hello\n'
    )
    (tmp_path / "lookups").mkdir()
    (tmp_path / "lookups" / "product.yml").write_text(
        'version: "3.1"\nnlu:\n- lookup: product\n  examples: |\n    - Trail Runner 2\n'
    )

    loaded = load_nlu_data(tmp_path / "nlu")

    assert sorted(m.get("text") for m in loaded.intent_examples) == ["hello", "hi"]
    assert loaded.lookup_tables == [{"name": "product", "elements": ["Trail Runner 2"]}]


def test_loading_a_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EvaluationError):
        load_nlu_data(tmp_path / "nowhere")
