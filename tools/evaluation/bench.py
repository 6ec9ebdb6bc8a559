"""`cim bench nlu`: our pipeline and stock Rasa's, side by side, on the same data and machine.

Each (data set, pipeline) run trains and parses in a child process of its own
(`bench_worker`), one after the other, so timings and peak memory do not mix. The
baseline's results are cached under `<out>/cache/`, keyed by data, config and options;
ours always run fresh, since ours is what changes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT
from tools.evaluation.bench_cache import cache_key, data_digest, read_cached, write_cached
from tools.evaluation.bench_config import epochs_note, fitted_config, left_out
from tools.evaluation.bench_report import BenchReport, RunResult, summary_text, write_bench
from tools.evaluation.bench_scores import metrics_from_json
from tools.evaluation.benchsets import CUSTOM, OWN, DataSpec, Job, specs_for
from tools.evaluation.datasets import CsvColumns
from tools.evaluation.folds import EvaluationError
from tools.evaluation.selection import Selection

OURS, STOCK = "ours", "stock"
DEFAULT_STOCK_EPOCHS = 5  # on the public data sets; our own data is small enough for 100
LOG_TAIL_LINES = 30

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BenchOptions:
    ours: Path = Path("config.yml")
    stock: Path = Path("bench/configs/stock.yml")
    datasets: tuple[str, ...] = ("clinc150", "bitext", "own")
    stock_epochs: int | None = None  # None: DEFAULT_STOCK_EPOCHS, uncapped on our own data
    selection: Selection = field(default_factory=Selection)
    folds: int = 5
    target_recall: float = 0.6
    datasets_dir: Path = PROJECT_ROOT.parent / "shared" / "datasets"
    own_data: Path = Path("data/nlu")
    custom: tuple[Path, Path] | None = None  # (train, test) files of a user's own data set
    columns: CsvColumns = field(default_factory=CsvColumns)
    out: Path = Path("bench/results")
    use_cache: bool = True


@dataclass(frozen=True)
class Run:
    spec: DataSpec
    side: str
    config_path: Path
    config_text: str
    epochs_cap: int | None  # only if the cap changed the config
    key: str


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def specs(options: BenchOptions) -> list[DataSpec]:
    """The data sets to run: `--datasets`, then the user's own files if given."""
    found = specs_for(
        options.datasets, options.datasets_dir, options.own_data, options.selection, options.folds
    )
    if options.custom is not None:
        paths = tuple(str(path) for path in options.custom)
        found.append(DataSpec(CUSTOM, paths, options.selection, 0, options.columns))
    return found


def stock_epochs(options: BenchOptions, spec: DataSpec) -> int | None:
    if options.stock_epochs is not None:
        return options.stock_epochs or None  # 0: as the config says
    return None if spec.name == OWN else DEFAULT_STOCK_EPOCHS


def plan_run(options: BenchOptions, spec: DataSpec, side: str) -> Run:
    """The fitted config and cache key of one (data set, pipeline) run."""
    path = options.ours if side == OURS else options.stock
    nlu_dir = spec.paths[0] if spec.name == OWN else None
    epochs = stock_epochs(options, spec) if side == STOCK else None
    text = fitted_config(path, epochs=epochs, nlu_dir=nlu_dir)
    capped = text != fitted_config(path, epochs=None, nlu_dir=nlu_dir)
    run_options = {**spec.to_json(), "paths": None, "target": options.target_recall}
    key = cache_key(data_digest(Path(p) for p in spec.paths), text, run_options)
    return Run(spec, side, path, text, epochs if capped else None, key)


def _log_tail(log: Path) -> str:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(lines[-LOG_TAIL_LINES:])


def run_child(run: Run, options: BenchOptions, workdir: Path) -> dict[str, Any]:
    """Train and parse in `python -m tools.evaluation.bench_worker`; its result as JSON data."""
    stem = f"{run.spec.name}-{run.side}".replace("+", "-")
    config, job, result = (workdir / f"{stem}{suffix}" for suffix in (".yml", ".json", ".out"))
    config.write_text(run.config_text, encoding="utf-8")
    job.write_text(json.dumps(Job(run.spec, str(config), options.target_recall).to_json()))
    log = options.out / "logs" / f"{stem}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "tools.evaluation.bench_worker", str(job), str(result)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}
    with log.open("w", encoding="utf-8") as output:
        code = subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, env=env).returncode
    if code != 0:
        raise EvaluationError(
            f"{run.spec.name} / {run.side} failed (exit {code}); end of {log}:\n{_log_tail(log)}"
        )
    return dict(json.loads(result.read_text(encoding="utf-8")))


def _result(run: Run, data: dict[str, Any], cached: bool) -> RunResult:
    return RunResult(
        dataset=run.spec.name,
        side=run.side,
        config=str(run.config_path),
        epochs=epochs_note(str(data["config_text"])),
        epochs_cap=run.epochs_cap,
        left_out=left_out(run.config_path, str(data["config_text"])),
        metrics=metrics_from_json(data["metrics"]),
        peak_rss_bytes=int(data["peak_rss_bytes"]),
        measured_at=str(data["measured_at"]),
        cache_key=run.key,
        cached=cached,
    )


def execute(run: Run, options: BenchOptions, workdir: Path, progress: Progress) -> RunResult:
    """One run's result: the baseline's from the cache if there, else measured now."""
    cache_dir = options.out / "cache"
    if run.side == STOCK and options.use_cache and (hit := read_cached(cache_dir, run.key)):
        progress(f"{run.spec.name} / {run.side}: cached result ({hit['measured_at']})")
        return _result(run, hit, cached=True)
    progress(f"{run.spec.name} / {run.side}: training and parsing ({run.config_path})")
    data = run_child(run, options, workdir)
    data["measured_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    if run.side == STOCK:
        write_cached(cache_dir, run.key, data)
    result = _result(run, data, cached=False)
    progress(f"{run.spec.name} / {run.side}: done, trained in {result.metrics.train_seconds:.1f} s")
    return result


def _check(options: BenchOptions) -> None:
    if not options.datasets and options.custom is None:
        raise EvaluationError("no data set to run: give --datasets, or --train and --test")
    if OWN in options.datasets and options.folds < 2:
        raise EvaluationError(f"cross-validation needs at least 2 folds, not {options.folds}")
    for path in (options.ours, options.stock):
        if not path.is_file():
            raise EvaluationError(f"no config file at {path}")
    if not 0.0 < options.target_recall <= 1.0:
        raise EvaluationError(
            f"the OOS recall target must be in (0, 1], not {options.target_recall}"
        )


def benchmark(options: BenchOptions, progress: Progress = _stderr) -> BenchReport:
    """Run both pipelines on every data set, one child process at a time."""
    _check(options)
    recorded = settings(options)
    runs = [plan_run(options, spec, side) for spec in specs(options) for side in (OURS, STOCK)]
    with tempfile.TemporaryDirectory(prefix="cim-bench-") as workdir:
        results = [execute(run, options, Path(workdir), progress) for run in runs]
    return BenchReport(settings=recorded, results=results)


def settings(options: BenchOptions) -> dict[str, Any]:
    """What the report records about how it was run."""
    return {
        "ours": str(options.ours),
        "stock": str(options.stock),
        "datasets": [spec.name for spec in specs(options)],
        "stock_epochs": options.stock_epochs,
        "sample": options.selection.sample,
        "intents": options.selection.intents,
        "seed": options.selection.seed,
        "folds": options.folds,
        "oos_recall_target": options.target_recall,
        "cpus": os.cpu_count(),
        "niceness": os.nice(0),
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }


def run(options: BenchOptions, progress: Progress = _stderr) -> str:
    """Benchmark, write the Markdown and JSON, and return the summary to print."""
    report = benchmark(options, progress)
    markdown, json_path = write_bench(report, options.out)
    return f"{summary_text(report)}\n\nreport: {markdown} and {json_path}"
