"""Shared helpers for the fl tests: optional extras (skip locally, fail under CI) and breast-cancer data."""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import NamedTuple

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer


def require(module: str, extra: str) -> ModuleType:
    """Import ``module``, or skip the test; under ``CI`` fail instead, so CI never passes by skipping."""
    try:
        return importlib.import_module(module)
    except ImportError:
        reason = f"{module} is not installed (pip install 'fedchain[{extra}]')"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so the {extra} extra must be installed")
        pytest.skip(reason)


@pytest.fixture
def torch() -> ModuleType:
    """The torch module (the ``torch`` extra): skipped when missing, failed under CI."""
    return require("torch", "torch")


@pytest.fixture
def flwr() -> ModuleType:
    """The flwr module (the ``flower`` extra): skipped when missing, failed under CI."""
    return require("flwr", "flower")


class Split(NamedTuple):
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@pytest.fixture(scope="session")
def breast_cancer() -> Split:
    """scikit-learn's breast-cancer set (shipped, no download), standardised, 400 train / 169 test rows."""
    x, y = load_breast_cancer(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    mean, scale = x[:400].mean(axis=0), x[:400].std(axis=0)
    x = (x - mean) / scale
    return Split(x[:400], y[:400], x[400:], y[400:])
