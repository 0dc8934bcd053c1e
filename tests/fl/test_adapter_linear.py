"""The NumPy proximal gradient loop behind the scikit-learn adapter (pure arrays)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from fedchain.fl.adapters._linear import Link, predict, proximal_gradient_descent


def problem(link: Link) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    x = rng.standard_normal((64, 5))
    k = 3 if link == "softmax" else 1
    if link == "identity":
        target = x @ rng.standard_normal((5, 1)) + 0.3
    else:
        labels = rng.integers(0, k if k > 1 else 2, size=64)
        target = np.eye(max(k, 2))[labels][:, -k:] if k > 1 else labels[:, None].astype(float)
    return rng.standard_normal((k, 5)) * 0.1, rng.standard_normal(k) * 0.1, x, target


def run(link: Link, **overrides: Any) -> tuple[np.ndarray, np.ndarray]:
    w, b, x, t = problem(link)
    kwargs: dict[str, Any] = dict(
        link=link, epochs=3, learning_rate=0.1, batch_size=64, l2=0.01, mu=0.0, fit_intercept=True
    )
    kwargs.update(overrides)
    return proximal_gradient_descent(w, b, x, t, rng=np.random.default_rng(0), **kwargs)


@pytest.mark.parametrize("link", ["identity", "sigmoid", "softmax"])
def test_mu_zero_is_plain_gradient_descent_bit_for_bit(link: Link) -> None:
    w, b, x, t = problem(link)
    for _ in range(3):
        r = (predict(w, b, x, link) - t) / len(x)
        w, b = w - 0.1 * (r.T @ x + 0.01 * w), b - 0.1 * r.sum(axis=0)
    got_w, got_b = run(link)
    assert got_w.tobytes() == w.tobytes() and got_b.tobytes() == b.tobytes()


@pytest.mark.parametrize("link", ["identity", "sigmoid", "softmax"])
def test_a_huge_mu_stays_at_the_start_and_a_larger_mu_moves_less(link: Link) -> None:
    w0, _, _, _ = problem(link)
    distance = [float(np.abs(run(link, mu=mu)[0] - w0).max()) for mu in (0.0, 1.0, 1e12)]
    assert distance[0] > distance[1] > distance[2] and distance[2] < 1e-9


def test_one_step_solves_the_proximal_term_exactly() -> None:
    w0, b0, x, t = problem("identity")
    lr, mu = 0.1, 2.0
    w, _ = run("identity", epochs=1, l2=0.0, mu=mu, learning_rate=lr)
    g = ((predict(w0, b0, x, "identity") - t) / len(x)).T @ x
    # argmin_w <g, w> + |w - w0|^2 / (2 lr) + mu/2 |w - w0|^2  =  w0 - lr g / (1 + lr mu)
    np.testing.assert_allclose(w, w0 - lr * g / (1 + lr * mu), rtol=1e-12)


def test_mini_batches_follow_the_generator_and_full_batches_ignore_it() -> None:
    w, b, x, t = problem("sigmoid")
    common: dict[str, Any] = dict(
        link="sigmoid", epochs=2, learning_rate=0.1, l2=0.0, mu=0.0, fit_intercept=True
    )

    def with_seed(seed: int, batch: int) -> bytes:
        return proximal_gradient_descent(
            w, b, x, t, batch_size=batch, rng=np.random.default_rng(seed), **common
        )[0].tobytes()

    assert with_seed(1, 8) == with_seed(1, 8) != with_seed(2, 8)
    assert with_seed(1, 64) == with_seed(2, 64)


def test_without_intercept_the_intercept_does_not_move() -> None:
    _, b0, _, _ = problem("sigmoid")
    assert run("sigmoid", fit_intercept=False)[1].tobytes() == b0.tobytes()
