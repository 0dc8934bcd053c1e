"""Quantization: clipping, unbiased stochastic rounding, the weight carried along, no wrap within bounds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedchain.exceptions import ConfigError, MaskedVectorError, NonFiniteError, SumOverflowError
from fedchain.privacy.secagg import QuantizationConfig, dequantize, quantize


@st.composite
def cohorts(draw: st.DrawFn) -> tuple[QuantizationConfig, list[np.ndarray], list[int]]:
    cfg = QuantizationConfig(
        clip=draw(st.sampled_from([0.5, 1.0, 3.0])),
        value_bits=draw(st.integers(2, 24)),
        max_weight=draw(st.integers(1, 5000)),
    )
    n = draw(st.integers(1, 8))
    d = draw(st.integers(1, 16))
    values = [
        np.array(draw(st.lists(st.floats(-10, 10, allow_nan=False), min_size=d, max_size=d)))
        for _ in range(n)
    ]
    weights = [draw(st.integers(1, cfg.max_weight)) for _ in range(n)]
    return cfg, values, weights


@settings(max_examples=100, deadline=None)
@given(cohorts(), st.integers(0, 2**32))
def test_the_sum_dequantizes_to_the_weighted_mean_within_one_quantum(
    cohort: tuple[QuantizationConfig, list[np.ndarray], list[int]], seed: int
) -> None:
    cfg, values, weights = cohort
    n = len(values)
    rng = np.random.default_rng(seed)
    vectors = [quantize(x, w, rng, n_members=n, config=cfg) for x, w in zip(values, weights, strict=True)]
    assert {v.dtype for v in vectors} == {np.dtype(np.uint32 if cfg.modulus_bits(n) == 32 else np.uint64)}
    total = vectors[0].copy()
    for v in vectors[1:]:
        total += v
    mean, weight = dequantize(total, cfg)
    assert weight == sum(weights)
    exact = sum(w * np.clip(x, -cfg.clip, cfg.clip) for x, w in zip(values, weights, strict=True)) / weight
    assert np.all(np.abs(mean - exact) <= cfg.clip / cfg.levels * (1 + 1e-9))


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_the_extremes_of_the_bound_do_not_wrap(sign: float) -> None:
    cfg = QuantizationConfig(clip=1.0, value_bits=16, max_weight=1024)
    n = 64  # 64 * 1024 * 32767 = 2**31 - 65536: the largest n that stays in Z_2^32
    assert cfg.modulus_bits(n) == 32 and cfg.modulus_bits(n + 1) == 64
    rng = np.random.default_rng(0)
    vector = quantize(np.full(3, sign * 5.0), 1024, rng, n_members=n, config=cfg)
    total = np.zeros_like(vector)
    for _ in range(n):
        total += vector
    mean, weight = dequantize(total, cfg)
    assert weight == n * 1024 and mean.tolist() == [sign] * 3


def test_stochastic_rounding_is_unbiased() -> None:
    cfg = QuantizationConfig(clip=1.0, value_bits=4, max_weight=1)  # R = 7: 0.3 * 7 = 2.1 quanta
    rng = np.random.default_rng(1)
    q = quantize(np.full(200_000, 0.3), 1, rng, n_members=1, config=cfg)[:-1].view(np.int32)
    assert set(np.unique(q).tolist()) == {2, 3}
    assert abs(q.mean() - 2.1) < 0.005


def test_quantize_refuses_bad_values() -> None:
    cfg, rng = QuantizationConfig(), np.random.default_rng(0)
    with pytest.raises(NonFiniteError):
        quantize(np.array([0.0, np.nan]), 1, rng, n_members=2, config=cfg)
    with pytest.raises(NonFiniteError):
        quantize(np.array([np.inf]), 1, rng, n_members=2, config=cfg)
    with pytest.raises(MaskedVectorError):
        quantize(np.zeros((2, 2)), 1, rng, n_members=2, config=cfg)
    with pytest.raises(MaskedVectorError):
        quantize(np.zeros(2, np.int64), 1, rng, n_members=2, config=cfg)
    with pytest.raises(ConfigError):
        quantize(np.zeros(2), 1, np.random.RandomState(0), n_members=2, config=cfg)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [{"clip": 0.0}, {"clip": float("inf")}, {"value_bits": 1}, {"value_bits": 33}, {"max_weight": 0}],
)
def test_bad_quantization_configs_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        QuantizationConfig(**kwargs)  # type: ignore[arg-type]


def test_dequantize_refuses_what_is_not_a_sum() -> None:
    cfg = QuantizationConfig()
    with pytest.raises(SumOverflowError):
        dequantize(np.array([5, 0], np.uint32), cfg)  # zero total weight
    with pytest.raises(MaskedVectorError):
        dequantize(np.array([5, 1], np.int64), cfg)


def test_weighting_is_exact_integer_arithmetic_beyond_float_precision() -> None:
    # w * q up to 2**61: a float64 product would round; the integers must not.
    cfg = QuantizationConfig(clip=1.0, value_bits=32, max_weight=2**30)
    vector = quantize(np.array([1.0, -1.0]), 2**30 - 1, np.random.default_rng(0), n_members=2, config=cfg)
    assert vector.dtype == np.uint64
    assert vector.view(np.int64).tolist() == [
        (2**30 - 1) * (2**31 - 1),
        -(2**30 - 1) * (2**31 - 1),
        2**30 - 1,
    ]
