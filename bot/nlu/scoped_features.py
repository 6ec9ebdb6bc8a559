"""The features and trained state of `ScopedIntentClassifier`.

Dense block: the messages' dense sentence features, L2-normalised (MiniLM's already are).
Sparse block: the sparse sentence features (token counts), as sublinear TF-IDF with the
idf learned at training time, L2-normalised per message, as scikit-learn's
`TfidfVectorizer(sublinear_tf=True)` would weight them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

import numpy as np
import rasa.shared.utils.io
import scipy.sparse
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from threadpoolctl import ThreadpoolController

from bot.nlu.softmax import Features, SoftmaxModel

STATE_FILE = "scoped_intent_classifier.npz"
MIN_SIMILARITY = 1e-3


@dataclass
class ScopedModel:
    intents: list[str]
    weights: SoftmaxModel
    idf: np.ndarray  # (s,): one weight per sparse column
    references: np.ndarray  # (n, d) float32: the training examples' dense vectors

    @property
    def dense_width(self) -> int:
        return int(self.weights.dense_weights.shape[0])

    def similarity_scales(self, dense: np.ndarray, power: float) -> np.ndarray:
        """cos(message, nearest training example) ** power, per message, in (0, 1]."""
        if power == 0 or not self.references.size:
            return np.ones(dense.shape[0], dtype=np.float32)
        nearest = (self.references @ dense.T).max(axis=0)  # row-major gemv: 2x faster
        # never 0: a positive scale keeps the ranking's proportions for the type sums
        return np.asarray(np.clip(nearest, MIN_SIMILARITY, 1.0) ** power)


@cache
def _blas() -> tuple[ThreadpoolController, threading.Lock]:
    return ThreadpoolController(), threading.Lock()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """One BLAS thread for a message's small products.

    OpenBLAS would split them over both cores and then keep its threads spinning: measured
    through a loaded model, that doubled the CPU time per parse (13 ms instead of 6.5 ms)
    for no gain in latency, CPU a busy server needs for other conversations.
    """
    controller, lock = _blas()
    with lock, controller.limit(limits=1, user_api="blas"):
        yield


def _rows(matrix: np.ndarray | scipy.sparse.spmatrix) -> np.ndarray:
    norms = (
        np.sqrt(np.asarray(abs(matrix).power(2).sum(axis=1)).ravel())
        if scipy.sparse.issparse(matrix)
        else np.linalg.norm(matrix, axis=1)
    )
    return np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 0.0)


def _sentence(message: Message, sparse: bool) -> object | None:
    found = (message.get_sparse_features if sparse else message.get_dense_features)(TEXT)[1]
    return None if found is None else found.features


def _counts(messages: Sequence[Message], width: int | None) -> scipy.sparse.csr_matrix:
    rows = [_sentence(m, sparse=True) for m in messages]
    if width is None:
        width = max((r.shape[1] for r in rows if r is not None), default=0)  # type: ignore[attr-defined]
    empty = scipy.sparse.csr_matrix((1, width), dtype=np.float32)
    blocks = [empty if r is None or r.shape[1] != width else r for r in rows]  # type: ignore[attr-defined]
    if not blocks:
        return scipy.sparse.csr_matrix((0, width), dtype=np.float32)
    return scipy.sparse.vstack(blocks, format="csr", dtype=np.float32)


def _dense(messages: Sequence[Message], width: int | None) -> np.ndarray:
    rows = [_sentence(m, sparse=False) for m in messages]
    if width is None:
        width = max((r.shape[1] for r in rows if r is not None), default=0)  # type: ignore[attr-defined]
    dense = np.zeros((len(rows), width), dtype=np.float32)
    for index, row in enumerate(rows):
        if row is not None and row.shape[1] == width:  # type: ignore[attr-defined]
            dense[index] = np.asarray(row).reshape(-1)
    return dense * _rows(dense)[:, None].astype(np.float32)


def tfidf_weights(examples: Sequence[Message]) -> np.ndarray:
    """Smoothed idf per sparse column: log((1 + n) / (1 + df)) + 1."""
    counts = _counts(examples, None)
    document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.asarray(np.log((1 + counts.shape[0]) / (1 + document_frequency)) + 1, np.float32)


def features_of(
    messages: Sequence[Message], idf: np.ndarray, dense_width: int | None = None
) -> Features:
    """Both blocks for `messages`; a message without some features gets zeros there.

    The sparse block is built row by row with numpy on each message's few non-zero columns:
    scipy's sparse products and stacking cost more than the arithmetic for one message
    (2.2 ms of a 8 ms parse, measured); tests/bot/nlu/test_scoped_features.py checks it
    against the sparse-matrix formulation.
    """
    width = len(idf)
    indptr, indices, values = [0], [], []
    for message in messages:
        row = _sentence(message, sparse=True)
        if row is not None and row.shape[1] == width:  # type: ignore[attr-defined]
            columns, weights = _tfidf_row(row, idf)
            indices.append(columns)
            values.append(weights)
            indptr.append(indptr[-1] + len(columns))
        else:
            indptr.append(indptr[-1])
    sparse = scipy.sparse.csr_matrix(
        (
            np.concatenate(values) if values else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            np.asarray(indptr, dtype=np.int32),
        ),
        shape=(len(messages), width),
    )
    return Features(_dense(messages, dense_width), sparse)


def _tfidf_row(row: object, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One message's columns and sublinear TF-IDF weights, L2-normalised (float32)."""
    coo = row if isinstance(row, scipy.sparse.coo_matrix) else scipy.sparse.coo_matrix(row)
    columns, where = np.unique(coo.col, return_inverse=True)  # sums duplicates, as csr does
    counts = np.bincount(where, weights=coo.data, minlength=len(columns)).astype(np.float32)
    weights = np.log1p(np.maximum(counts, 0.0)) * idf[columns]
    norm = float(np.sqrt(np.dot(weights, weights)))
    scale = 1.0 / max(norm, 1e-12) if norm > 0 else 0.0
    return columns.astype(np.int32), (weights * scale).astype(np.float32)


def save_model(storage: ModelStorage, resource: Resource, model: ScopedModel) -> None:
    with storage.write_to(resource) as directory:
        np.savez(
            directory / STATE_FILE,
            intents=np.array(model.intents),
            dense_weights=model.weights.dense_weights,
            sparse_weights=model.weights.sparse_weights,
            bias=model.weights.bias,
            idf=model.idf,
            references=model.references.astype(np.float16),  # half the size, same cosines
        )


def load_model(storage: ModelStorage, resource: Resource) -> ScopedModel | None:
    """The stored state, or None with a warning when the model has none."""
    try:
        with storage.read_from(resource) as directory, np.load(directory / STATE_FILE) as state:
            weights = SoftmaxModel(state["dense_weights"], state["sparse_weights"], state["bias"])
            return ScopedModel(
                [str(i) for i in state["intents"]],
                weights,
                state["idf"],
                state["references"].astype(np.float32),
            )
    except (ValueError, FileNotFoundError, KeyError, OSError):
        rasa.shared.utils.io.raise_warning(
            "ScopedIntentClassifier: no trained state in the model; it will classify nothing. "
            "Retrain the model."
        )
        return None
