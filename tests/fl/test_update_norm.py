"""The exact L2 distance of an update to its base, in fixed point: known answers, the int64 paths held to a
Python-integer reference, and properties over arbitrary inputs (hypothesis)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fedchain.codec._types import NDArray
from fedchain.exceptions import ConfigError, FixedPointOverflowError, NonFiniteError, SpecMismatchError
from fedchain.fl.fixedpoint import DEFAULT_CONFIG, FixedPointConfig, quantize
from fedchain.fl.update_norm import bound_quanta_squared, squared_distance_quanta, within_norm_bound

Q = DEFAULT_CONFIG.quantum  # 2**-24


def reference(update: dict[str, NDArray], base: dict[str, NDArray], cfg: FixedPointConfig) -> int:
    """``sum (q_x - q_b)**2`` element by element in Python integers: the definition."""
    qx, qb = quantize(update, cfg), quantize(base, cfg)
    pairs = (zip(qx[name].ravel().tolist(), qb[name].ravel().tolist(), strict=True) for name in qx)
    return sum((u - v) ** 2 for pair in pairs for u, v in pair)


# -- known answers -------------------------------------------------------------------------------------------


def test_known_answers() -> None:
    cfg = FixedPointConfig(frac_bits=2)
    base = {"a": np.array([0.0, 1.0]), "b": np.array([[0.5]])}
    update = {"a": np.array([0.75, 0.0]), "b": np.array([[-0.5]])}  # d = 3, -4 and -4 quanta
    assert squared_distance_quanta(update, base, cfg) == 9 + 16 + 16
    assert squared_distance_quanta(base, base, cfg) == 0
    assert bound_quanta_squared(1.5, FixedPointConfig(frac_bits=1)) == 9
    assert bound_quanta_squared(0.1, FixedPointConfig(frac_bits=4)) == 2  # floor(2.56...)
    assert bound_quanta_squared(10.0) == 100 * 2**48
    # 3-4-5 at the default 24 bits: a distance of exactly 5 quanta is within 5 quanta, not within 4.99...
    three_four = {"w": np.array([3 * Q, 4 * Q], np.float32)}
    zeros = {"w": np.zeros(2, np.float32)}
    assert squared_distance_quanta(three_four, zeros) == 25
    assert within_norm_bound(three_four, zeros, 5 * Q)
    assert not within_norm_bound(three_four, zeros, math.nextafter(5 * Q, 0))
    # the quanta, not the floats: 0.4 quanta round to 0 (half to even), 0.6 to 1
    assert squared_distance_quanta({"w": np.array([0.4 * Q, 0.6 * Q])}, {"w": np.zeros(2)}) == 1


def test_the_bound_is_converted_exactly() -> None:
    for bound in (0.1, 1 / 3, 10.0, 1e-7, 123.456, 1e300):
        exact = Fraction(bound) * 2**DEFAULT_CONFIG.frac_bits
        assert bound_quanta_squared(bound) == math.floor(exact * exact)
    with pytest.raises(ConfigError):
        bound_quanta_squared(float("inf"))
    with pytest.raises(ConfigError):
        bound_quanta_squared(-1.0)


@pytest.mark.parametrize("bound", [1.0, 10.0, 0.3, 7.25])
def test_exactly_at_the_bound_passes_and_one_quantum_beyond_fails(bound: float) -> None:
    """A single parameter moved by the largest multiple of a quantum within ``bound``, then by one more."""
    base = {"w": np.array([0.25, -1.0, 3.0])}
    steps = math.isqrt(bound_quanta_squared(bound))  # the most quanta one element may move
    at = {"w": base["w"] + np.array([0.0, steps * Q, 0.0])}
    beyond = {"w": base["w"] + np.array([0.0, (steps + 1) * Q, 0.0])}
    assert squared_distance_quanta(at, base) == steps**2 <= bound_quanta_squared(bound)
    assert within_norm_bound(at, base, bound)
    assert not within_norm_bound(beyond, base, bound)
    assert within_norm_bound(base, at, bound) and not within_norm_bound(base, beyond, bound)


def test_layouts_and_values_are_checked() -> None:
    base = {"w": np.zeros(3)}
    with pytest.raises(SpecMismatchError):
        squared_distance_quanta({"v": np.zeros(3)}, base)
    with pytest.raises(SpecMismatchError):
        squared_distance_quanta({"w": np.zeros(4)}, base)
    with pytest.raises(NonFiniteError):
        within_norm_bound({"w": np.array([0.0, np.nan, 0.0])}, base, 1.0)
    with pytest.raises(FixedPointOverflowError):
        within_norm_bound({"w": np.array([0.0, 2.0**40, 0.0])}, base, 1.0)


# -- every path gives the definition's integers --------------------------------------------------------------


@pytest.mark.parametrize(
    "peak_quanta",
    [
        1,  # one int64 block
        2**20,  # one block
        2**30 + 12345,  # blocks of 7 elements (tensor w; z's differences are twice the peak)
        3_037_000_499,  # w: the largest square in int64, blocks of one element
        3_037_000_500,  # squares no longer fit: Python integers
        2**61,  # differences near the end of int64
        (2**62) + 2**40,  # peaks past 2**62: the differences in Python integers
    ],
)
def test_every_summation_path_is_exact(peak_quanta: int) -> None:
    cfg = FixedPointConfig(frac_bits=0)  # one quantum is 1: the values are the integers themselves
    rng = np.random.default_rng(peak_quanta % 2**32)
    values = rng.integers(-(2**52), 2**52, size=257).astype(np.float64)
    values = np.clip(values, -peak_quanta, peak_quanta)
    values[17], values[99] = float(peak_quanta), -float(peak_quanta)
    base = {"w": np.zeros(257), "z": np.full(4, float(peak_quanta))}
    update = {"w": values, "z": -np.full(4, float(peak_quanta))}  # differences of 2 * peak
    expected = reference(update, base, cfg)
    assert squared_distance_quanta(update, base, cfg) == expected
    bound = math.sqrt(expected)
    assert within_norm_bound(update, base, bound * 1.000001, cfg)
    assert not within_norm_bound(update, base, bound * 0.999999, cfg)


def test_a_million_parameters() -> None:
    rng = np.random.default_rng(0)
    base = {"w": rng.normal(size=1_000_000).astype(np.float32)}
    update = {"w": base["w"] + rng.normal(scale=0.005, size=1_000_000).astype(np.float32)}
    d = quantize(update)["w"] - quantize(base)["w"]
    expected = sum(int(v) ** 2 for v in d.tolist())
    assert squared_distance_quanta(update, base) == expected
    assert within_norm_bound(update, base, 10.0)
    assert not within_norm_bound({"w": update["w"] + np.float32(1e5)}, base, 10.0)


# -- properties ----------------------------------------------------------------------------------------------

DTYPES: st.SearchStrategy[tuple[np.dtype[Any], Literal[16, 32, 64]]] = st.sampled_from(
    [(np.dtype(np.float16), 16), (np.dtype(np.float32), 32), (np.dtype(np.float64), 64)]
)
CONFIGS = st.builds(FixedPointConfig, frac_bits=st.integers(0, 30), total_bits=st.just(64))


@st.composite
def pairs(draw: st.DrawFn) -> tuple[dict[str, NDArray], dict[str, NDArray]]:
    """An update and a base of the same layout (two tensors, any float dtype), values up to 1e6."""
    out: list[dict[str, NDArray]] = [{}, {}]
    for name in ("a", "b"):
        dtype, width = draw(DTYPES)
        shape = draw(st.sampled_from([(), (3,), (2, 3)]))
        limit = min(1e6, float(np.finfo(dtype).max))
        elements = st.floats(-limit, limit, allow_nan=False, width=width)
        for side in out:
            side[name] = draw(hnp.arrays(dtype, shape, elements=elements))
    return out[0], out[1]


@settings(max_examples=200, deadline=None)
@given(pair=pairs(), cfg=CONFIGS)
def test_the_distance_is_the_definition_and_symmetric(
    pair: tuple[dict[str, NDArray], dict[str, NDArray]], cfg: FixedPointConfig
) -> None:
    update, base = pair
    value = squared_distance_quanta(update, base, cfg)
    assert value == reference(update, base, cfg) == squared_distance_quanta(base, update, cfg)
    assert squared_distance_quanta(update, update, cfg) == 0
    assert within_norm_bound(update, update, 0.0, cfg)


@settings(max_examples=200, deadline=None)
@given(pair=pairs(), cfg=CONFIGS, seed=st.integers(0, 2**32 - 1))
def test_the_distance_ignores_the_order_of_tensors_and_elements(
    pair: tuple[dict[str, NDArray], dict[str, NDArray]], cfg: FixedPointConfig, seed: int
) -> None:
    update, base = pair
    value = squared_distance_quanta(update, base, cfg)
    assert squared_distance_quanta(dict(reversed(update.items())), base, cfg) == value
    rng = np.random.default_rng(seed)
    order = {name: rng.permutation(array.size) for name, array in update.items()}
    shuffled = [{n: a.ravel()[order[n]] for n, a in side.items()} for side in (update, base)]
    assert squared_distance_quanta(shuffled[0], shuffled[1], cfg) == value


@settings(max_examples=200, deadline=None)
@given(pair=pairs(), cfg=CONFIGS, bound=st.floats(0, 1e7, allow_nan=False))
def test_within_the_bound_is_the_exact_comparison(
    pair: tuple[dict[str, NDArray], dict[str, NDArray]], cfg: FixedPointConfig, bound: float
) -> None:
    update, base = pair
    exact = Fraction(bound) * 2**cfg.frac_bits
    assert within_norm_bound(update, base, bound, cfg) == (
        squared_distance_quanta(update, base, cfg) <= exact**2
    )
