"""An intent classifier whose confidence also says how far a message is from anything trained.

Softmax regression (`bot.nlu.softmax`) over the dense sentence vectors (MiniLM) and the
sparse counts (CountVectorsFeaturizer, weighted as TF-IDF here). Each ranking entry is the
intent's probability times `cos ** similarity_power`, `cos` being the cosine between the
message's dense vector and its nearest training example. A message like nothing trained
gets a low top confidence however sure the softmax is, so FallbackClassifier's threshold
becomes an out-of-scope detector; every entry is scaled alike, so the per-type sums of
`bot.nlu.type_ranking` are unchanged. See `bot.nlu.scoped_features` for the features.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import softmax
from bot.nlu.scoped_features import (
    ScopedModel,
    features_of,
    load_model,
    one_blas_thread,
    save_model,
    tfidf_weights,
)

C_KEY, MAX_ITER_KEY, TOL_KEY = "c", "max_iter", "tol"
POWER_KEY, RANKING_KEY = "similarity_power", "ranking_length"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ScopedIntentClassifier(GraphComponent, IntentClassifier):
    """Intents from dense + sparse sentence features, confidences scaled by similarity."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config (see parent class for full docstring)."""
        return {
            # Inverse L2 regularisation strength, as scikit-learn's LogisticRegression `C`.
            C_KEY: 10.0,
            # L-BFGS iterations at most, and the tolerance that stops it earlier.
            MAX_ITER_KEY: 300,
            TOL_KEY: 1e-4,
            # Confidences are probability * cos ** power (nearest training example);
            # 0 turns the scaling off.
            POWER_KEY: 2.0,
            # How many intents `intent_ranking` lists; 0 lists all.
            RANKING_KEY: 10,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: ScopedModel | None = None,
    ) -> None:
        """Creates the component; `model` is the trained state, if any."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ScopedIntentClassifier:
        """Creates a new, untrained component (see parent class for full docstring)."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fits the regression and keeps the training vectors for the similarity."""
        examples = [e for e in training_data.intent_examples if e.get(TEXT) is not None]
        intents = sorted({str(e.get(INTENT)) for e in examples})
        if len(intents) < 2:
            raise RasaException(
                f"{type(self).__name__} needs at least two intents with examples, "
                f"found {len(intents)}."
            )
        idf = tfidf_weights(examples)
        features = features_of(examples, idf)
        labels = np.searchsorted(np.array(intents), [str(e.get(INTENT)) for e in examples])
        weights = softmax.fit(
            features,
            labels,
            len(intents),
            c=float(self._config[C_KEY]),
            max_iter=int(self._config[MAX_ITER_KEY]),
            tol=float(self._config[TOL_KEY]),
        )
        self.model = ScopedModel(intents, weights, idf, features.dense)
        save_model(self._model_storage, self._resource, self.model)
        return self._resource

    def _ranking(self, probabilities: np.ndarray, scale: float) -> list[dict[str, Any]]:
        assert self.model is not None
        order = np.argsort(-probabilities, kind="stable")
        if length := int(self._config[RANKING_KEY]):
            order = order[:length]
        return [
            {
                INTENT_NAME_KEY: self.model.intents[i],
                PREDICTED_CONFIDENCE_KEY: float(probabilities[i] * scale),
            }
            for i in order
        ]

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets `intent` and `intent_ranking` (an untrained model sets no intent)."""
        if self.model is None or not messages:
            return messages
        features = features_of(messages, self.model.idf, self.model.dense_width)
        with one_blas_thread():
            probabilities = self.model.weights.probabilities(features)
            scales = self.model.similarity_scales(features.dense, float(self._config[POWER_KEY]))
        for message, row, scale in zip(messages, probabilities, scales, strict=True):
            ranking = self._ranking(row, float(scale))
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ScopedIntentClassifier:
        """Loads the trained state; a model without it classifies nothing, with a warning."""
        return cls(config, model_storage, resource, load_model(model_storage, resource))
