"""Argument checks shared by partitioners and loaders; each failure is a :class:`ConfigError`."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import numpy.typing as npt

from fedchain.exceptions import ConfigError


def check_int(name: str, value: object, *, minimum: int, maximum: int | None = None) -> int:
    """Return ``value`` as an ``int`` in ``[minimum, maximum]``, or raise ConfigError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{name} must be an integer, not {type(value).__name__}")
    number = int(value)
    if number < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ConfigError(f"{name} must be <= {maximum}, got {number}")
    return number


def check_seed(seed: object) -> int:
    """Return ``seed`` as a non-negative ``int`` usable by :func:`numpy.random.default_rng`."""
    return check_int("seed", seed, minimum=0)


def check_positive(name: str, value: object) -> float:
    """Return ``value`` as a finite float > 0, or raise ConfigError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ConfigError(f"{name} must be a real number, not {type(value).__name__}")
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise ConfigError(f"{name} must be finite and > 0, got {number}")
    return number


def check_fraction(name: str, value: object) -> float:
    """Return ``value`` as a float strictly between 0 and 1, or raise ConfigError."""
    number = check_positive(name, value)
    if number >= 1:
        raise ConfigError(f"{name} must be strictly between 0 and 1, got {number}")
    return number


def as_labels(name: str, labels: npt.ArrayLike) -> npt.NDArray[Any]:
    """Return ``labels`` as a non-empty 1-D array (any dtype numpy can sort), or raise ConfigError."""
    array = np.asarray(labels)
    if array.ndim != 1:
        raise ConfigError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ConfigError(f"{name} must not be empty")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ConfigError(f"{name} must not contain NaN or Inf")
    if array.dtype.kind not in "biufUS":
        raise ConfigError(f"{name} must hold numbers or strings, not {array.dtype}")
    return array


def check_num_partitions(num_partitions: object, n_samples: int) -> int:
    """Return ``num_partitions`` if ``1 <= num_partitions <= n_samples``, or raise ConfigError."""
    number = check_int("num_partitions", num_partitions, minimum=1)
    if number > n_samples:
        raise ConfigError(f"num_partitions ({number}) must not exceed the number of samples ({n_samples})")
    return number
