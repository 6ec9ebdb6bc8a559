"""Give every parsed message an interaction type, derived from its intent ranking.

An intent's type is the directory its examples live in (`bot.interaction_types`).
That mapping is read once, at training time, and stored in the model: a running
server never reads `data/`. How confidences add up: `bot.nlu.type_ranking`.

Messages sent as `/intent` payloads (buttons) are rebuilt by Rasa's
RegexMessageHandler after the pipeline, so their parse data has no
`interaction_type`: call `bot.nlu.type_ranking.aggregate` on their intent instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import rasa.shared.utils.io
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.interaction_types import INTERACTION_TYPES, InteractionTypeError, untyped_intents
from bot.nlu.storage import load_json, persist_json
from bot.nlu.type_ranking import (
    MAPPING_KEY,
    NLU_DIR_KEY,
    TYPE_WEIGHTS_KEY,
    aggregate,
    mapping_from_config,
    top_type,
    weights_from_config,
)

INTERACTION_TYPE = "interaction_type"
INTERACTION_TYPE_RANKING = "interaction_type_ranking"
MAPPING_FILE_NAME = "interaction_types.json"


class InteractionTypeTrainingError(InteractionTypeError, RasaException):
    """A RasaException, so that `rasa train` prints it without a stack trace."""


def _intent_ranking(message: Message) -> list[Mapping[str, Any]]:
    ranking = message.get(INTENT_RANKING_KEY) or []
    if ranking:
        return list(ranking)
    intent = message.get(INTENT)
    return [intent] if intent else []


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class InteractionTypeClassifier(GraphComponent):
    """Adds `interaction_type` and `interaction_type_ranking` to every message.

    List it after the intent classifier and FallbackClassifier in config.yml. It
    cannot declare `required_components`: Rasa checks those in the training graph
    too, where a trainable component's train node has no classifier before it.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            # Where `data/nlu/<type>/<intent>.yml` lives, relative to the working
            # directory. Read at TRAINING time only; the mapping is stored in the model.
            NLU_DIR_KEY: "data/nlu",
            # Optional explicit mapping `{type: [intent, ...]}`. When set, it replaces
            # the directory (benchmarks, tests). `None` means: use `nlu_dir`.
            MAPPING_KEY: None,
            # Optional `{type: weight}`: a type's summed confidence is multiplied by its
            # weight before the types are ranked (cost-sensitive, e.g. `conflict: 2.0`).
            # Types not listed weigh 1.
            TYPE_WEIGHTS_KEY: None,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        mapping: Mapping[str, str] | None = None,
    ) -> None:
        """Creates the component; `mapping` is intent -> type."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.mapping: dict[str, str] = dict(mapping or {})
        try:
            self.weights = weights_from_config(self._config)
        except InteractionTypeError as error:
            raise InteractionTypeTrainingError(f"{type(self).__name__}: {error}") from error

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> InteractionTypeClassifier:
        """Creates a new, untrained component (see parent class for full docstring)."""
        return cls(config, model_storage, resource)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrain when a data file moves between type directories but its text does not."""
        try:
            found, mapping = mapping_from_config({**cls.get_default_config(), **config})
        except (InteractionTypeError, OSError, yaml.YAMLError) as error:
            return f"invalid: {error}"  # `train` reports it
        return json.dumps([found, mapping], sort_keys=True)

    def train(self, training_data: TrainingData) -> Resource:
        """Read the mapping, refuse untyped intents, and store the mapping in the model."""
        try:
            found, mapping = mapping_from_config(self._config)
        except (InteractionTypeError, OSError, yaml.YAMLError) as error:
            raise InteractionTypeTrainingError(f"{type(self).__name__}: {error}") from error
        if not found:
            rasa.shared.utils.io.raise_warning(
                f"{type(self).__name__}: no '{self._config[NLU_DIR_KEY]}' directory and no "
                f"'{MAPPING_KEY}' in the config; every message will get interaction type None."
            )
        elif missing := untyped_intents(training_data.intents, mapping):
            raise InteractionTypeTrainingError(
                f"{type(self).__name__}: intents without an interaction type: "
                f"{', '.join(missing)}. Move their examples to "
                f"{self._config[NLU_DIR_KEY]}/<type>/<intent>.yml, "
                f"type being one of {', '.join(INTERACTION_TYPES)}."
            )
        self.mapping = mapping
        self.persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Adds the interaction type and the per-type ranking to each message."""
        for message in messages:
            ranking = aggregate(_intent_ranking(message), self.mapping, self.weights)
            message.set(INTERACTION_TYPE, top_type(ranking), add_to_output=True)
            message.set(INTERACTION_TYPE_RANKING, ranking, add_to_output=True)
        return messages

    def persist(self) -> None:
        """Stores the intent -> type mapping next to the other trained components."""
        persist_json(self._model_storage, self._resource, MAPPING_FILE_NAME, self.mapping)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> InteractionTypeClassifier:
        """Loads the stored mapping; never reads the data directory."""
        mapping = load_json(
            model_storage,
            resource,
            MAPPING_FILE_NAME,
            missing=f"{cls.__name__}: no stored mapping in the model; "
            "every message will get interaction type None.",
        )
        return cls(config, model_storage, resource, mapping)
