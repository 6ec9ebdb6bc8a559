"""The benchmark's data sets: what each trains on, what it is tested on, how it is split.

A `DataSpec` is plain data (it travels to the child process as JSON and feeds the cache
key); `load_set` turns it into a `BenchSet` of Rasa examples. Files are read where they
are, at run time: public data sets are never copied into the project.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.interaction_types import load_mapping
from tools.evaluation.datasets import CsvColumns, read_clinc, read_csv, read_examples
from tools.evaluation.folds import EvaluationError, load_nlu_data, with_examples
from tools.evaluation.selection import Selection, holdout_split, labels_to_keep, select

CLINC = "clinc150"
CLINC_OOS = "clinc150+oos_train"
BITEXT = "bitext"
OWN = "own"
CUSTOM = "custom"
# What `--datasets` accepts; clinc150 runs twice, without and with `oos_train`.
DATASET_CHOICES = (CLINC, BITEXT, OWN)
BITEXT_COLUMNS = CsvColumns(text="instruction", label="intent")


@dataclass(frozen=True)
class DataSpec:
    name: str
    paths: tuple[str, ...]  # every file or directory the set reads, for the cache key too
    selection: Selection = field(default_factory=Selection)
    folds: int = 0  # > 0: cross-validate (our own data) rather than test on a fixed split
    columns: CsvColumns = field(default_factory=CsvColumns)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "paths": list(self.paths),
            "selection": vars(self.selection),
            "folds": self.folds,
            "columns": vars(self.columns),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DataSpec:
        return cls(
            name=data["name"],
            paths=tuple(data["paths"]),
            selection=Selection(**data["selection"]),
            folds=data["folds"],
            columns=CsvColumns(**data["columns"]),
        )


@dataclass(frozen=True)
class Job:
    spec: DataSpec
    config: str  # path of the fitted config
    target_recall: float

    def to_json(self) -> dict[str, Any]:
        return {"spec": self.spec.to_json(), "config": self.config, "target": self.target_recall}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        return cls(DataSpec.from_json(data["spec"]), data["config"], data["target"])


@dataclass(frozen=True)
class BenchSet:
    name: str
    train: TrainingData
    test: list[Message] = field(default_factory=list)
    val: list[Message] = field(default_factory=list)  # where an OOS threshold is chosen
    mapping: dict[str, str] = field(default_factory=dict)  # intent -> interaction type
    folds: int = 0


def _selected(
    spec: DataSpec, train: Sequence[Message], *others: Sequence[Message]
) -> list[list[Message]]:
    """Apply the spec's intent limit and sample to the training split and the others alike."""
    labels = labels_to_keep(train, spec.selection)
    return [select(split, spec.selection, labels) for split in (train, *others)]


def _clinc(spec: DataSpec, with_oos_train: bool) -> BenchSet:
    data = read_clinc(Path(spec.paths[0]))
    train = data["train"] + (data["oos_train"] if with_oos_train else [])
    train, val, test = _selected(
        spec, train, data["val"] + data["oos_val"], data["test"] + data["oos_test"]
    )
    return BenchSet(spec.name, TrainingData(train), test=test, val=val)


def _bitext(spec: DataSpec) -> BenchSet:
    examples = read_csv(Path(spec.paths[0]), spec.columns).intent_examples
    train, test = _selected(spec, *holdout_split(examples, spec.selection.seed))
    return BenchSet(spec.name, TrainingData(train), test=test)


def _own(spec: DataSpec) -> BenchSet:
    nlu_dir = Path(spec.paths[0])
    data = load_nlu_data(nlu_dir)
    (examples,) = _selected(spec, data.intent_examples)
    train = with_examples(data, examples)
    return BenchSet(spec.name, train, mapping=load_mapping(nlu_dir), folds=spec.folds)


def _custom(spec: DataSpec) -> BenchSet:
    train_data = read_examples(Path(spec.paths[0]), spec.columns)
    test = read_examples(Path(spec.paths[1]), spec.columns).intent_examples
    train, test = _selected(spec, train_data.intent_examples, test)
    return BenchSet(spec.name, with_examples(train_data, train), test=test)


LOADERS: dict[str, Callable[[DataSpec], BenchSet]] = {
    CLINC: lambda spec: _clinc(spec, with_oos_train=False),
    CLINC_OOS: lambda spec: _clinc(spec, with_oos_train=True),
    BITEXT: _bitext,
    OWN: _own,
    CUSTOM: _custom,
}


def load_set(spec: DataSpec) -> BenchSet:
    """Read and split the data set `spec` names."""
    if spec.name not in LOADERS:
        raise EvaluationError(f"unknown data set {spec.name!r}; one of {', '.join(LOADERS)}")
    return LOADERS[spec.name](spec)


def specs_for(
    names: Sequence[str], datasets_dir: Path, own_data: Path, selection: Selection, folds: int
) -> list[DataSpec]:
    """The specs behind `--datasets`, in the order given."""
    paths = {
        CLINC: (str(datasets_dir / "clinc150" / "data_full.json"),),
        BITEXT: (str(datasets_dir / "bitext-customer-support" / "bitext_customer_support.csv"),),
        OWN: (str(own_data), str(own_data.parent / "lookups")),
    }
    specs: list[DataSpec] = []
    for name in names:
        if name not in DATASET_CHOICES:
            raise EvaluationError(f"unknown data set {name!r}; one of {', '.join(DATASET_CHOICES)}")
        columns = BITEXT_COLUMNS if name == BITEXT else CsvColumns()
        specs.append(DataSpec(name, paths[name], selection, folds if name == OWN else 0, columns))
        if name == CLINC:
            specs.append(DataSpec(CLINC_OOS, paths[name], selection))
    return specs
