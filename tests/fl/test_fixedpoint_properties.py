"""Properties of fixed-point aggregation over arbitrary inputs (hypothesis)."""

from __future__ import annotations

import hashlib
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fedchain.codec import encode
from fedchain.codec._types import NDArray
from fedchain.fl.fixedpoint import (
    DEFAULT_CONFIG,
    FixedPointConfig,
    aggregate_fixed_point,
    dequantize,
    quantize,
    round_half_even_div,
)

FLOAT_DTYPES: st.SearchStrategy[tuple[np.dtype[Any], Literal[16, 32, 64]]] = st.sampled_from(
    [(np.dtype(np.float16), 16), (np.dtype(np.float32), 32), (np.dtype(np.float64), 64)]
)
SHAPES = st.sampled_from([(), (3,), (2, 3)])
CONFIGS = st.builds(FixedPointConfig, frac_bits=st.integers(0, 30), total_bits=st.just(64))
WEIGHTS = st.integers(0, 10**9)
Updates = list[tuple[dict[str, NDArray], int]]


@st.composite
def update_lists(draw: st.DrawFn, max_abs: float = 1e3) -> tuple[Updates, NDArray]:
    """Between 1 and 8 updates of two tensors with one shared layout, and one tensor's values."""
    dtype, width = draw(FLOAT_DTYPES)
    shape_a, shape_b = draw(SHAPES), draw(SHAPES)
    bound = min(max_abs, float(np.finfo(dtype).max))
    elements = st.floats(-bound, bound, allow_nan=False, allow_infinity=False, width=width)
    count = draw(st.integers(1, 8))
    weights = draw(st.lists(WEIGHTS, min_size=count, max_size=count).filter(lambda ws: sum(ws) > 0))
    updates: Updates = []
    for weight in weights:
        a = draw(hnp.arrays(dtype, shape_a, elements=elements))
        b = draw(hnp.arrays(dtype, shape_b, elements=elements))
        updates.append(({"layer.a": a, "layer.b": b}, weight))
    return updates, np.asarray(weights)


def digest(named: dict[str, NDArray]) -> bytes:
    return hashlib.sha256(encode(named)).digest()


@settings(max_examples=60, deadline=None)
@given(data=update_lists(), cfg=CONFIGS, seed=st.randoms(use_true_random=False))
def test_any_order_of_the_updates_gives_the_same_bytes(
    data: tuple[Updates, NDArray], cfg: FixedPointConfig, seed: st.SearchStrategy[object]
) -> None:
    updates, _ = data
    shuffled = list(updates)
    seed.shuffle(shuffled)  # type: ignore[attr-defined]
    assert digest(aggregate_fixed_point(shuffled, cfg)) == digest(aggregate_fixed_point(updates, cfg))
    assert digest(aggregate_fixed_point(updates[::-1], cfg)) == digest(aggregate_fixed_point(updates, cfg))


@settings(max_examples=60, deadline=None)
@given(data=update_lists(), weights=st.lists(st.integers(1, 10**12), min_size=1, max_size=6))
def test_identical_updates_average_to_themselves_within_one_quantum(
    data: tuple[Updates, NDArray], weights: list[int]
) -> None:
    model = dict(data[0][0][0])
    out = aggregate_fixed_point([(model, weight) for weight in weights])
    for name, array in model.items():
        assert out[name].dtype == array.dtype
        # Exactly the round trip through fixed point...
        assert out[name].tobytes() == dequantize(quantize({name: array}), dtype=array.dtype)[name].tobytes()
        # ...hence within half a quantum of the input, up to the output dtype's own rounding.
        error = np.abs(out[name].astype(np.float64) - array.astype(np.float64))
        assert np.all(error <= DEFAULT_CONFIG.quantum / 2 + np.spacing(np.abs(array)).astype(np.float64))


@settings(max_examples=60, deadline=None)
@given(data=update_lists(max_abs=1e6), cfg=CONFIGS)
def test_fixed_point_mean_is_within_one_quantum_of_the_exact_weighted_mean(
    data: tuple[Updates, NDArray], cfg: FixedPointConfig
) -> None:
    updates, weights = data
    total = int(weights.sum())
    out = aggregate_fixed_point(
        [({k: v.astype(np.float64) for k, v in u.items()}, n) for u, n in updates], cfg
    )
    for name in out:
        stacked = [dict(u)[name].astype(np.float64) for u, _ in updates]
        for index in np.ndindex(out[name].shape):
            exact = sum(
                (Fraction(float(x[index])) * n for x, n in zip(stacked, weights, strict=True)), Fraction(0)
            )
            exact /= total
            assert abs(Fraction(float(out[name][index])) - exact) <= Fraction(1, 2**cfg.frac_bits)


@settings(max_examples=100, deadline=None)
@given(
    numerators=st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=10),
    denominator=st.integers(1, 2**62),
)
def test_round_half_even_div_equals_exact_rational_rounding(numerators: list[int], denominator: int) -> None:
    expected = [round(Fraction(n, denominator)) for n in numerators]  # Python rounds half to even
    assert round_half_even_div(np.array(numerators, dtype=np.int64), denominator).tolist() == expected
    assert round_half_even_div(np.array(numerators, dtype=object), denominator).tolist() == expected


@settings(max_examples=80, deadline=None)
@given(values=hnp.arrays(np.float64, (5,), elements=st.floats(-1e9, 1e9)), cfg=CONFIGS)
def test_quantize_is_round_half_even_of_the_exact_scaled_value(
    values: NDArray, cfg: FixedPointConfig
) -> None:
    q = quantize({"x": values}, cfg)["x"].tolist()
    assert q == [round(Fraction(float(v)) * 2**cfg.frac_bits) for v in values]
