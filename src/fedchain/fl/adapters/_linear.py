"""Proximal gradient descent for linear models: pure NumPy over arrays, no estimator state.

Local training for FedProx (Li et al., 2020) minimises, from the global parameters ``w_g``::

    F(w) = mean_i loss(x_i, y_i; w) + l2 / 2 * ||coef||^2 + mu / 2 * ||w - w_g||^2

Each (mini-)batch step takes the gradient ``g`` of the data loss and the L2 penalty and then solves the
proximal term exactly (an implicit step), which stays stable for any ``mu``::

    w <- (w - lr * g + lr * mu * w_g) / (1 + lr * mu)

With ``mu = 0`` this is plain gradient descent, computed without the proximal arithmetic, so the bytes equal
those of plain training. As ``mu`` grows, ``w`` stays at ``w_g``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from fedchain.fl.typing import NDArray

Link = Literal["identity", "sigmoid", "softmax"]
"""How scores become predictions: regression, binary or one-vs-rest logistic, multinomial logistic."""


def predict(coef: NDArray, intercept: NDArray, x: NDArray, link: Link) -> NDArray:
    """Return ``link(x @ coef.T + intercept)``, shape ``(n, k)``, for ``coef`` of shape ``(k, d)``."""
    z = x @ coef.T + intercept
    if link == "sigmoid":
        out: NDArray = 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))
        return out
    if link == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        soft: NDArray = e / e.sum(axis=1, keepdims=True)
        return soft
    return z


def proximal_gradient_descent(
    coef: NDArray,
    intercept: NDArray,
    x: NDArray,
    target: NDArray,
    *,
    link: Link,
    epochs: int,
    learning_rate: float,
    batch_size: int,
    l2: float,
    mu: float,
    fit_intercept: bool,
    rng: np.random.Generator,
) -> tuple[NDArray, NDArray]:
    """Train ``(coef, intercept)`` for ``epochs`` passes over ``(x, target)``; return new float64 arrays.

    Parameters
    ----------
    coef, intercept
        The global parameters, shapes ``(k, d)`` and ``(k,)``; also the proximal centre.
    x, target
        Features ``(n, d)`` and targets ``(n, k)``: 0/1 columns for the logistic links, values for identity.
        For all three links the gradient of the mean loss (cross-entropy, or half the squared error) with
        respect to the scores is ``(prediction - target) / n``.
    batch_size
        Rows per step; ``>= n`` means full batch (no shuffling). Mini-batches follow ``rng``'s permutation.
    l2
        Strength of the L2 penalty on ``coef`` (the intercept is not penalised).
    mu
        FedProx proximal strength, ``>= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = 2.0 * x + 1.0
    >>> w, b = proximal_gradient_descent(np.zeros((1, 1)), np.zeros(1), x, y, link="identity", epochs=2000,
    ...     learning_rate=0.1, batch_size=4, l2=0.0, mu=0.0, fit_intercept=True, rng=np.random.default_rng(0))
    >>> np.round(w, 3), np.round(b, 3)
    (array([[2.]]), array([1.]))
    """
    global_coef, global_intercept = coef.astype(np.float64), intercept.astype(np.float64)
    w, b = global_coef.copy(), global_intercept.copy()
    n = len(x)
    shrink = 1.0 + learning_rate * mu
    for _ in range(epochs):
        order = np.arange(n) if batch_size >= n else rng.permutation(n)
        for start in range(0, n, batch_size):
            rows = order[start : start + batch_size]
            xb = x[rows]
            residual = (predict(w, b, xb, link) - target[rows]) / len(rows)
            grad_w = residual.T @ xb + l2 * w
            grad_b = residual.sum(axis=0) if fit_intercept else np.zeros_like(b)
            if mu == 0.0:
                w = w - learning_rate * grad_w
                b = b - learning_rate * grad_b
            else:
                w = (w - learning_rate * grad_w + learning_rate * mu * global_coef) / shrink
                b = (b - learning_rate * grad_b + learning_rate * mu * global_intercept) / shrink
    return w, b
