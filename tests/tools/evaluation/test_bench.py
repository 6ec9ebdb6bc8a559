"""The orchestration, with the child process replaced: which runs happen, what is cached."""

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from tests.tools.evaluation.factories import prediction
from tools.evaluation import bench
from tools.evaluation.bench import BenchOptions, Run, benchmark
from tools.evaluation.bench_report import to_json, to_markdown
from tools.evaluation.bench_scores import TrainedRuns, score
from tools.evaluation.folds import EvaluationError
from tools.evaluation.runner import SplitResult

CONFIG = "recipe: default.v1\nlanguage: en\npipeline:\n  - name: {classifier}\n"


def options(tmp_path: Path, **changes: Any) -> BenchOptions:
    (tmp_path / "ours.yml").write_text(CONFIG.format(classifier="LogisticRegressionClassifier"))
    (tmp_path / "stock.yml").write_text(CONFIG.format(classifier="DIETClassifier"))
    (tmp_path / "train.csv").write_text("text,label\nhi,greet\n")
    (tmp_path / "test.csv").write_text("text,label\nhello,greet\n")
    defaults = BenchOptions(
        ours=tmp_path / "ours.yml",
        stock=tmp_path / "stock.yml",
        datasets=(),
        custom=(tmp_path / "train.csv", tmp_path / "test.csv"),
        out=tmp_path / "out",
    )
    return dataclasses.replace(defaults, **changes)


class FakeChild:
    """Stands in for the worker process: ours is twice as fast as stock."""

    def __init__(self) -> None:
        self.runs: list[str] = []

    def __call__(self, run: Run, options: BenchOptions, workdir: Path) -> dict[str, Any]:
        self.runs.append(run.side)
        seconds = 1.0 if run.side == "ours" else 2.0
        test = [prediction("greet", "greet", latency=seconds / 100), prediction("oos", "greet")]
        metrics = score(TrainedRuns([], test, [SplitResult(test, seconds, 1000)]), {}, 1, 0.6)
        return {
            "metrics": dataclasses.asdict(metrics),
            "peak_rss_bytes": 100 * 2**20,
            "config_text": run.config_text,
        }


@pytest.fixture
def child(monkeypatch: pytest.MonkeyPatch) -> FakeChild:
    fake = FakeChild()
    monkeypatch.setattr(bench, "run_child", fake)
    return fake


def test_both_pipelines_run_and_only_the_baseline_is_cached(
    tmp_path: Path, child: FakeChild
) -> None:
    first = benchmark(options(tmp_path), progress=lambda _: None)
    second = benchmark(options(tmp_path), progress=lambda _: None)

    assert child.runs == ["ours", "stock", "ours"]
    assert [r.cached for r in first.results] == [False, False]
    assert [r.cached for r in second.results] == [False, True]
    assert second.results[1].metrics == first.results[1].metrics


def test_no_cache_reruns_the_baseline(tmp_path: Path, child: FakeChild) -> None:
    benchmark(options(tmp_path), progress=lambda _: None)
    benchmark(options(tmp_path, use_cache=False), progress=lambda _: None)

    assert child.runs == ["ours", "stock", "ours", "stock"]


def test_the_baseline_epochs_are_capped_and_reported(tmp_path: Path, child: FakeChild) -> None:
    report = benchmark(options(tmp_path, stock_epochs=3), progress=lambda _: None)

    assert [r.epochs for r in report.results] == ["no epoch-trained component", "DIETClassifier 3"]
    assert "epochs capped at 3: DIETClassifier 3; measured now" in to_markdown(report)


def test_the_report_gives_ours_over_stock(tmp_path: Path, child: FakeChild) -> None:
    report = benchmark(options(tmp_path), progress=lambda _: None)

    assert "| training time per model (s) | 1.0 | 2.0 | 0.50x |" in to_markdown(report)
    assert to_json(report)["ratios"]["custom"]["train_seconds"] == 0.5


def test_a_missing_config_is_refused_before_anything_runs(tmp_path: Path, child: FakeChild) -> None:
    with pytest.raises(EvaluationError, match="no config file"):
        benchmark(options(tmp_path, ours=tmp_path / "nope.yml"), progress=lambda _: None)
    assert child.runs == []


def test_a_cap_that_changes_nothing_is_not_reported(tmp_path: Path, child: FakeChild) -> None:
    light = options(tmp_path, stock_epochs=3)
    report = benchmark(dataclasses.replace(light, stock=light.ours), progress=lambda _: None)

    assert [r.epochs_cap for r in report.results] == [None, None]
    assert "capped" not in to_markdown(report)
