"""MiniLMFeaturizer as Rasa runs it: training data and incoming messages get sentence vectors."""

from typing import Any

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.encoder import DIMENSIONS
from bot.nlu.minilm import MiniLMFeaturizer


def featurizer(
    model_storage: ModelStorage, execution_context: ExecutionContext, **config: Any
) -> MiniLMFeaturizer:
    return MiniLMFeaturizer.create(
        {**MiniLMFeaturizer.get_default_config(), **config},
        model_storage,
        Resource("minilm"),
        execution_context,
    )


def sentence_vector(message: Message) -> np.ndarray:
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None and sentence is not None
    return np.asarray(sentence.features)


def test_training_examples_get_one_sentence_vector_each(
    model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    texts = ["where is my order", "Where is my order", "hello"]
    data = TrainingData([Message({TEXT: t, INTENT: "x"}) for t in texts] + [Message({INTENT: "y"})])

    featurizer(model_storage, execution_context).process_training_data(data)

    vectors = [sentence_vector(m) for m in data.training_examples[:3]]
    assert all(v.shape == (1, DIMENSIONS) for v in vectors)
    assert np.allclose(vectors[0], vectors[1]) and not np.allclose(vectors[0], vectors[2])
    assert not data.training_examples[3].features  # no text, nothing to featurize


def test_messages_match_their_training_vectors(
    model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    component = featurizer(model_storage, execution_context)
    training = TrainingData([Message({TEXT: "cancel my order", INTENT: "cancel"})])
    component.process_training_data(training)

    [message] = component.process([Message({TEXT: "cancel my order"})])

    assert np.allclose(sentence_vector(message), sentence_vector(training.training_examples[0]))


@pytest.mark.parametrize("text", ["", "😀", "שלום", "\x00", "x" * 100_000])
def test_odd_input_is_featurized(
    model_storage: ModelStorage, execution_context: ExecutionContext, text: str
) -> None:
    [message] = featurizer(model_storage, execution_context).process([Message({TEXT: text})])

    assert np.all(np.isfinite(sentence_vector(message)))


@pytest.mark.parametrize("threads", [-1, "2", 1.5, True])
def test_a_bad_thread_count_is_refused(
    model_storage: ModelStorage, execution_context: ExecutionContext, threads: Any
) -> None:
    with pytest.raises(InvalidConfigException, match="intra_op_threads"):
        featurizer(model_storage, execution_context, intra_op_threads=threads)


def test_instances_share_one_encoder(
    model_storage: ModelStorage, execution_context: ExecutionContext
) -> None:
    first = featurizer(model_storage, execution_context)
    second = featurizer(model_storage, execution_context)

    assert first._encoder is second._encoder
