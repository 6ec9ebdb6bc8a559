import json
from pathlib import Path

import pytest

from tools.evaluation.datasets import (
    CsvColumns,
    DatasetError,
    read_clinc,
    read_csv,
    read_examples,
    read_yaml,
)
from tools.evaluation.selection import label_of


def texts_and_labels(path: Path, columns: CsvColumns = CsvColumns()) -> list[tuple[str, str]]:
    return [(str(e.get("text")), label_of(e)) for e in read_csv(path, columns).intent_examples]


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_a_csv_gives_one_example_per_row(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", 'text,label\nhello there,greet\n"where, is it",order_status\n')

    assert texts_and_labels(path) == [("hello there", "greet"), ("where, is it", "order_status")]


def test_csv_columns_can_be_named_and_a_bom_is_ignored(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "\ufeffid,instruction,intent\n1,cancel it,cancel_order\n")

    examples = texts_and_labels(path, CsvColumns(text="instruction", label="intent"))

    assert examples == [("cancel it", "cancel_order")]


def test_a_csv_without_the_columns_says_which_are_missing(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "utterance,label\nhi,greet\n")

    with pytest.raises(DatasetError, match=r"no column 'text'.*header is utterance, label"):
        read_csv(path)


def test_an_empty_csv_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="is empty"):
        read_csv(write(tmp_path / "d.csv", "\n  \n"))


def test_a_csv_with_only_a_header_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no examples"):
        read_csv(write(tmp_path / "d.csv", "text,label\n"))


def test_a_csv_that_is_not_utf8_names_the_byte(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "text,label\ncaf\xe9,greet\n".encode("latin-1"))

    with pytest.raises(DatasetError, match="not UTF-8 text: byte 0xe9 at offset 14"):
        read_csv(path)


def test_a_row_without_a_label_names_the_row(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", "text,label\nhi,greet\nbye,\n")

    with pytest.raises(DatasetError, match="data row 2"):
        read_csv(path)


def test_a_missing_file_is_a_dataset_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot read"):
        read_csv(tmp_path / "missing.csv")


def test_rasa_yaml_keeps_its_lookup_tables(tmp_path: Path) -> None:
    path = write(
        tmp_path / "nlu.yml",
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n    - hello\n'
        "- lookup: product\n  examples: |\n    - Daypack 22L\n",
    )

    data = read_examples(path)

    assert [label_of(e) for e in data.intent_examples] == ["greet", "greet"]
    assert data.lookup_tables[0]["name"] == "product"


def test_yaml_without_intent_examples_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "nlu.yml", 'version: "3.1"\nnlu: []\n')

    with pytest.raises(DatasetError, match="no intent examples"):
        read_yaml(path)


def test_yaml_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no NLU data"):
        read_examples(tmp_path / "missing.yml")


def test_clinc_splits_become_examples(tmp_path: Path) -> None:
    splits = {name: [["what is 2 + 2", "calculator"]] for name in ("train", "val", "test")}
    splits |= {name: [["buy me a boat", "oos"]] for name in ("oos_train", "oos_val", "oos_test")}
    path = write(tmp_path / "data_full.json", json.dumps(splits))

    data = read_clinc(path)

    assert [label_of(e) for e in data["oos_test"]] == ["oos"]
    assert data["train"][0].get("text") == "what is 2 + 2"


def test_clinc_without_a_split_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "data_full.json", json.dumps({"train": []}))

    with pytest.raises(DatasetError, match="lacks the CLINC150 splits val"):
        read_clinc(path)
