"""Bit-exact L2 distance of an update to its base model, in the aggregation's fixed point.

A task bounds how far one revealed update may move from the round's base model (the task spec's
``maxUpdateNorm``): ``||x - base||_2 <= bound``. Every node (aggregator, attesting members,
``fedchain verify``) must reach the same verdict on the same bytes, so the test never sums floats. It runs on
the integers the aggregation itself uses (:func:`fedchain.fl.fixedpoint.quantize`):

1. quantize both: ``q_x = round_half_even(x * 2**frac_bits)``, ``q_b`` likewise (exact, as the aggregation);
2. take the integer differences ``d = q_x - q_b`` and their exact sum of squares ``D = sum d**2``;
3. compare with the bound in the same quanta: ``D <= floor((bound * 2**frac_bits)**2)``, the right side
   computed exactly from :class:`fractions.Fraction` ``(bound)`` (a float is a dyadic rational).

``D`` is an integer, so ``D <= (bound * 2**frac_bits)**2`` if and only if ``D`` is at most its floor: the
verdict is that of the real inequality ``sqrt(D) * 2**-frac_bits <= bound`` on the quantized values, with no
rounding anywhere. It does not depend on the order of the tensors or of their elements (integer addition).

Exactness of the fast path
--------------------------
``|q| <= 2**(total_bits-1) - 1 <= 2**63 - 1``. When both tensors' peaks are below ``2**62`` the differences
are taken in int64 (``|d| <= 2**63 - 2``, no wrap), otherwise in Python integers. With ``M = max |d|``:

* if ``M <= isqrt(2**63 - 1) = 3_037_000_499`` every square fits in int64, and the squares are added in
  int64 blocks of ``C = (2**63 - 1) // M**2`` elements: every partial sum of non-negative terms inside a
  block is at most ``C * M**2 <= 2**63 - 1``, so nothing wraps, and the block sums are added in Python
  integers;
* otherwise the squares are summed in Python integers (exact, slower, and only reached for differences
  beyond ``3e9`` quanta, about 181 at 24 fractional bits: :func:`within_norm_bound` refuses such an update
  from ``M**2`` alone unless the bound is larger still).

With the default task bounds (``maxUpdateNorm`` 10, 24 fractional bits) an update that passes has
``M <= 10 * 2**24 < 2**28``, so ``M**2 < 2**56`` and blocks hold at least 128 elements: a million parameters
take a few milliseconds.

Examples
--------
>>> import numpy as np
>>> from fedchain.fl.fixedpoint import FixedPointConfig
>>> cfg = FixedPointConfig(frac_bits=2)
>>> base = {"w": np.array([0.0, 1.0])}
>>> squared_distance_quanta({"w": np.array([0.75, 0.0])}, base, cfg)  # 3**2 + (-4)**2 quanta
25
>>> within_norm_bound({"w": np.array([0.75, 0.0])}, base, 1.25, cfg)  # 5 quanta = 1.25
True
>>> within_norm_bound({"w": np.array([1.0, 0.0])}, base, 1.25, cfg)  # 4**2 + 4**2 = 32 > 25
False
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Final

import numpy as np

from fedchain.codec._checks import canonical_arrays
from fedchain.codec._types import NamedArrays, NDArray
from fedchain.exceptions import ConfigError, SpecMismatchError
from fedchain.fl.fixedpoint import DEFAULT_CONFIG, FixedPointConfig, quantize

_INT64_MAX: Final = 2**63 - 1
_SQUARE_SAFE: Final = math.isqrt(_INT64_MAX)
"""Largest ``|d|`` whose square fits in int64 (3_037_000_499)."""
_DIFF_SAFE: Final = 2**62
"""Peaks below it keep ``q_x - q_b`` inside int64."""


def bound_quanta_squared(bound: float, cfg: FixedPointConfig = DEFAULT_CONFIG) -> int:
    """``floor((bound * 2**frac_bits)**2)``, exactly: the largest ``sum d**2`` (in quanta) within ``bound``.

    Raises
    ------
    ConfigError
        If ``bound`` is not a finite number at least 0.

    Examples
    --------
    >>> from fedchain.fl.fixedpoint import FixedPointConfig
    >>> bound_quanta_squared(1.5, FixedPointConfig(frac_bits=1))  # (1.5 * 2)**2
    9
    >>> bound_quanta_squared(0.1, FixedPointConfig(frac_bits=4))  # floor((0.1... * 16)**2) = floor(2.56...)
    2
    """
    if isinstance(bound, bool) or not isinstance(bound, int | float) or not 0 <= bound < math.inf:
        raise ConfigError(f"a norm bound must be a finite number at least 0, not {bound!r}")
    scaled = Fraction(bound) * (1 << cfg.frac_bits)  # exact: a float is a dyadic rational
    return math.floor(scaled * scaled)


def squared_distance_quanta(
    update: NamedArrays, base: NamedArrays, cfg: FixedPointConfig = DEFAULT_CONFIG
) -> int:
    """``sum (q(update) - q(base))**2`` over every element of every tensor, exactly, in quanta squared.

    The L2 distance is ``sqrt(result) * 2**-frac_bits``.

    Raises
    ------
    SpecMismatchError
        If the two hold different tensor names or shapes (or a non-float tensor).
    NonFiniteError, FixedPointOverflowError
        As :func:`~fedchain.fl.fixedpoint.quantize`, for a value of either side.
    """
    return sum(_sum_squares(d, _peak(d)) for d in _differences(update, base, cfg))


def within_norm_bound(
    update: NamedArrays, base: NamedArrays, bound: float, cfg: FixedPointConfig = DEFAULT_CONFIG
) -> bool:
    """Whether ``||q(update) - q(base)||_2 <= bound`` (in ``cfg``'s fixed point), decided exactly.

    Equal to ``squared_distance_quanta(update, base, cfg) <= bound_quanta_squared(bound, cfg)``, but stops at
    the first tensor (or element) that alone exceeds the bound, so an update of huge values costs little.

    Raises
    ------
    ConfigError
        If ``bound`` is not a finite number at least 0.
    SpecMismatchError, NonFiniteError, FixedPointOverflowError
        As :func:`squared_distance_quanta`.
    """
    limit = bound_quanta_squared(bound, cfg)
    total = 0
    for d in _differences(update, base, cfg):
        peak = _peak(d)
        if peak * peak > limit:  # one element alone is beyond the bound: no need to add the rest
            return False
        total += _sum_squares(d, peak)
        if total > limit:
            return False
    return True


def _differences(update: NamedArrays, base: NamedArrays, cfg: FixedPointConfig) -> Iterator[NDArray]:
    """``q(update) - q(base)`` per tensor, by sorted name: int64 where provably exact, else Python ints."""
    ours, theirs = canonical_arrays(update), canonical_arrays(base)
    names, want = [name for name, _ in ours], [name for name, _ in theirs]
    if names != want:
        raise SpecMismatchError(f"the update holds tensors {names[:5]}, the base {want[:5]}")
    for (name, x), (_, b) in zip(ours, theirs, strict=True):
        if x.shape != b.shape:
            raise SpecMismatchError(
                f"tensor {name!r} is {list(x.shape)} in the update, {list(b.shape)} in the base"
            )
        qx, qb = quantize({name: x}, cfg)[name], quantize({name: b}, cfg)[name]
        if max(_peak(qx), _peak(qb)) < _DIFF_SAFE:
            yield qx - qb  # |d| <= 2 * (2**62 - 1) < 2**63: no wrap
        else:
            exact = np.empty(qx.size, dtype=object)
            exact[:] = [u - v for u, v in zip(qx.ravel().tolist(), qb.ravel().tolist(), strict=True)]
            yield exact


def _peak(ints: NDArray) -> int:
    """``max |v|`` (a Python int, 0 if empty), exact for int64 (``-min`` taken in Python) and objects."""
    if ints.size == 0:
        return 0
    if ints.dtype == object:
        return int(max(abs(v) for v in ints.ravel().tolist()))
    return max(-int(ints.min()), int(ints.max()))


def _sum_squares(d: NDArray, peak: int) -> int:
    """``sum d**2`` exactly, given ``peak = max |d|`` (see the module docstring for the int64 argument)."""
    if peak == 0:
        return 0
    if d.dtype == object or peak > _SQUARE_SAFE:
        return sum(v * v for v in d.ravel().tolist())
    squares = np.square(d.ravel())  # int64: each at most peak**2 <= 2**63 - 1
    block = _INT64_MAX // (peak * peak)  # at least 1
    if block >= squares.size:
        return int(squares.sum(dtype=np.int64))  # every partial sum <= size * peak**2 <= 2**63 - 1
    starts = np.arange(0, squares.size, block)
    return sum(np.add.reduceat(squares, starts, dtype=np.int64).tolist())


__all__ = ["bound_quanta_squared", "squared_distance_quanta", "within_norm_bound"]
