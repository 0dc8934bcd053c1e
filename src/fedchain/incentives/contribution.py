"""Contribution scores: how much each accepted update moved the global model in the direction it went.

A member's reward weight is ``num_examples * alignment``, where ``alignment`` is the cosine between its
update (its model minus the round's base model) and the aggregate step (the new global model minus the base),
clipped at zero. This is the cosine-gradient Shapley approximation of Xu et al., "Gradient-Driven Rewards to
Guarantee Fairness in Collaborative Machine Learning" (NeurIPS 2021): an update that points where the
federation went earns in proportion to its data, one that is orthogonal or opposed (noise, a poisoned or
sign-flipped update) earns nothing, and a free-rider who sends the base model back unchanged earns nothing.

Every verifier recomputes the scores from public data, so they must come out bit for bit the same on any
machine. Floating-point dot products do not (summation order varies with SIMD width and threading); so each
difference vector is scaled by its own maximum to integers of at most ``2**15`` (one IEEE-754 multiply and
``rint`` per element, both exactly specified), the dot products are taken in ``int64`` (exact while
``d < 2**33``, and integer addition does not depend on order), and the cosine is finished in Python integers.

Examples
--------
>>> import numpy as np
>>> base = {"w": np.zeros(3, np.float32)}
>>> step = {"w": np.array([1.0, 1.0, 0.0], np.float32)}
>>> updates = [{"w": np.array([2.0, 2.0, 0.0], np.float32)},    # same direction, twice as far
...            {"w": np.array([0.0, 0.0, 5.0], np.float32)},    # orthogonal
...            {"w": np.array([-1.0, -1.0, 0.0], np.float32)}]  # opposed
>>> alignments(base, updates, step)
[1000000, 0, 0]
>>> split_by_weight(90, contribution_weights([10, 20], [1_000_000, 500_000]))
[45, 45]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from fedchain.exceptions import ConfigError

ALIGNMENT_ONE: Final = 1_000_000
"""The alignment of an update pointing exactly along the aggregate step (scores are parts per million)."""

_QUANT_BITS: Final = 15
"""Differences are scaled to integers in ``[-2**15, 2**15]``: int64 dot products stay exact to d < 2**33."""

_MAX_ELEMENTS: Final = 1 << 33

Arrays = Mapping[str, npt.NDArray[np.generic]]


def _direction(model: Arrays, base: Arrays) -> npt.NDArray[np.int64]:
    """``model - base`` over every tensor (base's order), scaled by its max magnitude to integers."""
    if set(model) != set(base):
        raise ConfigError("a model and the base model name different tensors")
    parts = [np.asarray(model[name], np.float64).ravel() - np.asarray(base[name], np.float64).ravel()
             for name in base]  # fmt: skip
    delta = np.concatenate(parts) if parts else np.zeros(0, np.float64)
    if delta.size >= _MAX_ELEMENTS:
        raise ConfigError(f"contribution scores support fewer than 2**33 parameters, got {delta.size}")
    peak = float(np.max(np.abs(delta))) if delta.size else 0.0
    if peak == 0.0 or not math.isfinite(peak):
        return np.zeros(delta.size, np.int64)
    return np.rint(delta * (float(1 << _QUANT_BITS) / peak)).astype(np.int64)


def _cosine_ppm(u: npt.NDArray[np.int64], v: npt.NDArray[np.int64]) -> int:
    """``max(0, cos(u, v))`` in parts per million, floored; 0 when either vector is zero."""
    dot = int(np.dot(u, v))
    norms = int(np.dot(u, u)) * int(np.dot(v, v))
    if dot <= 0 or norms == 0:
        return 0
    return min(ALIGNMENT_ONE, dot * ALIGNMENT_ONE // math.isqrt(norms))


def alignments(base: Arrays, updates: Sequence[Arrays], aggregate: Arrays) -> list[int]:
    """Each update's alignment with the aggregate step, in ``[0, ALIGNMENT_ONE]`` (parts per million).

    ``updates`` and ``aggregate`` are full models, as clients return them; the differences are taken from
    ``base`` (the round's global model). If the aggregate did not move, every alignment is 0.

    Raises
    ------
    ConfigError
        If a model names other tensors than ``base``, or has 2**33 parameters or more.
    """
    step = _direction(aggregate, base)
    return [_cosine_ppm(_direction(update, base), step) for update in updates]


def contribution_weights(num_examples: Sequence[int], alignment: Sequence[int]) -> list[int]:
    """Reward weights ``num_examples[i] * alignment[i]`` (integers: every verifier gets the same).

    Raises
    ------
    ConfigError
        If the sequences differ in length or hold a negative value.
    """
    if len(num_examples) != len(alignment):
        raise ConfigError("one alignment per update is needed")
    if any(n < 0 for n in num_examples) or any(a < 0 for a in alignment):
        raise ConfigError("example counts and alignments must be non-negative")
    return [n * a for n, a in zip(num_examples, alignment, strict=True)]


def split_by_weight(budget: int, weights: Sequence[int]) -> list[int]:
    """``budget`` split in proportion to ``weights``, floored: the amounts never sum past ``budget``.

    All-zero weights get nothing (nobody moved the model forward).

    >>> split_by_weight(10, [1, 2])
    [3, 6]
    >>> split_by_weight(10, [0, 0])
    [0, 0]
    """
    if budget < 0 or any(w < 0 for w in weights):
        raise ConfigError("the budget and the weights must be non-negative")
    total = sum(weights)
    if total == 0:
        return [0] * len(weights)
    return [budget * w // total for w in weights]
