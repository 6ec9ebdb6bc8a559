"""ScopedIntentClassifier with real featurizers: train, persist, load, classify."""

from typing import Any

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.minilm import MiniLMFeaturizer
from bot.nlu.scoped_classifier import ScopedIntentClassifier

EXAMPLES = {
    "order_status": ["where is my order", "track my parcel", "has my package shipped"],
    "complaint": ["this service is terrible", "I want to complain", "I am very angry"],
    "greet": ["hello", "hi there", "good morning"],
}


class Pipeline:
    """Tokenizer, word counts and MiniLM in front of the classifier, as in config.yml."""

    def __init__(self, storage: ModelStorage, context: ExecutionContext) -> None:
        self.tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
        self.counts = CountVectorsFeaturizer.create(
            CountVectorsFeaturizer.get_default_config(), storage, Resource("counts"), context
        )
        self.minilm = MiniLMFeaturizer.create({}, storage, Resource("minilm"), context)

    def train(self, data: TrainingData) -> None:
        self.tokenizer.process_training_data(data)
        self.counts.train(data)
        self.counts.process_training_data(data)
        self.minilm.process_training_data(data)

    def messages(self, *texts: str) -> list[Message]:
        messages = [Message({TEXT: text}) for text in texts]
        for step in (self.tokenizer, self.counts, self.minilm):
            step.process(messages)
        return messages


def training_data() -> TrainingData:
    return TrainingData(
        [Message({TEXT: t, INTENT: i}) for i, texts in EXAMPLES.items() for t in texts]
    )


def classifier(
    storage: ModelStorage, context: ExecutionContext, **config: Any
) -> ScopedIntentClassifier:
    return ScopedIntentClassifier.create(
        {**ScopedIntentClassifier.get_default_config(), **config},
        storage,
        Resource("scoped"),
        context,
    )


@pytest.fixture
def pipeline(model_storage: ModelStorage, execution_context: ExecutionContext) -> Pipeline:
    return Pipeline(model_storage, execution_context)


@pytest.fixture
def trained(
    pipeline: Pipeline, model_storage: ModelStorage, execution_context: ExecutionContext
) -> ScopedIntentClassifier:
    data = training_data()
    pipeline.train(data)
    component = classifier(model_storage, execution_context)
    component.train(data)
    return component


def test_trained_intents_are_recognised(
    trained: ScopedIntentClassifier, pipeline: Pipeline
) -> None:
    messages = trained.process(pipeline.messages("where is my parcel", "I am angry", "hey hello"))

    assert [m.get(INTENT)["name"] for m in messages] == ["order_status", "complaint", "greet"]


def test_the_ranking_is_probabilities_scaled_by_similarity(
    trained: ScopedIntentClassifier, pipeline: Pipeline
) -> None:
    [near, far] = trained.process(
        pipeline.messages("where is my order", "the mitochondria is the powerhouse of the cell")
    )

    for message in (near, far):
        ranking = message.get("intent_ranking")
        confidences = [r["confidence"] for r in ranking]
        assert confidences == sorted(confidences, reverse=True)
        assert 0.0 <= sum(confidences) <= 1.0 + 1e-6
        assert message.get(INTENT) == ranking[0]
    assert near.get(INTENT)["confidence"] > 3 * far.get(INTENT)["confidence"]


def test_without_similarity_scaling_the_ranking_sums_to_one(
    pipeline: Pipeline, model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    data = training_data()
    pipeline.train(data)
    component = classifier(model_storage, execution_context, similarity_power=0)
    component.train(data)

    [message] = component.process(pipeline.messages("the mitochondria"))

    assert sum(r["confidence"] for r in message.get("intent_ranking")) == pytest.approx(1.0)


def test_persisted_and_loaded_it_classifies_alike(
    trained: ScopedIntentClassifier,
    pipeline: Pipeline,
    model_storage: ModelStorage,
    execution_context: ExecutionContext,
) -> None:
    loaded = ScopedIntentClassifier.load(
        ScopedIntentClassifier.get_default_config(),
        model_storage,
        Resource("scoped"),
        execution_context,
    )
    texts = ("track my parcel please", "good morning", "what")

    before = trained.process(pipeline.messages(*texts))
    after = loaded.process(pipeline.messages(*texts))

    for old, new in zip(before, after, strict=True):
        assert old.get(INTENT)["name"] == new.get(INTENT)["name"]
        # references are stored as float16: the similarity moves in the 4th decimal
        assert np.isclose(old.get(INTENT)["confidence"], new.get(INTENT)["confidence"], atol=2e-3)


def test_ranking_length_limits_the_ranking(
    pipeline: Pipeline, model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    data = training_data()
    pipeline.train(data)
    component = classifier(model_storage, execution_context, ranking_length=2)
    component.train(data)

    [message] = component.process(pipeline.messages("hello"))

    assert len(message.get("intent_ranking")) == 2


@pytest.mark.parametrize("text", ["", "😀😀😀", "مرحبا 100234", "\x00", "order " * 20_000])
def test_odd_input_gets_a_valid_intent(
    trained: ScopedIntentClassifier, pipeline: Pipeline, text: str
) -> None:
    [message] = trained.process(pipeline.messages(text))

    intent = message.get(INTENT)
    assert intent["name"] in EXAMPLES and 0.0 <= intent["confidence"] <= 1.0


def test_a_model_without_its_state_classifies_nothing(
    model_storage: ModelStorage, execution_context: ExecutionContext, pipeline: Pipeline
) -> None:
    with pytest.warns(UserWarning, match="no trained state"):
        loaded = ScopedIntentClassifier.load(
            {}, model_storage, Resource("never"), execution_context
        )

    [message] = loaded.process(pipeline.messages("hello"))

    assert message.get(INTENT) is None


def test_one_intent_is_refused(
    pipeline: Pipeline, model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    data = TrainingData([Message({TEXT: "hello", INTENT: "greet"})])
    pipeline.train(data)

    with pytest.raises(RasaException, match="at least two intents"):
        classifier(model_storage, execution_context).train(data)
