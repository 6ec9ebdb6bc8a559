"""Read labelled utterances from the files people have: Rasa NLU YAML, CSV, CLINC150's JSON.

Every loader fails with a `DatasetError` that names the file and what is wrong with it,
so a benchmark on someone's own data stops with a sentence rather than a traceback.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from tools.evaluation.folds import EvaluationError

CSV_SUFFIXES = frozenset({".csv"})
CLINC_SPLITS = ("train", "val", "test", "oos_train", "oos_val", "oos_test")


class DatasetError(EvaluationError):
    """A data file is missing, unreadable or not in the shape its loader expects."""


@dataclass(frozen=True)
class CsvColumns:
    text: str = "text"
    label: str = "label"


def example(text: str, label: str) -> Message:
    """One utterance labelled with its intent, as Rasa's readers build it."""
    return Message.build(text=text, intent=label)


def read_text(path: Path) -> str:
    """The file as UTF-8 text (a BOM is dropped), or a `DatasetError` saying why not."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DatasetError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DatasetError(
            f"{path} is not UTF-8 text: byte 0x{raw[error.start]:02x} at offset {error.start}; "
            "save it as UTF-8"
        ) from error


def _csv_rows(path: Path, columns: CsvColumns) -> list[dict[str, str]]:
    text = read_text(path)
    if not text.strip():
        raise DatasetError(
            f"{path} is empty; expected a header with {columns.text!r} and "
            f"{columns.label!r}, then one example per row"
        )
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in (columns.text, columns.label) if c not in (reader.fieldnames or [])]
    if missing:
        raise DatasetError(
            f"{path} has no column {' or '.join(map(repr, missing))}; "
            f"its header is {', '.join(reader.fieldnames or [])}"
        )
    try:
        return list(reader)
    except csv.Error as error:
        raise DatasetError(f"{path}, line {reader.line_num}: {error}") from error


def _row_example(row: Mapping[str, str | None], columns: CsvColumns, where: str) -> Message:
    text, label = (row.get(columns.text) or "").strip(), (row.get(columns.label) or "").strip()
    if not text or not label:
        raise DatasetError(f"{where}: every row needs a {columns.text!r} and a {columns.label!r}")
    return example(text, label)


def read_csv(path: Path, columns: CsvColumns = CsvColumns()) -> TrainingData:
    """One example per row, from the `columns.text` and `columns.label` columns."""
    rows = _csv_rows(path, columns)
    if not rows:
        raise DatasetError(f"{path} has a header but no examples")
    examples = [
        _row_example(row, columns, f"{path}, data row {n}") for n, row in enumerate(rows, 1)
    ]
    return TrainingData(training_examples=examples)


def read_yaml(path: Path) -> TrainingData:
    """A Rasa NLU YAML file or directory, with its lookup tables, synonyms and regexes."""
    if not path.exists():
        raise DatasetError(f"no NLU data at {path}")
    try:
        data = load_data(str(path))
    except (RasaException, ValueError, OSError) as error:
        raise DatasetError(f"cannot read Rasa NLU data from {path}: {error}") from error
    if not data.intent_examples:
        raise DatasetError(f"{path} holds no intent examples")
    return data


def read_examples(path: Path, columns: CsvColumns = CsvColumns()) -> TrainingData:
    """CSV by its suffix; anything else (YAML files, directories) through Rasa's own reader."""
    return read_csv(path, columns) if path.suffix.lower() in CSV_SUFFIXES else read_yaml(path)


def _clinc_split(name: str, pairs: object, path: Path) -> list[Message]:
    if not isinstance(pairs, list) or not all(
        isinstance(pair, list) and len(pair) == 2 for pair in pairs
    ):
        raise DatasetError(f"{path}: split {name!r} is not a list of [text, intent] pairs")
    return [example(str(text), str(label)) for text, label in pairs]


def read_clinc(path: Path, splits: Sequence[str] = CLINC_SPLITS) -> dict[str, list[Message]]:
    """CLINC150's `data_full.json`: split name -> examples, out-of-scope ones labelled `oos`."""
    try:
        document = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise DatasetError(f"{path} is not valid JSON: {error}") from error
    missing = [name for name in splits if name not in document]
    if missing:
        raise DatasetError(f"{path} lacks the CLINC150 splits {', '.join(missing)}")
    return {name: _clinc_split(name, document[name], path) for name in splits}
