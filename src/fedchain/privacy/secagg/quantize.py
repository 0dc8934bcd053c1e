"""Quantization into ``Z_2^bits``: clip, stochastic rounding, the sample weight carried in the vector.

A member's float update ``x`` (one-dimensional, ``d`` values) and weight ``w`` (its example count, an int
in ``[1, w_max]``) become ``d + 1`` words mod ``2**bits``::

    q = stochastic_round(clip(x, -c, c) * R / c)      integers in [-R, R], R = 2**(value_bits - 1) - 1
    vector = [w * q_1, ..., w * q_d, w]  mod 2**bits  (two's complement)

Stochastic rounding (``floor(a + u)``, ``u`` uniform in ``[0, 1)`` from the caller's generator) is unbiased:
``E[q] = clip(x) * R / c``. Its randomness is not a mask and needs no cryptographic strength.

The sum of the survivors' vectors holds ``sum_i w_i q_i`` and the total weight ``W = sum_i w_i`` only;
:func:`dequantize` turns it into the weighted mean ``sum_i w_i q_i * c / (R * W)``.

Bound (no wrap-around)
----------------------
With at most ``n`` summands, ``|sum_i w_i q_i| <= n * w_max * R`` and ``W <= n * w_max``. Both are read as
signed ``bits``-bit integers, which is exact while ``n * w_max * R <= 2**(bits-1) - 1``. The modulus is
``2**32`` when that holds for 32 bits, else ``2**64`` (:meth:`QuantizationConfig.modulus_bits`); beyond
64 bits :class:`~fedchain.exceptions.SumOverflowError` is raised, as it is for a weight above ``w_max``.
``n`` is the number of members in the round's graph, so the bound holds for any survivor set. With the
defaults (``value_bits = 16``, ``w_max = 1024``): 32 bits for ``n <= 64``, 64 bits for ``n`` up to about
``2**38``.

Examples
--------
>>> import numpy as np
>>> cfg = QuantizationConfig(clip=1.0, value_bits=8, max_weight=10)
>>> rng = np.random.default_rng(0)
>>> a = quantize(np.array([0.5, -1.0]), 2, rng, n_members=3, config=cfg)
>>> b = quantize(np.array([0.25, 1.0]), 1, rng, n_members=3, config=cfg)
>>> a.dtype, a[-1], (a + b)[-1]
(dtype('uint32'), np.uint32(2), np.uint32(3))
>>> mean, weight = dequantize(a + b, cfg)
>>> np.round(mean, 2).tolist(), weight
([0.42, -0.33], 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from fedchain.exceptions import ConfigError, MaskedVectorError, NonFiniteError, SumOverflowError
from fedchain.privacy.secagg._types import Words
from fedchain.privacy.secagg.prg import word_dtype

DEFAULT_CLIP: Final = 1.0
"""Default clipping bound ``c``: values are clipped to ``[-1, 1]``."""

DEFAULT_VALUE_BITS: Final = 16
"""Default resolution: 16-bit values, ``R = 2**15 - 1`` levels each side (Bonawitz et al.'s setting)."""

DEFAULT_MAX_WEIGHT: Final = 1024
"""Default largest weight (example count) one member may carry."""


@dataclass(frozen=True, slots=True)
class QuantizationConfig:
    """How updates map into ``Z_2^bits``; part of a task's public parameters.

    Parameters
    ----------
    clip
        ``c > 0``: values are clipped to ``[-c, c]``.
    value_bits
        ``2 <= value_bits <= 32``: quantized values lie in ``[-R, R]``, ``R = 2**(value_bits - 1) - 1``.
    max_weight
        ``w_max >= 1``: the largest weight a member may carry.

    Raises
    ------
    ConfigError
        A value of the wrong type or out of range.
    """

    clip: float = DEFAULT_CLIP
    value_bits: int = DEFAULT_VALUE_BITS
    max_weight: int = DEFAULT_MAX_WEIGHT

    def __post_init__(self) -> None:
        if not isinstance(self.clip, int | float) or not 0 < float(self.clip) < float("inf"):
            raise ConfigError(f"clip must be a positive finite number, not {self.clip!r}")
        if type(self.value_bits) is not int or not 2 <= self.value_bits <= 32:
            raise ConfigError(f"value_bits must be an int in [2, 32], not {self.value_bits!r}")
        if type(self.max_weight) is not int or self.max_weight < 1:
            raise ConfigError(f"max_weight must be a positive int, not {self.max_weight!r}")

    @property
    def levels(self) -> int:
        """``R = 2**(value_bits - 1) - 1``: quantized values lie in ``[-R, R]``."""
        return (1 << (self.value_bits - 1)) - 1

    def bound(self, n_members: int) -> int:
        """``n * w_max * R``: the largest magnitude any entry of a sum of ``n`` vectors can take."""
        if type(n_members) is not int or n_members < 1:
            raise ConfigError(f"n_members must be a positive int, not {n_members!r}")
        return n_members * self.max_weight * self.levels

    def modulus_bits(self, n_members: int) -> int:
        """32 if the sum of ``n_members`` vectors cannot wrap in ``Z_2^32``, else 64.

        Raises
        ------
        SumOverflowError
            ``n * w_max * R > 2**63 - 1``: not even ``Z_2^64`` holds the sum.

        Examples
        --------
        >>> QuantizationConfig().modulus_bits(64), QuantizationConfig().modulus_bits(65)
        (32, 64)
        """
        bound = self.bound(n_members)
        for bits in (32, 64):
            if bound <= (1 << (bits - 1)) - 1:
                return bits
        raise SumOverflowError(f"n * w_max * R = {bound} exceeds 2**63 - 1: the sum would wrap")


def quantize(
    values: npt.ArrayLike,
    weight: int,
    rng: np.random.Generator,
    *,
    n_members: int,
    config: QuantizationConfig,
) -> Words:
    """Clip, stochastically round and weight ``values``; append the weight. ``d + 1`` words mod ``2**bits``.

    Parameters
    ----------
    values
        One-dimensional finite floats, ``d`` of them.
    weight
        The member's weight, an int in ``[1, config.max_weight]``.
    rng
        The generator of the rounding noise (not a mask; any seeded generator will do).
    n_members
        Members in the round's graph; fixes the modulus (:meth:`QuantizationConfig.modulus_bits`).
    config
        The task's quantization parameters.

    Returns
    -------
    numpy.ndarray
        ``uint32`` or ``uint64`` words, ``[w * q_1, ..., w * q_d, w]`` mod ``2**bits``.

    Raises
    ------
    SumOverflowError
        A weight outside ``[1, w_max]``, or a round too large for ``Z_2^64``.
    NonFiniteError
        NaN or Inf among the values.
    MaskedVectorError
        Values that are not a one-dimensional float array.
    ConfigError
        ``rng`` is not a :class:`numpy.random.Generator`.
    """
    bits = config.modulus_bits(n_members)
    if type(weight) is not int or not 1 <= weight <= config.max_weight:
        raise SumOverflowError(f"weight must be an int in [1, {config.max_weight}], not {weight!r}")
    if not isinstance(rng, np.random.Generator):
        raise ConfigError("rng must be a numpy.random.Generator")
    x = np.asarray(values)
    if x.ndim != 1 or x.dtype.kind != "f":
        raise MaskedVectorError(f"values must be a one-dimensional float array, not {x.dtype} {x.shape}")
    if not np.isfinite(x).all():
        raise NonFiniteError("NaN or Inf in the values to quantize")
    levels, clip = config.levels, float(config.clip)
    scaled = np.clip(x.astype(np.float64), -clip, clip) * (levels / clip)
    q = np.floor(scaled + rng.random(x.shape[0]))
    np.clip(q, -levels, levels, out=q)  # guards the rounding of clip * (R / clip) only
    signed = np.empty(x.shape[0] + 1, dtype=np.int64)
    np.multiply(q.astype(np.int64), np.int64(weight), out=signed[:-1])  # exact: |w q| <= w_max R < 2**63
    signed[-1] = weight
    return signed.view(np.uint64).astype(word_dtype(bits))  # two's complement, reduced mod 2**bits


def dequantize(
    total: Words, config: QuantizationConfig, *, members: int | None = None
) -> tuple[npt.NDArray[np.float64], int]:
    """The weighted mean and total weight from a sum of quantized vectors.

    Parameters
    ----------
    total
        ``sum_i vector_i mod 2**bits`` (``uint32`` or ``uint64``, ``d + 1`` words).
    config
        The parameters the vectors were quantized with.
    members
        How many vectors were summed, if known: then a sum no ``members`` honest quantized vectors could
        make (total weight above ``members * max_weight``, or a value beyond ``W * R``) is refused too.

    Returns
    -------
    tuple[numpy.ndarray, int]
        ``sum_i w_i q_i * c / (R * W)`` as float64 (``d`` values), and ``W``.

    Raises
    ------
    MaskedVectorError
        Not a one-dimensional ``uint32``/``uint64`` array of at least one word.
    SumOverflowError
        A total weight that is not positive, or (with ``members``) a sum outside what ``members`` quantized
        vectors can add up to: some vector held something else than a quantized update.
    """
    words = np.asarray(total)
    if words.ndim != 1 or words.shape[0] < 1 or words.dtype not in (np.dtype(np.uint32), np.dtype(np.uint64)):
        raise MaskedVectorError("a sum must be a non-empty one-dimensional uint32 or uint64 array")
    signed: npt.NDArray[Any] = words.view(np.int32 if words.dtype == np.uint32 else np.int64)
    weight = int(signed[-1])
    if weight <= 0:
        raise SumOverflowError(f"total weight {weight} is not positive")
    if members is not None:
        if weight > members * config.max_weight:
            raise SumOverflowError(
                f"total weight {weight} exceeds {members} x max_weight {config.max_weight}"
            )
        if (
            signed.shape[0] > 1
            and int(np.max(np.abs(signed[:-1].astype(np.float64)))) > weight * config.levels
        ):
            raise SumOverflowError("a summed value exceeds the total weight times the quantization levels")
    mean = signed[:-1].astype(np.float64) * (float(config.clip) / config.levels) / weight
    return mean, weight


__all__ = [
    "DEFAULT_CLIP",
    "DEFAULT_MAX_WEIGHT",
    "DEFAULT_VALUE_BITS",
    "QuantizationConfig",
    "dequantize",
    "quantize",
]
