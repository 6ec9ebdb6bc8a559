"""Stratified folds over the NLU data, deterministic for a seed."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

LOOKUPS_DIR = "lookups"


class EvaluationError(ValueError):
    """The evaluation cannot run on what it was given."""


@dataclass(frozen=True)
class Fold:
    index: int
    train: TrainingData
    test: list[Message]


def load_nlu_data(nlu_dir: Path) -> TrainingData:
    """The examples under `nlu_dir`, plus the sibling `lookups/` the product extractor needs."""
    if not nlu_dir.is_dir():
        raise EvaluationError(f"no NLU data directory at {nlu_dir}")
    data = load_data(str(nlu_dir))
    lookups = nlu_dir.parent / LOOKUPS_DIR
    return data.merge(load_data(str(lookups))) if lookups.is_dir() else data


def assign_folds(labels: Sequence[str], k: int, seed: int) -> list[int]:
    """The fold of each example: each label's examples are shuffled, then dealt round-robin.

    Dealing carries on across labels instead of restarting at fold 0, so fold sizes
    differ by at most one example.
    """
    if k < 2:
        raise EvaluationError(f"cross-validation needs at least 2 folds, not {k}")
    rng = random.Random(seed)
    folds = [0] * len(labels)
    dealt = 0
    for label in sorted(set(labels)):
        members = [i for i, other in enumerate(labels) if other == label]
        rng.shuffle(members)
        for index in members:
            folds[index] = dealt % k
            dealt += 1
    return folds


def with_examples(data: TrainingData, examples: Sequence[Message]) -> TrainingData:
    """`examples` plus all of `data`'s lookup tables, synonyms and regexes.

    Those are knowledge rather than examples: holding them out of a fold would
    measure a product list with holes in it, not the pipeline.
    """
    return TrainingData(
        training_examples=list(examples),
        entity_synonyms=data.entity_synonyms,
        regex_features=data.regex_features,
        lookup_tables=data.lookup_tables,
        responses=data.responses,
    )


def split(data: TrainingData, k: int, seed: int) -> list[Fold]:
    """k folds, each training on the others' intent examples and testing on its own."""
    examples = data.intent_examples
    if len(examples) < k:
        raise EvaluationError(f"{len(examples)} examples cannot fill {k} folds")
    assigned = assign_folds([str(example.get(INTENT)) for example in examples], k, seed)
    return [
        Fold(
            index=fold,
            train=with_examples(
                data, [e for e, f in zip(examples, assigned, strict=True) if f != fold]
            ),
            test=[e for e, f in zip(examples, assigned, strict=True) if f == fold],
        )
        for fold in range(k)
    ]
