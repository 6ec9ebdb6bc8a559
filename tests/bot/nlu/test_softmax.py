"""The dense + sparse softmax regression and its L-BFGS loop."""

import numpy as np
import scipy.sparse
from sklearn.linear_model import LogisticRegression

from bot.nlu.softmax import Features, fit, lbfgs, softmax


def blobs(seed: int = 0) -> tuple[Features, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(3), 30)
    dense = rng.normal(size=(90, 5)) + np.eye(3, 5)[labels] * 3
    sparse = scipy.sparse.csr_matrix(np.eye(3, 4)[labels] * (rng.random((90, 1)) > 0.5))
    return Features(dense, sparse), labels


def test_lbfgs_finds_the_minimum_of_a_quadratic() -> None:
    target = np.array([1.0, -2.0, 3.0])

    found = lbfgs(
        lambda x: (float((x - target) @ (x - target)), 2 * (x - target)), np.zeros(3), 100, 1e-10
    )

    assert np.allclose(found, target, atol=1e-5)


def test_fit_separates_blobs_and_predicts_probabilities() -> None:
    features, labels = blobs()

    model = fit(features, labels, 3, c=10.0)
    probabilities = model.probabilities(features)

    assert (probabilities.argmax(axis=1) == labels).mean() > 0.95
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_fit_matches_scikit_learn_on_the_same_objective() -> None:
    features, labels = blobs(1)
    stacked = np.hstack([features.dense, features.sparse.toarray()])

    ours = fit(features, labels, 3, c=1.0, max_iter=500, tol=1e-8).probabilities(features)
    reference = LogisticRegression(C=1.0, max_iter=1000, tol=1e-10).fit(stacked, labels)

    assert np.allclose(ours, reference.predict_proba(stacked), atol=2e-3)


def test_no_sparse_columns_is_dense_only() -> None:
    features, labels = blobs()
    dense_only = Features(features.dense, scipy.sparse.csr_matrix((90, 0)))

    model = fit(dense_only, labels, 3)

    assert (model.probabilities(dense_only).argmax(axis=1) == labels).mean() > 0.9


def test_softmax_survives_huge_logits() -> None:
    assert np.allclose(softmax(np.array([[1e4, 0.0, -1e4]])), [[1.0, 0.0, 0.0]])
