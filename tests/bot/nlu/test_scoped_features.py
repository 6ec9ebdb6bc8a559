"""The classifier's feature helpers: BLAS threads during a parse, TF-IDF weights."""

import numpy as np
from rasa.shared.nlu.training_data.message import Message
from threadpoolctl import threadpool_info

from bot.nlu.scoped_features import features_of, one_blas_thread


def blas_threads() -> set[int]:
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


def test_one_blas_thread_inside_and_the_previous_count_after() -> None:
    before = blas_threads()

    with one_blas_thread():
        inside = blas_threads()

    assert inside == {1}
    assert blas_threads() == before


def test_messages_without_features_get_zero_rows() -> None:
    features = features_of([Message({"text": "hi"})], np.ones(4, dtype=np.float32), 3)

    assert features.dense.shape == (1, 3) and not features.dense.any()
    assert features.sparse.shape == (1, 4) and features.sparse.nnz == 0
