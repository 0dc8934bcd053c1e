"""Hospitals' data and local training for the demo: logistic regression on scikit-learn's breast-cancer set.

Pure numpy over arrays; no chain code. The data ships inside scikit-learn (no download). The feature scaling
constants are part of the task specification (published by the task owner), so every hospital maps its raw
measurements into the same space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from fedchain.data.datasets import HOSPITAL_NAMES
from fedchain.exceptions import ConfigError

Model = dict[str, np.ndarray]


@dataclass(frozen=True)
class Split:
    """One hospital's private records."""

    name: str
    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True)
class Dataset:
    hospitals: tuple[Split, ...]
    x_test: np.ndarray
    y_test: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    feature_names: tuple[str, ...]


def load_hospitals(n: int, seed: int) -> Dataset:
    """Split breast-cancer records over ``n`` hospitals of unequal size, holding out 20% for evaluation."""
    if not 1 <= n <= len(HOSPITAL_NAMES):
        raise ConfigError(f"the demo has between 1 and {len(HOSPITAL_NAMES)} hospitals, not {n}")
    data = load_breast_cancer()
    x = np.asarray(data.data, dtype=np.float64)
    y = np.asarray(data.target, dtype=np.float64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=seed, stratify=y)
    mean, scale = x_train.mean(axis=0), x_train.std(axis=0)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x_train))
    shares = rng.dirichlet(np.full(n, 4.0))
    cuts = np.cumsum(np.maximum(1, np.round(shares * len(order)).astype(int)))[:-1]
    parts = np.split(order, np.minimum(cuts, len(order) - 1))
    hospitals = tuple(
        Split(HOSPITAL_NAMES[i], (x_train[p] - mean) / scale, y_train[p]) for i, p in enumerate(parts)
    )
    return Dataset(
        hospitals, (x_test - mean) / scale, y_test, mean, scale, tuple(map(str, data.feature_names))
    )


def initial_model(num_features: int) -> Model:
    return {
        "bias": np.zeros(1, dtype=np.float32),
        "weight": np.zeros(num_features, dtype=np.float32),
    }


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
    return out


def train_local(model: Model, x: np.ndarray, y: np.ndarray, *, epochs: int, lr: float = 0.5) -> Model:
    """Full-batch gradient descent on the logistic loss, from the global model."""
    w = model["weight"].astype(np.float64)
    b = float(model["bias"][0])
    for _ in range(epochs):
        p = _sigmoid(x @ w + b)
        w -= lr * (x.T @ (p - y) / len(y) + 1e-3 * w)
        b -= lr * float(np.mean(p - y))
    return {"bias": np.array([b], dtype=np.float32), "weight": w.astype(np.float32)}


def evaluate(model: Model, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Accuracy and mean log-loss."""
    p = _sigmoid(x @ model["weight"].astype(np.float64) + float(model["bias"][0]))
    eps = 1e-12
    loss = float(-np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))
    return float(np.mean((p >= 0.5) == (y == 1))), loss


def weighted_average(models: list[tuple[Model, int]]) -> Model:
    """FedAvg: the sample-weighted mean of the updates (float64 accumulation, float32 result)."""
    total = sum(n for _, n in models)
    if total <= 0:
        raise ConfigError("no training examples to average over")
    averaged: Model = {}
    for name in sorted(models[0][0]):
        acc = np.zeros(models[0][0][name].shape, dtype=np.float64)
        for m, n in models:
            acc += m[name].astype(np.float64) * n
        averaged[name] = (acc / total).astype(np.float32)
    return averaged
