"""A real `cim bench nlu` on a small sample of CLINC150 and Bitext, with light pipelines.

Correctness only: the numbers must be there and make sense, however fast the machine is.
"""

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tools.cli.main import main
from tools.evaluation.bench import BenchOptions

DATASETS = BenchOptions().datasets_dir
OURS = """\
recipe: default.v1
language: en
assistant_id: bench-test-ours
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
    random_state: 42
  - name: FallbackClassifier
    threshold: 0.2
  - name: bot.nlu.interaction_type.InteractionTypeClassifier
"""
STOCK = """\
recipe: default.v1
language: en
assistant_id: bench-test-stock
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: DIETClassifier
    epochs: 100
    number_of_transformer_layers: 0
    random_seed: 42
  - name: FallbackClassifier
    threshold: 0.3
"""
RUNS = ("clinc150", "clinc150+oos_train", "bitext")
RATES = ("intent_accuracy", "macro_f1")
POINT = ("oos_recall", "oos_precision", "in_scope_accuracy")

pytestmark = pytest.mark.skipif(
    not (DATASETS / "clinc150").is_dir(), reason=f"no public data sets at {DATASETS}"
)


def run_bench(tmp_path: Path) -> tuple[int, dict[str, Any], str]:
    (tmp_path / "ours.yml").write_text(OURS)
    (tmp_path / "stock.yml").write_text(STOCK)
    out = tmp_path / "results"
    sample = ["--sample", "3", "--datasets", "clinc150,bitext", "--intents", "5"]
    configs = ["--ours", str(tmp_path / "ours.yml"), "--stock", str(tmp_path / "stock.yml")]
    code = main(["bench", "nlu", *sample, *configs, "--stock-epochs", "2", "--out", str(out)])
    report = json.loads((out / "nlu.json").read_text()) if code == 0 else {}
    markdown = (out / "nlu.md").read_text() if code == 0 else ""
    return code, report, markdown


def is_rate(value: object) -> bool:
    return isinstance(value, float) and 0.0 <= value <= 1.0


def check_run(run: dict[str, Any]) -> None:
    metrics = run["metrics"]
    assert all(is_rate(metrics[key]) for key in RATES), metrics
    assert metrics["train_seconds"] > 0 and metrics["model_bytes"] > 0
    assert 0 < metrics["parse_p50_ms"] <= metrics["parse_p95_ms"]
    assert run["peak_rss_bytes"] > 50 * 2**20  # a Python process with Rasa loaded
    assert is_rate(metrics["as_parsed"]["in_scope_accuracy"])
    # --sample 3 --intents 5: 3 examples of each of 5 intents (+ 3 out-of-scope on CLINC150)
    assert metrics["test_examples"] == 15 + metrics["oos_test_examples"]


def check_clinc(run: dict[str, Any]) -> None:
    metrics = run["metrics"]
    assert metrics["oos_test_examples"] == 3
    assert all(is_rate(metrics["as_parsed"][key]) for key in POINT), metrics
    assert all(is_rate(metrics["at_threshold"][key]) for key in POINT), metrics
    assert metrics["threshold_val_oos_recall"] >= 0.6
    assert metrics["train_examples"] == (18 if run["dataset"] == "clinc150+oos_train" else 15)


def test_bench_nlu_reports_every_metric_for_both_pipelines(tmp_path: Path) -> None:
    code, report, markdown = run_bench(tmp_path)

    assert code == 0
    assert [(r["dataset"], r["side"]) for r in report["runs"]] == [
        (name, side) for name in RUNS for side in ("ours", "stock")
    ]
    for run in report["runs"]:
        check_run(run)
        if run["dataset"].startswith("clinc150"):
            check_clinc(run)
    stock = [r for r in report["runs"] if r["side"] == "stock"]
    assert {r["epochs"] for r in stock} == {"DIETClassifier 2"}
    ratios = report["ratios"]["bitext"]
    assert math.isclose(ratios["train_seconds"], _ours_over_stock(report, "bitext"))
    for heading in ("## clinc150", "## clinc150+oos_train", "## bitext", "| peak memory"):
        assert heading in markdown
    assert "without InteractionTypeClassifier" in markdown


def _ours_over_stock(report: dict[str, Any], dataset: str) -> float:
    ours, stock = (r for r in report["runs"] if r["dataset"] == dataset)
    return float(ours["metrics"]["train_seconds"] / stock["metrics"]["train_seconds"])


def test_bench_nlu_runs_the_minilm_candidate_on_a_sample(tmp_path: Path) -> None:
    (tmp_path / "stock.yml").write_text(STOCK)
    out = tmp_path / "results"
    configs = ["--ours", "bench/configs/candidate.yml", "--stock", str(tmp_path / "stock.yml")]
    sample = ["--sample", "3", "--datasets", "clinc150", "--intents", "5", "--stock-epochs", "2"]

    code = main(["bench", "nlu", *sample, *configs, "--out", str(out)])

    assert code == 0
    report = json.loads((out / "nlu.json").read_text())
    ours = [r for r in report["runs"] if r["side"] == "ours"]
    assert [r["dataset"] for r in ours] == ["clinc150", "clinc150+oos_train"]
    for run in ours:
        check_run(run)
        check_clinc(run)
