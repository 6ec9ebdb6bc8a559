"""Which examples a benchmark run sees: a fixed held-out split, the first few intents, a sample.

All of it is deterministic for a seed, so a cached result and a rerun measure the same data.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.message import Message

from tools.evaluation.folds import EvaluationError, assign_folds

# The labels public data sets and our own data give queries no intent covers.
OOS_LABELS = frozenset({"oos", "out_of_scope"})
HOLDOUT_FOLDS = 5  # hold out one fold of five: an 80/20 split


@dataclass(frozen=True)
class Selection:
    intents: int | None = None  # keep the first K in-scope intents by name
    sample: int | None = None  # keep N examples of each label, in every split
    seed: int = 42


def label_of(example: Message) -> str:
    return str(example.get(INTENT))


def holdout_split(
    examples: Sequence[Message], seed: int, folds: int = HOLDOUT_FOLDS
) -> tuple[list[Message], list[Message]]:
    """(train, test): each label's examples shuffled and dealt, one fold in `folds` held out.

    It is fold 0 of the cross-validation's `assign_folds`, so each label's test share
    is 1/folds give or take one example.
    """
    assigned = assign_folds([label_of(e) for e in examples], folds, seed)
    train = [e for e, fold in zip(examples, assigned, strict=True) if fold != 0]
    test = [e for e, fold in zip(examples, assigned, strict=True) if fold == 0]
    return train, test


def first_intents(labels: Iterable[str], k: int) -> frozenset[str]:
    """The first `k` in-scope labels by name, plus the out-of-scope ones the OOS metrics need.

    OOS labels stay even when training has none (CLINC150 without `oos_train`): the
    test data's out-of-scope queries are what the OOS metrics are about.
    """
    if k < 1:
        raise EvaluationError(f"--intents needs at least 1 intent, not {k}")
    return frozenset(sorted(set(labels) - OOS_LABELS)[:k]) | OOS_LABELS


def sample_per_label(examples: Sequence[Message], n: int, seed: int) -> list[Message]:
    """`n` examples of each label, picked by a seeded shuffle; the chosen keep their order."""
    if n < 1:
        raise EvaluationError(f"--sample needs at least 1 example per intent, not {n}")
    members: defaultdict[str, list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        members[label_of(example)].append(index)
    rng = random.Random(seed)
    chosen: set[int] = set()
    for label in sorted(members):
        rng.shuffle(members[label])
        chosen.update(members[label][:n])
    return [example for index, example in enumerate(examples) if index in chosen]


def select(
    examples: Sequence[Message], selection: Selection, labels: frozenset[str] | None
) -> list[Message]:
    """`examples` of `labels` (None: all), sampled if the selection asks for it."""
    kept = [e for e in examples if labels is None or label_of(e) in labels]
    if selection.sample is None:
        return kept
    return sample_per_label(kept, selection.sample, selection.seed)


def labels_to_keep(train: Sequence[Message], selection: Selection) -> frozenset[str] | None:
    """The labels every split keeps, decided on the training split; None keeps all."""
    if selection.intents is None:
        return None
    return first_intents((label_of(e) for e in train), selection.intents)
