from collections import Counter

import pytest
from rasa.shared.nlu.training_data.message import Message

from tools.evaluation.folds import EvaluationError
from tools.evaluation.selection import (
    OOS_LABELS,
    Selection,
    first_intents,
    holdout_split,
    label_of,
    labels_to_keep,
    sample_per_label,
    select,
)

COUNTS = {"billing": 50, "cancel": 31, "greet": 12, "oos": 7}


def examples() -> list[Message]:
    return [
        Message.build(f"{label} {i}", intent=label)
        for label, count in COUNTS.items()
        for i in range(count)
    ]


def texts(messages: list[Message]) -> list[str]:
    return [str(m.get("text")) for m in messages]


def test_the_holdout_split_is_stratified_80_20() -> None:
    train, test = holdout_split(examples(), seed=42)

    held_out = Counter(label_of(e) for e in test)
    for label, count in COUNTS.items():
        assert abs(held_out[label] - count / 5) <= 1
    assert sorted(texts(train) + texts(test)) == sorted(texts(examples()))


def test_the_holdout_split_depends_only_on_the_seed() -> None:
    assert texts(holdout_split(examples(), seed=1)[1]) == texts(holdout_split(examples(), 1)[1])
    assert texts(holdout_split(examples(), seed=1)[1]) != texts(holdout_split(examples(), 2)[1])


def test_a_sample_takes_n_of_each_label_deterministically() -> None:
    sampled = sample_per_label(examples(), 3, seed=42)

    assert Counter(label_of(e) for e in sampled) == {label: 3 for label in COUNTS}
    assert texts(sampled) == texts(sample_per_label(examples(), 3, seed=42))
    assert texts(sampled) != texts(sample_per_label(examples(), 3, seed=43))


def test_a_sample_larger_than_a_label_keeps_all_of_it() -> None:
    assert Counter(label_of(e) for e in sample_per_label(examples(), 40, 1))["greet"] == 12


def test_the_first_intents_by_name_keep_the_out_of_scope_labels() -> None:
    assert first_intents(["greet", "cancel", "billing"], 2) == {"billing", "cancel"} | OOS_LABELS


def test_zero_intents_or_samples_are_refused() -> None:
    with pytest.raises(EvaluationError):
        first_intents(["greet"], 0)
    with pytest.raises(EvaluationError):
        sample_per_label(examples(), 0, seed=1)


def test_select_limits_intents_then_samples() -> None:
    selection = Selection(intents=1, sample=2, seed=42)
    labels = labels_to_keep(examples(), selection)

    selected = select(examples(), selection, labels)

    assert Counter(label_of(e) for e in selected) == {"billing": 2, "oos": 2}


def test_without_options_select_keeps_everything() -> None:
    assert len(select(examples(), Selection(), labels_to_keep(examples(), Selection()))) == 100
