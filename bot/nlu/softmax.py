"""Multinomial logistic regression over a dense block and a sparse block, without stacking them.

scikit-learn needs one matrix: stacking 384 dense columns into a sparse matrix makes each
L-BFGS step a slow sparse product (CLINC150 took over 3 minutes), and densifying the
n-grams takes gigabytes. Here the dense block goes through BLAS and the sparse block through
scipy, and scipy's L-BFGS-B minimises the L2-regularised cross-entropy (scikit-learn's
objective: C * sum of losses + |W|^2 / 2, bias not penalised).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse


@dataclass
class Features:
    dense: np.ndarray  # (n, d) float
    sparse: scipy.sparse.csr_matrix  # (n, s)

    @property
    def rows(self) -> int:
        return int(self.dense.shape[0])


@dataclass
class SoftmaxModel:
    dense_weights: np.ndarray  # (d, k)
    sparse_weights: np.ndarray  # (s, k)
    bias: np.ndarray  # (k,)

    def logits(self, features: Features) -> np.ndarray:
        scores = features.dense @ self.dense_weights + self.bias
        if self.sparse_weights.shape[0]:
            scores = scores + np.asarray(features.sparse @ self.sparse_weights)
        return np.asarray(scores)

    def probabilities(self, features: Features) -> np.ndarray:
        return softmax(self.logits(features))


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def _unpack(theta: np.ndarray, d: int, s: int, k: int) -> SoftmaxModel:
    dense = theta[: d * k].reshape(d, k)
    sparse = theta[d * k : (d + s) * k].reshape(s, k)
    return SoftmaxModel(dense, sparse, theta[(d + s) * k :])


def fit(
    features: Features,
    labels: np.ndarray,
    classes: int,
    *,
    c: float = 10.0,
    max_iter: int = 300,
    tol: float = 1e-4,
) -> SoftmaxModel:
    """Fit `classes`-way softmax regression; `labels` are class indices 0..classes-1."""
    features = Features(
        features.dense.astype(np.float32), features.sparse.astype(np.float32).tocsr()
    )
    n, d = features.dense.shape
    s = features.sparse.shape[1]
    onehot = np.zeros((n, classes), dtype=np.float32)
    onehot[np.arange(n), labels] = 1.0
    sparse_t = features.sparse.T.tocsr()

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        model = _unpack(theta.astype(np.float32), d, s, classes)
        logits = model.logits(features)
        logits -= logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(logits).sum(axis=1, keepdims=True))
        log_p = logits - log_norm
        residual = c * (np.exp(log_p) - onehot)
        weights = theta[: (d + s) * classes]
        loss = -c * float((onehot * log_p).sum()) + 0.5 * float(weights @ weights)
        gradient = np.concatenate(
            [
                (features.dense.T @ residual).ravel(),
                np.asarray(sparse_t @ residual).ravel(),
                residual.sum(axis=0),
            ]
        ).astype(np.float64)
        gradient[: (d + s) * classes] += weights
        return loss, gradient

    theta = lbfgs(loss_and_gradient, np.zeros((d + s + 1) * classes), max_iter, tol)
    return _unpack(theta.astype(np.float32), d, s, classes)


Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


def _direction(
    gradient: np.ndarray, history: list[tuple[np.ndarray, np.ndarray, float]]
) -> np.ndarray:
    """L-BFGS's two-loop recursion: minus the inverse-Hessian estimate times the gradient."""
    q = gradient.copy()
    alphas = []
    for step, change, rho in reversed(history):
        alpha = rho * float(step @ q)
        q -= alpha * change
        alphas.append(alpha)
    if history:
        step, change, _ = history[-1]
        q *= float(step @ change) / float(change @ change)
    else:
        q /= max(1.0, float(np.linalg.norm(gradient)))
    for (step, change, rho), alpha in zip(history, reversed(alphas), strict=True):
        q += step * (alpha - rho * float(change @ q))
    return -q


def lbfgs(
    objective: Objective, start: np.ndarray, max_iter: int, tol: float, memory: int = 10
) -> np.ndarray:
    """Minimise with L-BFGS and a backtracking line search.

    scipy's L-BFGS-B spends most of its time on bookkeeping for millions of unbounded
    variables; this loop is plain numpy. Stops when the largest gradient entry is under
    `tol` or the loss improves by less than `tol` relative to its size.
    """
    x = start.astype(np.float64)
    loss, gradient = objective(x)
    history: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(max_iter):
        if float(np.abs(gradient).max()) <= tol:
            break
        direction = _direction(gradient, history)
        slope = float(gradient @ direction)
        if slope >= 0:  # not a descent direction: restart from the gradient
            history.clear()
            direction, slope = -gradient, -float(gradient @ gradient)
        rate = 1.0
        while True:
            candidate = x + rate * direction
            new_loss, new_gradient = objective(candidate)
            if new_loss <= loss + 1e-4 * rate * slope or rate < 1e-10:
                break
            rate *= 0.5
        step, change = candidate - x, new_gradient - gradient
        if (curvature := float(step @ change)) > 1e-10:
            history = [*history[-(memory - 1) :], (step, change, 1.0 / curvature)]
        improvement = loss - new_loss
        x, loss, gradient = candidate, new_loss, new_gradient
        if improvement <= tol * max(abs(loss), 1.0):
            break
    return x
