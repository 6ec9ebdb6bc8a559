"""A real 2-fold cross-validation, through `cim crossval`, on a tiny data set."""

import json
from pathlib import Path

import pytest

from tools.cli.main import main

CONFIG = """\
recipe: default.v1
language: en
assistant_id: crossval-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
    random_state: 42
  - name: bot.nlu.rule_entities.SpacyRuleEntityExtractor
  - name: FallbackClassifier
    threshold: 0.3
  - name: bot.nlu.interaction_type.InteractionTypeClassifier
    nlu_dir: {nlu_dir}
"""

EXAMPLES = {
    ("informative", "greet"): [
        "hi",
        "hello",
        "hey there",
        "good morning",
        "hiya",
        "howdy",
        "hello bot",
        "hey",
    ],
    ("service", "order_status"): [
        "where is my order [100234](order_number)",
        "where is my parcel",
        "track order [104512](order_number)",
        "has my order shipped",
        "when does order [118830](order_number) arrive",
        "order status please",
        "status of my order [133256](order_number)",
        "where is my order",
    ],
    ("conflict", "complaint"): [
        "this is terrible service",
        "I am very angry",
        "the [Trail Runner 2](product) fell apart, awful",
        "your shop is awful",
        "worst purchase ever, the [Daypack 22L](product) broke",
        "I am so disappointed",
        "terrible, I want to complain",
        "I am angry about the [Trail Runner 2](product)",
    ],
}


def write_project(root: Path) -> None:
    for (type_name, intent), texts in EXAMPLES.items():
        path = root / "data" / "nlu" / type_name / f"{intent}.yml"
        path.parent.mkdir(parents=True)
        lines = "".join(f"    - {text}\n" for text in texts)
        path.write_text(f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n{lines}')
    (root / "data" / "lookups").mkdir()
    (root / "data" / "lookups" / "product.yml").write_text(
        'version: "3.1"\nnlu:\n- lookup: product\n  examples: |\n'
        "    - Trail Runner 2\n    - Daypack 22L\n"
    )
    (root / "config.yml").write_text(CONFIG.format(nlu_dir=root / "data" / "nlu"))


def test_crossval_writes_the_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path)
    out = tmp_path / "results"

    code = main(
        [
            "crossval",
            "--config",
            str(tmp_path / "config.yml"),
            "--data",
            str(tmp_path / "data" / "nlu"),
            "--folds",
            "2",
            "--seed",
            "1",
            "--out",
            str(out),
        ]
    )

    assert code == 0
    printed = capsys.readouterr().out
    assert printed.startswith("held-out examples")  # Rasa's logs and banners go to stderr
    report = json.loads((out / "report.json").read_text())
    summary = report["summary"]
    assert summary["examples"] == 24
    assert len(summary["train_seconds"]) == 2
    assert summary["interaction_type_accuracy"] > 0.5
    assert 0.0 < summary["parse_p50_ms"] <= summary["parse_p95_ms"]
    assert set(report["per_intent"]) == {"greet", "order_status", "complaint"}
    # rules find these exact spans; products only if the lookup table reached every fold
    assert report["entities"]["order_number"]["f1"] == 1.0
    assert report["entities"]["product"]["recall"] == 1.0
    assert (out / "report.md").read_text().startswith("# NLU cross-validation")


def test_crossval_reports_bad_input_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["crossval", "--config", str(tmp_path / "missing.yml"), "--data", str(tmp_path)])

    assert code == 2
    assert "error: no config file" in capsys.readouterr().err
