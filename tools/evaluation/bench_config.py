"""Fit a pipeline config to one benchmark run.

Both pipelines run as written, with three exceptions the report states:
- `epochs` of DIET and ResponseSelector are capped for the stock baseline when asked
  (100 epochs on CLINC150 take hours);
- `InteractionTypeClassifier` reads its intent -> type mapping from our data directory, so
  it points at the data under test, and is left out on public data sets, whose intents
  have no interaction type;
- a DIETClassifier that only extracts entities is left out when the training data has no
  entity annotations: it has nothing to learn, and Rasa 3.6 fails training it
  ("Inputs must be an iterable of at least one Tensor" in DIET's `batch_loss`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.nlu.type_ranking import NLU_DIR_KEY
from tools.evaluation.datasets import DatasetError, read_text

PIPELINE = "pipeline"
NAME = "name"
EPOCHS = "epochs"
# Rasa's own defaults are 300 epochs for both when a config does not say.
EPOCH_COMPONENTS = frozenset({"DIETClassifier", "ResponseSelector"})
DIET = "DIETClassifier"
INTENT_CLASSIFICATION = "intent_classification"
INTERACTION_TYPE_COMPONENT = "InteractionTypeClassifier"

Component = dict[str, Any]


def read_config(path: Path) -> dict[str, Any]:
    """The config file as a mapping with a `pipeline` list."""
    try:
        config = yaml.safe_load(read_text(path))
    except yaml.YAMLError as error:
        raise DatasetError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(config, dict) or not isinstance(config.get(PIPELINE), list):
        raise DatasetError(f"{path} has no NLU `pipeline` list")
    return config


def _short_name(component: Mapping[str, Any]) -> str:
    return str(component.get(NAME, "")).rsplit(".", 1)[-1]


def _trains_for_epochs(component: Mapping[str, Any]) -> bool:
    return EPOCHS in component or _short_name(component) in EPOCH_COMPONENTS


def cap_epochs(pipeline: list[Component], epochs: int) -> list[Component]:
    """Every epoch-trained component set to at most `epochs`."""
    return [
        {**c, EPOCHS: min(int(c.get(EPOCHS, epochs)), epochs)} if _trains_for_epochs(c) else c
        for c in pipeline
    ]


def place_type_mapping(pipeline: list[Component], nlu_dir: str | None) -> list[Component]:
    """Point InteractionTypeClassifier at `nlu_dir`; without one, leave the component out."""
    placed = []
    for component in pipeline:
        if _short_name(component) != INTERACTION_TYPE_COMPONENT:
            placed.append(component)
        elif nlu_dir is not None:
            placed.append({**component, NLU_DIR_KEY: nlu_dir})
    return placed


def fitted_config(path: Path, *, epochs: int | None, nlu_dir: str | None) -> str:
    """The config at `path` as YAML text, fitted to one run (see the module docstring)."""
    config = read_config(path)
    pipeline = place_type_mapping(list(config[PIPELINE]), nlu_dir)
    if epochs is not None:
        pipeline = cap_epochs(pipeline, epochs)
    return yaml.safe_dump({**config, PIPELINE: pipeline}, sort_keys=False)


def _entities_only(component: Mapping[str, Any]) -> bool:
    return _short_name(component) == DIET and component.get(INTENT_CLASSIFICATION) is False


def without_entity_only_diet(config_text: str) -> str:
    """The config without DIETClassifiers that classify no intents (see the module docstring)."""
    config = yaml.safe_load(config_text)
    pipeline = [c for c in config[PIPELINE] if not _entities_only(c)]
    return yaml.safe_dump({**config, PIPELINE: pipeline}, sort_keys=False)


def left_out(original: Path, fitted_text: str) -> list[str]:
    """The components of the config at `original` that the fitted config runs without."""
    remaining = [_short_name(c) for c in yaml.safe_load(fitted_text)[PIPELINE]]
    missing = []
    for name in (_short_name(c) for c in read_config(original)[PIPELINE]):
        if name in remaining:
            remaining.remove(name)
        else:
            missing.append(name)
    return missing


def epochs_note(config_text: str) -> str:
    """E.g. "DIETClassifier 5, ResponseSelector 5": what the reader needs to judge a baseline."""
    pipeline = yaml.safe_load(config_text).get(PIPELINE) or []
    trained = [f"{_short_name(c)} {c.get(EPOCHS, 300)}" for c in pipeline if _trains_for_epochs(c)]
    return ", ".join(trained) or "no epoch-trained component"
