import json
from pathlib import Path

from tests.tools.evaluation.factories import TYPES, prediction
from tools.evaluation.report import summary_text, to_markdown, write_report
from tools.evaluation.summary import Report, build_report

ORDER = frozenset({("order_number", 9, 15)})


def report() -> Report:
    predictions = [
        prediction("greet", "greet"),
        prediction("order_status", "order_status", gold=ORDER, found=ORDER),
        prediction("complaint", "order_status"),
    ]
    return build_report(predictions, [10.0, 11.25], TYPES, {"config": "config.yml", "folds": 2})


def test_the_markdown_has_a_table_per_section() -> None:
    markdown = to_markdown(report())

    assert "| train seconds per fold | 10.0, 11.2 |" in markdown
    assert "| order_number | 1.000 | 1.000 | 1.000 | 1 |" in markdown
    assert "| complaint | order_status | 1 |" in markdown
    assert "| complaint | 0.000 | 0.000 | 0.000 | 1 | conflict |" in markdown


def test_intents_are_listed_weakest_first() -> None:
    markdown = to_markdown(report())

    assert markdown.index("| complaint | 0.000") < markdown.index("| greet | 1.000")


def test_both_files_are_written(tmp_path: Path) -> None:
    json_path, markdown_path = write_report(report(), tmp_path / "out")

    written = json.loads(json_path.read_text())
    assert written["settings"] == {"config": "config.yml", "folds": 2}
    assert written["summary"]["examples"] == 3
    assert written["per_intent"]["complaint"]["type"] == "conflict"
    assert written["confused_pairs"] == [
        {"intent": "complaint", "predicted": "order_status", "count": 1}
    ]
    assert [e["text"] for e in written["errors"]] == ["complaint example"]
    assert markdown_path.read_text().startswith("# NLU cross-validation")


def test_the_terminal_summary_names_the_headline_numbers() -> None:
    text = summary_text(report())

    assert "intent accuracy (fallback set aside)" in text
    assert "entity F1 order_number" in text
    assert "  complaint -> order_status: 1" in text
