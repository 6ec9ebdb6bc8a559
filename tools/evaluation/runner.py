"""Train on one split, parse the other: the step cross-validation and benchmarks share."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rasa.core.agent import Agent
from rasa.engine.caching import CACHE_LOCATION_ENV
from rasa.model_training import train_nlu
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from tools.evaluation.folds import EvaluationError
from tools.evaluation.predictions import Prediction, from_parse

TRAINING_FILE = "nlu.yml"
MODEL_NAME = "evaluation"


@dataclass(frozen=True)
class SplitResult:
    predictions: list[Prediction]
    train_seconds: float
    model_bytes: int  # size of the trained model archive


@contextmanager
def _private_cache(directory: Path) -> Iterator[None]:
    """Point Rasa's training cache at `directory` while training.

    A shared cache would make a rerun load cached components, so the timings would
    measure the cache rather than training, and folds would fill `.rasa/cache`.
    """
    previous = os.environ.get(CACHE_LOCATION_ENV)
    os.environ[CACHE_LOCATION_ENV] = str(directory)
    try:
        yield
    finally:
        if previous is None:
            del os.environ[CACHE_LOCATION_ENV]
        else:
            os.environ[CACHE_LOCATION_ENV] = previous


def train_model(config: Path, train: TrainingData, workdir: Path) -> tuple[Path, float]:
    """Train an NLU-only model on `train` under `workdir`; (model archive, seconds)."""
    data_file = workdir / TRAINING_FILE
    data_file.write_text(train.nlu_as_yaml(), encoding="utf-8")
    started = time.perf_counter()
    with _private_cache(workdir / "cache"):
        model = train_nlu(
            str(config), str(data_file), str(workdir / "models"), fixed_model_name=MODEL_NAME
        )
    if model is None:
        raise EvaluationError(f"training with {config} produced no model")
    return Path(model), time.perf_counter() - started


async def parse_all(
    agent: Agent, examples: Sequence[Message], mapping: Mapping[str, str]
) -> list[Prediction]:
    """Parse one message at a time, as the server does, timing each."""
    predictions = []
    for example in examples:
        started = time.perf_counter()
        parse_data = await agent.parse_message(str(example.get(TEXT)))
        latency = time.perf_counter() - started
        predictions.append(from_parse(example, parse_data, mapping, latency))
    return predictions


async def evaluate_split(
    config: Path,
    train: TrainingData,
    test: Sequence[Message],
    mapping: Mapping[str, str],
) -> SplitResult:
    """Train with `config` on `train`, then predict every `test` example."""
    with tempfile.TemporaryDirectory(prefix="cim-evaluation-") as workdir:
        model, train_seconds = train_model(config, train, Path(workdir))
        agent = Agent.load(model)
        predictions = await parse_all(agent, test, mapping)
        model_bytes = model.stat().st_size
    return SplitResult(
        predictions=predictions, train_seconds=train_seconds, model_bytes=model_bytes
    )
