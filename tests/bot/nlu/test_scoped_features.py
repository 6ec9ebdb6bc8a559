"""The classifier's feature helpers: BLAS threads during a parse, TF-IDF weights."""

from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
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


def _message(counts: scipy.sparse.spmatrix, dense: np.ndarray) -> Message:
    message = Message({"text": "x"})
    message.add_features(Features(counts, FEATURE_TYPE_SENTENCE, TEXT, "counts"))
    message.add_features(Features(dense, FEATURE_TYPE_SENTENCE, TEXT, "dense"))
    return message


def _reference_sparse(rows: list[scipy.sparse.spmatrix], idf: np.ndarray) -> np.ndarray:
    """The scipy formulation the row-by-row code replaced: stack, sublinear tf, idf, L2."""
    counts = scipy.sparse.vstack(rows, format="csr", dtype=np.float32)
    counts.data = np.log1p(np.maximum(counts.data, 0.0))
    weighted = scipy.sparse.csr_matrix(counts @ scipy.sparse.diags(idf))
    norms = np.sqrt(np.asarray(abs(weighted).power(2).sum(axis=1)).ravel())
    scale = np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 0.0)
    return np.asarray((scipy.sparse.diags(scale) @ weighted).todense(), dtype=np.float32)


def test_the_sparse_block_matches_the_sparse_matrix_formulation() -> None:
    rng = np.random.default_rng(7)
    width = 50
    idf = rng.uniform(1.0, 4.0, width).astype(np.float32)
    rows = []
    for nonzero in (1, 3, 8, 0):
        columns = rng.choice(width, nonzero, replace=False)
        rows.append(
            scipy.sparse.coo_matrix(
                (rng.integers(1, 4, nonzero).astype(np.float32), (np.zeros(nonzero), columns)),
                shape=(1, width),
            )
        )
    # A duplicate column entry is summed, as a csr conversion sums it.
    rows.append(scipy.sparse.coo_matrix(([1.0, 2.0], ([0, 0], [5, 5])), shape=(1, width)))
    messages = [_message(row, rng.normal(size=(1, 6)).astype(np.float32)) for row in rows]

    features = features_of(messages, idf, 6)

    expected = _reference_sparse(rows, idf)
    assert np.allclose(features.sparse.toarray(), expected, rtol=1e-6, atol=1e-7)
    assert features.sparse.dtype == np.float32
    assert np.allclose(np.linalg.norm(features.dense, axis=1), 1.0, atol=1e-6)
