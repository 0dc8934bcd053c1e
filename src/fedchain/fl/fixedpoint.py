"""Bit-exact, order-independent weighted averaging of named float arrays in fixed-point integers.

Every global model must be re-derivable bit for bit by anyone, on any machine, from the public
inputs. Floating-point sums are not: ``(a + b) + c`` and ``a + (b + c)`` may differ, and NumPy picks
the summation order (pairwise, SIMD width) by platform and array size. So aggregation here never
sums floats. It runs in four steps, each exact or a single correctly rounded IEEE-754 operation:

1. **Quantize.** Each value ``x`` becomes the integer ``q = round_half_even(x * 2**frac_bits)``.
   Widening to float64 is exact, scaling by a power of two is exact (the exponent moves, the
   significand does not), and :func:`numpy.rint` rounds half to even under the default IEEE
   rounding mode; the result is an integer-valued float64 below ``2**63``, so its conversion to
   int64 is exact. NaN, Inf and values outside ``±(2**(total_bits-1) - 1)`` quanta are refused.
2. **Accumulate** ``S = sum_i n_i * q_i`` in integers. Integer addition is associative and
   commutative, so ``S`` does not depend on the order of the updates, provided nothing overflows
   (see *Overflow bound* below).
3. **Divide** with deterministic integer rounding: ``m = round_half_even(S / N)``, ``N = sum_i n_i``,
   decided by the exact floor quotient and remainder (a float64 estimate of the quotient may guide the
   search, but the integer remainder decides).
4. **Convert back**: ``m`` is split as ``hi * 2**32 + lo`` (both halves convert to float64 exactly),
   ``hi * 2**32 + lo`` is one correctly rounded float64 addition, multiplying by ``2**-frac_bits``
   is exact, and the final cast to the input dtype (float16/32/64) is one correctly rounded IEEE
   conversion. When ``|m| < 2**53`` (``|x| < 2**29`` at the default 24 fractional bits) the float64
   value is exact and the output is ``m * 2**-frac_bits`` correctly rounded to the output dtype (the
   compiled path, taken for ``|m|`` below about ``2**49``, converts ``m`` to float64 directly).

No floating-point reduction appears anywhere, so the bytes of the result depend only on the inputs,
not on their order, the platform, the BLAS or the NumPy build. The only assumption is the default
IEEE-754 rounding mode, round-to-nearest-even, which no mainstream library changes. Flush-to-zero
modes (FTZ/DAZ) do not matter here for float32/float64 inputs: their subnormals quantize to 0 either
way, and every output is a multiple of ``2**-frac_bits >= 2**-62``, far above the subnormal range.

Accuracy: each ``q_i`` is within half a quantum of ``x_i * 2**frac_bits``, so the exact weighted mean
of the ``q_i`` is within half a quantum of the real one, and rounding the division adds at most
another half: ``|m * 2**-frac_bits - sum_i n_i x_i / N| <= 2**-frac_bits``, before the output dtype's
own rounding (none for float64 while ``|m| < 2**53``).

Overflow bound
--------------
Let ``Q_i = max |q_i|`` over one tensor of update ``i`` and ``B = sum_i n_i * Q_i`` (computed exactly in
Python integers, from each ``max |x_i|``). Every term ``n_i * q_i`` and every partial sum, whatever the
order or grouping of the terms, is at most ``B`` in magnitude, since ``|sum_{i in I} n_i q_i| <=
sum_{i in I} n_i Q_i <= B``. Per tensor:

* if ``B <= 2**63 - 1``, the sum is taken in int64, where no intermediate value can overflow;
* otherwise it is taken exactly in Python integers (an object array), over a hundred times slower and
  only reached by extreme values or weights.

Both give the same integers, so the result is bit-identical whichever path a tensor takes.

The rounding step needs ``2 * r < 2 * N <= 2**63``, which :data:`MAX_TOTAL_WEIGHT` guarantees.

Since ``Q_i <= ceil(max|x_i| * 2**frac_bits)``, a sufficient a-priori condition for int64 throughout is
``N * ceil(max|x| * 2**frac_bits) <= 2**63 - 1``. With the default 24 fractional bits: values
``|x| <= 1`` allow up to ``N < 2**39`` examples in total, ``|x| <= 2**7 = 128`` allow ``N < 2**32``.
The mean itself always fits in int64: ``|m| <= max_i Q_i <= 2**(total_bits-1) - 1``.

Speed
-----
Steps 1 and 2 run as one compiled pass (:mod:`fedchain.fl._kernels`: Numba, without ``fastmath``) that
reads each input once: the output is cut into cache-sized blocks and each block takes its share of every
update, along with each update's ``max |x|``, by integer arithmetic that yields exactly the integers defined
above (the NumPy code in this module is the reference the tests hold it to). The refusals then run on those
maxima, in update order, before any sum is used. Steps 3 and 4 are one compiled pass too. The first call in
a process compiles the kernels, or loads them from Numba's cache on disk.

Examples
--------
>>> import numpy as np
>>> a = {"w": np.array([0.1, -0.25], np.float32)}
>>> b = {"w": np.array([0.3, 0.75], np.float32)}
>>> mean = aggregate_fixed_point([(a, 1), (b, 3)])
>>> mean["w"].dtype, mean["w"].tolist() == aggregate_fixed_point([(b, 3), (a, 1)])["w"].tolist()
(dtype('float32'), True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias, cast

import numpy as np
import numpy.typing as npt

from fedchain.codec._checks import canonical_arrays, check_finite
from fedchain.codec._types import NamedArrays, NDArray
from fedchain.exceptions import ConfigError, FixedPointOverflowError, SpecMismatchError
from fedchain.fl import _kernels

DEFAULT_FRAC_BITS: Final = 24
"""Fractional bits by default: one quantum is ``2**-24`` (about 6e-8), float32's epsilon at 1.0 / 2."""

DEFAULT_TOTAL_BITS: Final = 64
"""Total bits by default: quantized values are int64 (with 24 fractional bits, ``|x| < 2**39``)."""

MAX_TOTAL_WEIGHT: Final = 2**62
"""Largest accepted total weight ``N = sum_i n_i`` (keeps the rounding step inside int64)."""

_INT64_MAX: Final = 2**63 - 1
_FLOAT_KINDS: Final = frozenset({"float16", "float32", "float64"})

Update: TypeAlias = tuple[NamedArrays, int]
"""One client's result: its named float arrays and its weight (number of training examples)."""


@dataclass(frozen=True, slots=True)
class FixedPointConfig:
    """How floats map to integers: ``q = round_half_even(x * 2**frac_bits)``, ``|q| < 2**(total_bits-1)``.

    Both values are part of the public inputs a verifier needs to re-derive an aggregate.

    Parameters
    ----------
    frac_bits
        Fractional bits, ``0 <= frac_bits <= total_bits - 2``. One quantum is ``2**-frac_bits``.
    total_bits
        Width of a quantized value, sign included, ``2 <= total_bits <= 64``.

    Raises
    ------
    ConfigError
        If a value is not an int or is out of its range.

    Examples
    --------
    >>> cfg = FixedPointConfig(frac_bits=16, total_bits=32)
    >>> cfg.quantum, cfg.max_int, cfg.max_abs_value
    (1.52587890625e-05, 2147483647, 32767.9999847412...)
    """

    frac_bits: int = DEFAULT_FRAC_BITS
    total_bits: int = DEFAULT_TOTAL_BITS

    def __post_init__(self) -> None:
        if type(self.total_bits) is not int or not 2 <= self.total_bits <= 64:
            raise ConfigError(f"total_bits must be an int in [2, 64], not {self.total_bits!r}")
        if type(self.frac_bits) is not int or not 0 <= self.frac_bits <= self.total_bits - 2:
            raise ConfigError(f"frac_bits must be an int in [0, total_bits - 2], not {self.frac_bits!r}")

    @property
    def quantum(self) -> float:
        """The value of one integer step, ``2**-frac_bits``."""
        return 2.0**-self.frac_bits

    @property
    def max_int(self) -> int:
        """Largest quantized magnitude, ``2**(total_bits-1) - 1`` (the range is symmetric)."""
        return (1 << (self.total_bits - 1)) - 1

    @property
    def max_abs_value(self) -> float:
        """Largest magnitude that quantizes in range, ``max_int * quantum`` (rounded to float64)."""
        return float(self.max_int) * self.quantum


DEFAULT_CONFIG: Final = FixedPointConfig()
"""``FixedPointConfig(frac_bits=24, total_bits=64)``."""


@dataclass(frozen=True, slots=True)
class WeightedSum:
    """The exact integer sums ``S = sum_i n_i * q_i`` per tensor, before division.

    Attributes
    ----------
    sums
        Tensor name to integer array: int64, or an object array of Python ints for a tensor whose
        overflow bound exceeds int64 (see the module docstring). Names in sorted order.
    total_weight
        ``N = sum_i n_i``, positive.
    dtypes
        Tensor name to the float dtype of the inputs (and of the mean).
    config
        The fixed-point format the sums are in.
    """

    sums: dict[str, NDArray]
    total_weight: int
    dtypes: dict[str, np.dtype[Any]]
    config: FixedPointConfig


def quantize(named_arrays: NamedArrays, cfg: FixedPointConfig = DEFAULT_CONFIG) -> dict[str, NDArray]:
    """Map float arrays to int64 fixed point, rounding half to even: ``q = rint(x * 2**frac_bits)``.

    Parameters
    ----------
    named_arrays
        A mapping from tensor name to a float16/float32/float64 array, or ``(name, array)`` pairs.
    cfg
        The fixed-point format.

    Returns
    -------
    dict[str, numpy.ndarray]
        int64 arrays of the same shapes, by sorted name.

    Raises
    ------
    ConfigError
        Invalid or repeated names, or values that are not arrays.
    SpecMismatchError
        A tensor that is not float16, float32 or float64.
    NonFiniteError
        NaN or Inf in a tensor.
    FixedPointOverflowError
        A value whose magnitude rounds to more than ``cfg.max_int`` quanta.

    Examples
    --------
    >>> import numpy as np
    >>> cfg = FixedPointConfig(frac_bits=2)
    >>> quantize({"w": np.array([0.125, 0.375, -0.625, 1.0])}, cfg)["w"].tolist()
    [0, 2, -2, 4]
    """
    arrays = _float_arrays(named_arrays)
    return {name: _quantize_array(name, array, cfg) for name, array in arrays}


def dequantize(
    named_ints: NamedArrays,
    cfg: FixedPointConfig = DEFAULT_CONFIG,
    dtype: npt.DTypeLike | Mapping[str, npt.DTypeLike] = np.float64,
) -> dict[str, NDArray]:
    """Map int64 fixed point back to floats: ``q * 2**-frac_bits``, correctly rounded to ``dtype``.

    Parameters
    ----------
    named_ints
        A mapping from tensor name to an integer array (values within ``±cfg.max_int``).
    cfg
        The fixed-point format.
    dtype
        The output float dtype, or a mapping from tensor name to one.

    Returns
    -------
    dict[str, numpy.ndarray]
        Float arrays of the same shapes, by sorted name.

    Raises
    ------
    SpecMismatchError
        A tensor that is not of a signed integer dtype, an output dtype that is not a float, or a
        dtype mapping that does not name every tensor.
    FixedPointOverflowError
        A value outside ``±cfg.max_int``.

    Examples
    --------
    >>> import numpy as np
    >>> dequantize({"w": np.array([0, 2, -2, 4])}, FixedPointConfig(frac_bits=2))["w"].tolist()
    [0.0, 0.5, -0.5, 1.0]
    """
    arrays = canonical_arrays(named_ints)
    out: dict[str, NDArray] = {}
    for name, array in arrays:
        if array.dtype.kind != "i":
            raise SpecMismatchError(f"tensor {name!r} has dtype {array.dtype}, expected a signed integer")
        if isinstance(dtype, Mapping):
            if name not in dtype:
                raise SpecMismatchError(f"no output dtype given for tensor {name!r}")
            want = np.dtype(cast(Mapping[str, Any], dtype)[name])
        else:
            want = np.dtype(dtype)
        if want.name not in _FLOAT_KINDS:
            raise SpecMismatchError(f"output dtype for {name!r} must be float16/32/64, not {want}")
        ints = array.astype(np.int64)
        if ints.size and max(-int(ints.min()), int(ints.max())) > cfg.max_int:
            raise FixedPointOverflowError(f"tensor {name!r} holds values beyond ±{cfg.max_int} quanta")
        out[name] = _to_float(ints, cfg.frac_bits, want)
    return out


def weighted_sum(updates: Sequence[Update], cfg: FixedPointConfig = DEFAULT_CONFIG) -> WeightedSum:
    """Quantize every update and sum ``n_i * q_i`` exactly, in int64 when provably safe.

    Parameters
    ----------
    updates
        ``(named float arrays, num_examples)`` pairs. Every update holds the same names, shapes and
        dtypes; weights are non-negative ints summing to between 1 and :data:`MAX_TOTAL_WEIGHT`.
    cfg
        The fixed-point format.

    Returns
    -------
    WeightedSum
        The exact integer sums, the total weight, the dtypes and ``cfg``. Independent of the order
        of ``updates``.

    Raises
    ------
    ConfigError
        No updates, a malformed pair, a weight that is not a non-negative int, or a zero total.
    SpecMismatchError
        Names, shapes or dtypes that differ between updates, or a non-float tensor.
    NonFiniteError
        NaN or Inf in an update.
    FixedPointOverflowError
        A value out of the format's range, or a total weight above :data:`MAX_TOTAL_WEIGHT`.

    Examples
    --------
    >>> import numpy as np
    >>> cfg = FixedPointConfig(frac_bits=2)
    >>> total = weighted_sum([({"w": np.array([0.5])}, 1), ({"w": np.array([1.0])}, 2)], cfg)
    >>> total.sums["w"].tolist(), total.total_weight
    ([10], 3)
    """
    if isinstance(updates, Mapping) or not isinstance(updates, Sequence) or len(updates) == 0:
        raise ConfigError("updates must be a non-empty sequence of (named arrays, num_examples) pairs")
    weights = [_weight(index, pair) for index, pair in enumerate(updates)]
    total = sum(weights)
    if total == 0:
        raise ConfigError("the total weight (sum of num_examples) is zero")
    if total > MAX_TOTAL_WEIGHT:
        raise FixedPointOverflowError(f"total weight {total} exceeds MAX_TOTAL_WEIGHT = 2**62")

    tensors = _tensors_of(updates)
    if tensors is None:  # a malformed update: the streamed reference raises the first error, in update order
        return _weighted_sum_streamed(updates, weights, total, cfg)
    names = [name for name, _ in tensors[0]]
    sums: dict[str, NDArray] = {}
    peaks: dict[str, list[float]] = {}  # max |x| per tensor and update (Inf or NaN if non-finite)
    for position, name in enumerate(names):
        sums[name], maxima = _kernels.weighted_int_sum(_column(tensors, position), weights, cfg.frac_bits)
        peaks[name] = maxima.tolist()
    bounds = _checked_bounds(tensors, peaks, weights, cfg)  # raises before any sum is used
    for position, name in enumerate(names):
        if bounds[name] > _INT64_BOUND:  # the int64 sums may have wrapped: redo them in Python integers
            sums[name] = _exact_sum(name, _column(tensors, position), weights, cfg)
    dtypes = {name: np.dtype(array.dtype.name) for name, array in tensors[0]}  # native byte order
    return WeightedSum(sums=sums, total_weight=total, dtypes=dtypes, config=cfg)


def weighted_mean(total: WeightedSum) -> dict[str, NDArray]:
    """Divide a :class:`WeightedSum` by its total weight, rounding half to even, and convert back.

    Parameters
    ----------
    total
        The output of :func:`weighted_sum`.

    Returns
    -------
    dict[str, numpy.ndarray]
        ``round_half_even(S / N) * 2**-frac_bits`` per tensor, in the inputs' dtype, by sorted name.

    Examples
    --------
    >>> import numpy as np
    >>> cfg = FixedPointConfig(frac_bits=2)
    >>> total = weighted_sum([({"w": np.array([0.5])}, 1), ({"w": np.array([1.0])}, 2)], cfg)
    >>> weighted_mean(total)["w"].tolist()  # 10 / 3 quanta -> 3 quanta
    [0.75]
    """
    out: dict[str, NDArray] = {}
    weight, frac_bits = total.total_weight, total.config.frac_bits
    for name, sums in total.sums.items():
        dtype, mean = total.dtypes[name], None
        if (
            sums.dtype == np.int64
            and dtype.isnative
            and dtype.name in _FLOAT_KINDS
            and _valid_divisor(weight)
        ):
            mean = _kernels.mean_to_float(sums, weight, frac_bits, dtype)
        if mean is None:  # Python integers, large means, or invalid input (refused just below)
            mean = _to_float(round_half_even_div(sums, weight), frac_bits, dtype)
        out[name] = mean
    return out


def aggregate_fixed_point(
    updates: Sequence[Update], cfg: FixedPointConfig = DEFAULT_CONFIG
) -> dict[str, NDArray]:
    """Return the sample-weighted mean of the updates, computed bit-exactly in fixed point.

    Equal to ``weighted_mean(weighted_sum(updates, cfg))``: within one quantum (``2**-frac_bits``,
    plus the output dtype's own rounding) of the real weighted mean ``sum_i n_i x_i / sum_i n_i``,
    and the same bytes whatever the order of ``updates`` or the machine.

    Parameters
    ----------
    updates
        ``(named float arrays, num_examples)`` pairs, as for :func:`weighted_sum`.
    cfg
        The fixed-point format.

    Returns
    -------
    dict[str, numpy.ndarray]
        The mean per tensor, in the inputs' dtype, by sorted name.

    Raises
    ------
    ConfigError, SpecMismatchError, NonFiniteError, FixedPointOverflowError
        As :func:`weighted_sum`.

    Examples
    --------
    >>> import numpy as np
    >>> ups = [({"b": np.array([1.0, 2.0])}, 10), ({"b": np.array([3.0, -2.0])}, 30)]
    >>> aggregate_fixed_point(ups)["b"].tolist()
    [2.5, -1.0]
    """
    return weighted_mean(weighted_sum(updates, cfg))


def round_half_even_div(numerator: NDArray, denominator: int) -> NDArray:
    """Divide integers by a positive int, rounding the quotient half to even, exactly.

    Parameters
    ----------
    numerator
        An int64 array, or an object array of Python ints.
    denominator
        A positive int, at most :data:`MAX_TOTAL_WEIGHT`.

    Returns
    -------
    numpy.ndarray
        The rounded quotients as int64 (they must fit, as a weighted mean always does).

    Raises
    ------
    ConfigError
        If ``denominator`` is not an int in ``[1, MAX_TOTAL_WEIGHT]``.
    SpecMismatchError
        If ``numerator`` is neither int64 nor object.
    FixedPointOverflowError
        If a quotient does not fit in int64.

    Examples
    --------
    >>> import numpy as np
    >>> round_half_even_div(np.array([5, 7, -5, -7, 8]), 2).tolist()  # 2.5 3.5 -2.5 -3.5 4
    [2, 4, -2, -4, 4]
    """
    if not _valid_divisor(denominator):
        raise ConfigError(f"denominator must be an int in [1, 2**62], not {denominator!r}")
    if numerator.dtype == object:  # Python ints, possibly beyond int64
        values = [_div_half_even(int(value), denominator) for value in numerator.ravel().tolist()]
        if any(abs(value) > _INT64_MAX for value in values):
            raise FixedPointOverflowError("a quotient does not fit in int64")
        return np.array(values, dtype=np.int64).reshape(numerator.shape)
    if numerator.dtype != np.int64:
        raise SpecMismatchError(f"numerator must be int64 or Python ints (object), not {numerator.dtype}")
    quotient = np.floor_divide(numerator, denominator)  # floor division, exact for integers
    twice = (numerator - quotient * denominator) * 2  # 2 * remainder, with 0 <= remainder < N <= 2**62
    round_up = (twice > denominator) | ((twice == denominator) & ((quotient & 1) == 1))
    return np.asarray(quotient + round_up.astype(np.int64), dtype=np.int64)


def _valid_divisor(denominator: object) -> bool:
    return type(denominator) is int and 1 <= denominator <= MAX_TOTAL_WEIGHT


def _div_half_even(numerator: int, denominator: int) -> int:
    quotient, remainder = divmod(numerator, denominator)  # floor division, 0 <= remainder < denominator
    if 2 * remainder > denominator or (2 * remainder == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


# -- helpers -----------------------------------------------------------------------------------------


def _weighted_sum_streamed(
    updates: Sequence[Update], weights: list[int], total: int, cfg: FixedPointConfig
) -> WeightedSum:
    """:func:`weighted_sum` in NumPy, one update at a time: the reference, and the path for malformed input.

    Checks and adds update after update, so its first refusal is the first in update order. A tensor whose
    running bound passes ``2**63 - 1`` continues in Python integers from that update on.
    """
    reference: list[tuple[str, NDArray]] = []
    sums: dict[str, NDArray] = {}
    bounds: dict[str, int] = {}  # running sum_i n_i * max|q_i| per tensor, exact
    for index, ((named, _), weight) in enumerate(zip(updates, weights, strict=True)):
        arrays = _float_arrays(named)
        if index == 0:
            reference = arrays
            sums = {name: np.zeros(array.shape, dtype=np.int64) for name, array in arrays}
            bounds = dict.fromkeys(sums, 0)
        else:
            _check_same_layout(reference, arrays, index)
        for name, array in arrays:
            bounds[name] += weight * _max_quantized(name, array, cfg)
            if bounds[name] <= _INT64_BOUND and sums[name].dtype == np.int64:
                _accumulate_fused(sums[name], array, weight, cfg)
            else:
                q = _quantize_array(name, array, cfg)
                sums[name] = _accumulate_exact(sums[name], q, weight)
    dtypes = {name: np.dtype(array.dtype.name) for name, array in reference}  # native byte order
    return WeightedSum(sums=sums, total_weight=total, dtypes=dtypes, config=cfg)


def _float_arrays(named: NamedArrays) -> list[tuple[str, NDArray]]:
    arrays = _float_tensors(named)
    check_finite(arrays)
    return arrays


def _float_tensors(named: NamedArrays) -> list[tuple[str, NDArray]]:
    arrays = canonical_arrays(named)
    for name, array in arrays:
        if array.dtype.kind != "f":  # canonical_arrays admits float16/32/64 only (kind is fast, name slow)
            raise SpecMismatchError(f"tensor {name!r} has dtype {array.dtype}, expected float16/32/64")
    return arrays


def _tensors_of(updates: Sequence[Update]) -> list[list[tuple[str, NDArray]]] | None:
    """Every update's float tensors, by sorted name, if all are well formed and alike; else None.

    Values are not looked at here (the kernel reports their maxima), so a malformed update may hide an
    earlier update's non-finite value: the caller then leaves the choice of error to the streamed path.
    """
    try:
        tensors = [_float_tensors(named) for named, _ in updates]
        for index, arrays in enumerate(tensors[1:], start=1):
            _check_same_layout(tensors[0], arrays, index)
    except (ConfigError, SpecMismatchError):
        return None
    return tensors


def _column(tensors: list[list[tuple[str, NDArray]]], position: int) -> list[NDArray]:
    return [arrays[position][1] for arrays in tensors]  # one tensor of every update


def _checked_bounds(
    tensors: list[list[tuple[str, NDArray]]],
    peaks: dict[str, list[float]],
    weights: list[int],
    cfg: FixedPointConfig,
) -> dict[str, int]:
    """``B = sum_i n_i * max|q_i|`` per tensor, exact, from the maxima; raises the streamed path's refusals.

    In its order too: update after update, first a non-finite value in any of its tensors (named by
    :func:`~fedchain.codec._checks.check_finite`), then a value out of range, tensor by tensor.
    """
    bounds = dict.fromkeys(peaks, 0)
    for index, (arrays, weight) in enumerate(zip(tensors, weights, strict=True)):
        if not all(math.isfinite(maxima[index]) for maxima in peaks.values()):
            check_finite(arrays)
        for name, maxima in peaks.items():
            bounds[name] += weight * _peak_quanta(name, maxima[index], cfg)
    return bounds


def _quantize_array(name: str, array: NDArray, cfg: FixedPointConfig) -> NDArray:
    # float16/32 -> float64 is exact; * 2**frac_bits is exact (or overflows to inf, refused below).
    with np.errstate(over="ignore"):  # a product too large for float64 is inf, refused just below
        scaled = np.rint(array.astype(np.float64) * (2.0**cfg.frac_bits))
    limit = 2.0 ** (cfg.total_bits - 1)  # |r| < 2**(B-1) <=> |r| <= 2**(B-1) - 1 for integer-valued r
    if scaled.size and not bool(np.all(np.abs(scaled) < limit)):
        raise FixedPointOverflowError(
            f"tensor {name!r} holds a value beyond ±{cfg.max_abs_value!r}, "
            f"the range of {cfg.total_bits}-bit fixed point with {cfg.frac_bits} fractional bits"
        )
    return np.asarray(scaled, dtype=np.int64)  # also for 0-d input, where NumPy returns scalars


def _weight(index: int, pair: object) -> int:
    if not isinstance(pair, tuple) or len(pair) != 2:
        raise ConfigError(f"update {index} must be a (named arrays, num_examples) pair")
    weight = pair[1]
    if isinstance(weight, bool) or not isinstance(weight, int | np.integer) or int(weight) < 0:
        raise ConfigError(f"num_examples of update {index} must be a non-negative int, not {weight!r}")
    return int(weight)


def _check_same_layout(
    reference: list[tuple[str, NDArray]], arrays: list[tuple[str, NDArray]], index: int
) -> None:
    names, want = [n for n, _ in arrays], [n for n, _ in reference]
    if names != want:
        raise SpecMismatchError(f"update {index} holds tensors {names[:5]}, update 0 holds {want[:5]}")
    for (name, ref), (_, array) in zip(reference, arrays, strict=True):
        if array.shape != ref.shape or array.dtype != ref.dtype:
            raise SpecMismatchError(
                f"tensor {name!r} is {array.dtype}{list(array.shape)} in update {index}, "
                f"{ref.dtype}{list(ref.shape)} in update 0"
            )


def _max_quantized(name: str, array: NDArray, cfg: FixedPointConfig) -> int:
    """``max |round_half_even(x * 2**frac_bits)|`` over a tensor, from two reductions, range-checked.

    Scaling by a power of two is exact and ``rint`` is monotone and odd, so the largest quantized magnitude is
    ``rint(max|x| * 2**frac_bits)``: no quantized copy of the tensor is needed to bound the sum or to refuse
    an out-of-range value before anything is added.
    """
    if array.size == 0:
        return 0
    return _peak_quanta(name, max(float(array.max()), -float(array.min())), cfg)


def _peak_quanta(name: str, peak: float, cfg: FixedPointConfig) -> int:
    """``rint(peak * 2**frac_bits)`` for a finite ``peak = max |x|`` (0 if empty), range-checked."""
    scaled = peak * 2.0**cfg.frac_bits  # exact, or inf if too large for float64 (refused just below)
    quanta = round(scaled) if math.isfinite(scaled) else None  # round() of a float rounds half to even
    if quanta is None or not quanta < 2 ** (cfg.total_bits - 1):  # |r| <= 2**(B-1) - 1
        raise FixedPointOverflowError(
            f"tensor {name!r} holds a value beyond ±{cfg.max_abs_value!r}, "
            f"the range of {cfg.total_bits}-bit fixed point with {cfg.frac_bits} fractional bits"
        )
    return quanta


_INT64_BOUND = _INT64_MAX
"""Largest bound summed in int64; past it a tensor is summed in Python integers."""

_CHUNK = 1 << 15
"""Elements per fused block: its float64 and int64 buffers (256 KiB each) stay in the CPU's L2 cache."""


def _accumulate_fused(acc: NDArray, array: NDArray, weight: int, cfg: FixedPointConfig) -> None:
    """``acc += weight * round_half_even(array * 2**frac_bits)`` in int64, in place, block by block.

    The same element-wise operations as :func:`_quantize_array` then :func:`_accumulate_exact` (so the same
    integers), fused over cache-sized blocks with reused buffers instead of whole-tensor temporaries. Only
    called when the running bound proves int64 safe and the range was checked by :func:`_max_quantized`.
    """
    flat_in, flat_acc = array.reshape(-1), acc.reshape(-1)  # acc is our own C-contiguous int64: a view
    size = flat_in.size
    fbuf = np.empty(min(_CHUNK, size), dtype=np.float64)
    ibuf = np.empty(min(_CHUNK, size), dtype=np.int64)
    scale, w = 2.0**cfg.frac_bits, np.int64(weight)
    for start in range(0, size, _CHUNK):
        stop = min(start + _CHUNK, size)
        f, i = fbuf[: stop - start], ibuf[: stop - start]
        np.multiply(flat_in[start:stop], scale, out=f, dtype=np.float64)  # exact: widen, then * 2**f
        np.rint(f, out=f)
        np.copyto(i, f, casting="unsafe")  # exact: integer-valued and |f| < 2**63 (checked)
        i *= w
        flat_acc[start:stop] += i


def _exact_sum(name: str, arrays: list[NDArray], weights: list[int], cfg: FixedPointConfig) -> NDArray:
    """``sum_i weights[i] * q_i`` in Python integers (an object array): exact whatever the bound."""
    total = np.zeros(arrays[0].shape, dtype=np.int64)
    for array, weight in zip(arrays, weights, strict=True):
        total = _accumulate_exact(total, _quantize_array(name, array, cfg), weight)
    return total


def _accumulate_exact(acc: NDArray, q: NDArray, weight: int) -> NDArray:
    """Return ``acc + weight * q`` in Python integers: exact at any size (past the proved int64 bound)."""
    totals = [
        total + value * weight for total, value in zip(acc.ravel().tolist(), q.ravel().tolist(), strict=True)
    ]
    exact = np.empty(len(totals), dtype=object)  # Python ints: exact at any size
    exact[:] = totals
    return exact.reshape(acc.shape)


def _to_float(ints: NDArray, frac_bits: int, dtype: np.dtype[Any]) -> NDArray:
    # hi and lo convert to float64 exactly (|hi| <= 2**31, 0 <= lo < 2**32); hi * 2**32 is exact;
    # the addition is the one correctly rounded step; * 2**-frac_bits is exact (no subnormals here).
    hi = (ints >> 32).astype(np.float64)
    lo = (ints & 0xFFFFFFFF).astype(np.float64)
    value = (hi * 4294967296.0 + lo) * (2.0**-frac_bits)
    return np.asarray(value.astype(dtype), dtype=dtype)


__all__ = [
    "DEFAULT_CONFIG",
    "DEFAULT_FRAC_BITS",
    "DEFAULT_TOTAL_BITS",
    "MAX_TOTAL_WEIGHT",
    "FixedPointConfig",
    "FixedPointOverflowError",
    "Update",
    "WeightedSum",
    "aggregate_fixed_point",
    "dequantize",
    "quantize",
    "round_half_even_div",
    "weighted_mean",
    "weighted_sum",
]
