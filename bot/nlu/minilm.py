"""Dense sentence features from all-MiniLM-L6-v2, run offline (see `bot.nlu.encoder`).

Only sentence features: the classifier after it (`bot.nlu.scoped_classifier`) wants one
vector per message, and per-token MiniLM vectors would not line up with Rasa's tokens.
The encoder is shared by every instance in the process. A loaded (serving) model starts
loading it in the background, so the server is ready without waiting for it and the first
customer does not wait the ~1 s it takes either; training loads it on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.encoder import Encoder, resolve_dir, shared_encoder

MODEL_DIR_KEY = "model_dir"
THREADS_KEY = "intra_op_threads"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a 384-wide, L2-normalised sentence vector to every message's text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            **DenseFeaturizer.get_default_config(),
            # Directory with model.onnx and tokenizer.json (scripts/fetch-encoder.sh);
            # relative paths are relative to the project root. None: vendor/minilm.
            MODEL_DIR_KEY: None,
            # onnxruntime intra-op threads of the process's one session.
            THREADS_KEY: 1,
        }

    def __init__(self, config: dict[str, Any], name: str) -> None:
        """Creates the featurizer; the encoder itself loads lazily."""
        super().__init__(name, {**self.get_default_config(), **config})
        self._encoder: Encoder = shared_encoder(
            resolve_dir(self._config[MODEL_DIR_KEY]), int(self._config[THREADS_KEY])
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLMFeaturizer:
        """Creates a new component (see parent class for full docstring)."""
        return cls(config, execution_context.node_name)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> MiniLMFeaturizer:
        """The component of a trained model: its encoder starts loading in the background."""
        featurizer = cls.create(config, model_storage, resource, execution_context)
        featurizer._encoder.load_in_background()
        return featurizer

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Refuses a thread count onnxruntime would not take."""
        threads = config.get(THREADS_KEY, 1)
        if not isinstance(threads, int) or isinstance(threads, bool) or threads < 0:
            raise InvalidConfigException(
                f"{cls.__name__}: '{THREADS_KEY}' must be an integer >= 0 (0: onnxruntime "
                f"decides), not {threads!r}"
            )

    def _featurize(self, messages: Sequence[Message]) -> None:
        with_text = [m for m in messages if isinstance(m.get(TEXT), str)]
        texts = list(dict.fromkeys(str(m.get(TEXT)) for m in with_text))  # each text once
        vectors = dict(zip(texts, self._encoder.embed(texts), strict=True))
        for message in with_text:
            sentence = vectors[str(message.get(TEXT))][None, :]
            self.add_features_to_message(None, sentence, TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes every training example with a text, in batches."""
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurizes incoming messages."""
        self._featurize(messages)
        return messages
