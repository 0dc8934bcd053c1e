"""Fixed-point quantization and aggregation: known answers, the two accumulation paths, refusals."""

from __future__ import annotations

import doctest
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from fedchain.codec._types import NDArray
from fedchain.exceptions import CodecError, ConfigError, NonFiniteError, SpecMismatchError
from fedchain.fl import fixedpoint
from fedchain.fl.fixedpoint import (
    DEFAULT_CONFIG,
    MAX_TOTAL_WEIGHT,
    FixedPointConfig,
    FixedPointOverflowError,
    aggregate_fixed_point,
    dequantize,
    quantize,
    round_half_even_div,
    weighted_mean,
    weighted_sum,
)

Q2 = FixedPointConfig(frac_bits=2)  # one quantum = 0.25: small enough to compute by hand


def test_docstring_examples_run() -> None:
    assert doctest.testmod(fixedpoint, optionflags=doctest.ELLIPSIS).failed == 0


# -- config ---------------------------------------------------------------------------------------------


def test_default_config_is_24_fractional_bits_in_int64() -> None:
    assert FixedPointConfig(frac_bits=24, total_bits=64) == DEFAULT_CONFIG
    assert DEFAULT_CONFIG.quantum == 2.0**-24
    assert DEFAULT_CONFIG.max_int == 2**63 - 1


@pytest.mark.parametrize(
    ("frac_bits", "total_bits"),
    [(-1, 64), (63, 64), (8, 65), (0, 1), (1.5, 64), (True, 64), (24, "64")],
)
def test_config_refuses_invalid_values(frac_bits: Any, total_bits: Any) -> None:
    with pytest.raises(ConfigError):
        FixedPointConfig(frac_bits=frac_bits, total_bits=total_bits)


# -- quantize / dequantize: known answers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "dtype", "cfg", "expected"),
    [
        (0.125, np.float64, Q2, 0),  # 0.5 quanta: half to even -> 0
        (0.375, np.float64, Q2, 2),  # 1.5 -> 2
        (0.625, np.float64, Q2, 2),  # 2.5 -> 2
        (-0.625, np.float64, Q2, -2),
        (-0.875, np.float64, Q2, -4),  # -3.5 -> -4
        (0.3, np.float64, Q2, 1),  # 1.2 -> 1
        (1.0, np.float64, DEFAULT_CONFIG, 2**24),
        (-0.5, np.float32, DEFAULT_CONFIG, -(2**23)),
        (2.0**-25, np.float64, DEFAULT_CONFIG, 0),  # half a quantum
        (3 * 2.0**-25, np.float64, DEFAULT_CONFIG, 2),
        (0.1, np.float32, DEFAULT_CONFIG, 1677722),  # float32(0.1) * 2**24 = 1677721.625
        (0.2, np.float32, DEFAULT_CONFIG, 3355443),  # float32(0.2) * 2**24 = 3355443.25
        (0.1, np.float64, DEFAULT_CONFIG, 1677722),  # 1677721.6000000000931...
        (0.1, np.float16, DEFAULT_CONFIG, 1677312),  # float16(0.1) = 0.0999755859375
        (2.0**38, np.float64, DEFAULT_CONFIG, 2**62),
    ],
)
def test_quantize_known_answers(value: float, dtype: Any, cfg: FixedPointConfig, expected: int) -> None:
    q = quantize({"x": np.array([value], dtype=dtype)}, cfg)["x"]
    assert q.dtype == np.int64
    assert q.tolist() == [expected]


def test_quantize_keeps_shapes_and_sorts_names() -> None:
    arrays: dict[str, NDArray] = {"b": np.zeros((2, 3), np.float32), "a": np.ones((), np.float64)}
    q = quantize(arrays, Q2)
    assert list(q) == ["a", "b"]
    assert q["a"].shape == () and q["a"].tolist() == 4
    assert q["b"].shape == (2, 3)


def test_quantize_accepts_the_edges_of_the_range_and_refuses_beyond() -> None:
    small = FixedPointConfig(frac_bits=2, total_bits=8)  # |q| <= 127, |x| <= 31.75
    assert quantize({"x": np.array([31.75, -31.75, 31.8])}, small)["x"].tolist() == [127, -127, 127]
    for value in (31.875, -31.875, 40.0):  # 127.5 rounds to 128: out of the symmetric range
        with pytest.raises(FixedPointOverflowError, match="'x'"):
            quantize({"x": np.array([0.0, value])}, small)


def test_quantize_refuses_values_whose_scaling_overflows_float64() -> None:
    with pytest.raises(FixedPointOverflowError):
        quantize({"x": np.array([1e308])})
    with pytest.raises(FixedPointOverflowError):
        quantize({"x": np.array([2.0**39])})  # exactly 2**63 quanta


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_quantize_refuses_non_finite(bad: float, dtype: Any) -> None:
    with pytest.raises(NonFiniteError, match="'w'"):
        quantize({"w": np.array([1.0, bad], dtype=dtype)})


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.uint8, np.bool_])
def test_quantize_refuses_non_float_tensors(dtype: Any) -> None:
    with pytest.raises(SpecMismatchError):
        quantize({"w": np.zeros(2, dtype=dtype)})


def test_fixed_point_errors_are_codec_value_errors() -> None:
    assert issubclass(FixedPointOverflowError, CodecError)
    assert issubclass(FixedPointOverflowError, ValueError)


def test_dequantize_known_answers() -> None:
    out = dequantize({"w": np.array([0, 1, -3, 2**24])}, Q2)
    assert out["w"].dtype == np.float64
    assert out["w"].tolist() == [0.0, 0.25, -0.75, 2.0**22]
    out32 = dequantize({"w": np.array([1677722])}, DEFAULT_CONFIG, dtype=np.float32)
    assert out32["w"].dtype == np.float32 and out32["w"][0] == np.float32(1677722 / 2**24)


def test_dequantize_takes_a_dtype_per_tensor() -> None:
    out = dequantize({"a": np.array([4]), "b": np.array([4])}, Q2, dtype={"a": "float16", "b": np.float32})
    assert (out["a"].dtype, out["b"].dtype) == (np.float16, np.float32)
    with pytest.raises(SpecMismatchError, match="'b'"):
        dequantize({"a": np.array([4]), "b": np.array([4])}, Q2, dtype={"a": "float16"})


def test_dequantize_rounds_large_values_correctly() -> None:
    # 2**60 + 1 quanta is not a float64: the nearest is 2**60 (ties would go to even).
    value = 2**60 + 1
    out = dequantize({"w": np.array([value, -value, 2**53 + 1, 2**53 + 3])}, FixedPointConfig(frac_bits=0))
    assert out["w"].tolist() == [float(value), float(-value), float(2**53 + 1), float(2**53 + 3)]


def test_dequantize_refuses_out_of_range_and_non_integers() -> None:
    small = FixedPointConfig(frac_bits=2, total_bits=8)
    with pytest.raises(FixedPointOverflowError):
        dequantize({"w": np.array([128])}, small)
    with pytest.raises(FixedPointOverflowError):
        dequantize({"w": np.array([np.iinfo(np.int64).min])})
    with pytest.raises(SpecMismatchError):
        dequantize({"w": np.array([1.0])})
    with pytest.raises(SpecMismatchError):
        dequantize({"w": np.array([1])}, dtype=np.int64)


def test_quantize_then_dequantize_is_within_half_a_quantum() -> None:
    x = np.linspace(-3, 3, 1001)
    back = dequantize(quantize({"x": x}, Q2), Q2)["x"]
    assert np.max(np.abs(back - x)) <= Q2.quantum / 2


# -- round_half_even_div --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        ([5, 7, -5, -7, 8, 0], 2, [2, 4, -2, -4, 4, 0]),
        ([1, 2, -1, -2, 4, 5], 3, [0, 1, 0, -1, 1, 2]),
        ([2**62, -(2**62)], 2**62, [1, -1]),
        ([3 * 2**61, 2**61, -(2**61)], 2**62, [2, 0, 0]),  # 1.5 -> 2, 0.5 -> 0, -0.5 -> 0
    ],
)
def test_round_half_even_div_known_answers(
    numerator: list[int], denominator: int, expected: list[int]
) -> None:
    assert round_half_even_div(np.array(numerator, dtype=np.int64), denominator).tolist() == expected
    as_objects = np.array(numerator, dtype=object)
    assert round_half_even_div(as_objects, denominator).tolist() == expected


def test_round_half_even_div_works_on_python_integers_beyond_int64() -> None:
    numerator = np.array([3 * 2**70, -(3 * 2**70) - 1], dtype=object)
    assert round_half_even_div(numerator, 2**10).tolist() == [
        3 * 2**60,
        round(Fraction(-(3 * 2**70) - 1, 2**10)),
    ]
    with pytest.raises(FixedPointOverflowError):
        round_half_even_div(np.array([2**80], dtype=object), 2)


@pytest.mark.parametrize("denominator", [0, -1, 2**62 + 1, 1.0, True])
def test_round_half_even_div_refuses_bad_denominators(denominator: Any) -> None:
    with pytest.raises(ConfigError):
        round_half_even_div(np.array([1]), denominator)


# -- aggregation: known answers -------------------------------------------------------------------------


def test_aggregate_known_answer_by_hand() -> None:
    # q1 = [1, 4, -3] (n=1), q2 = [2, 0, 1] (n=2): S = [5, 4, -1], N = 3 -> [2, 1, 0] quanta.
    updates = [({"w": np.array([0.25, 1.0, -0.75])}, 1), ({"w": np.array([0.5, 0.0, 0.25])}, 2)]
    total = weighted_sum(updates, Q2)
    assert total.sums["w"].tolist() == [5, 4, -1]
    assert total.total_weight == 3
    assert weighted_mean(total)["w"].tolist() == [0.5, 0.25, 0.0]
    assert aggregate_fixed_point(updates, Q2)["w"].tolist() == [0.5, 0.25, 0.0]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (0.25, 0.5, 0.5),  # (1 + 2) / 2 = 1.5 quanta -> 2
        (0.75, 0.5, 0.5),  # (3 + 2) / 2 = 2.5 quanta -> 2
        (-0.25, -0.5, -0.5),  # -1.5 -> -2
        (-0.75, -0.5, -0.5),  # -2.5 -> -2
    ],
)
def test_aggregate_rounds_ties_to_even(a: float, b: float, expected: float) -> None:
    updates = [({"w": np.array([a])}, 1), ({"w": np.array([b])}, 1)]
    assert aggregate_fixed_point(updates, Q2)["w"].tolist() == [expected]


def test_aggregate_known_answer_float32_default_config() -> None:
    # 1677722 + 3355443 = 5033165 quanta over 2 -> 2516582.5 -> 2516582 (even).
    updates = [({"w": np.array([0.1], np.float32)}, 1), ({"w": np.array([0.2], np.float32)}, 1)]
    out = aggregate_fixed_point(updates)["w"]
    assert out.dtype == np.float32
    assert out.tobytes() == np.array([2516582 / 2**24], np.float32).tobytes()


def test_aggregate_known_answer_sample_weighted() -> None:
    updates = [({"b": np.array([1.0, 2.0])}, 10), ({"b": np.array([3.0, -2.0])}, 30)]
    assert aggregate_fixed_point(updates)["b"].tolist() == [2.5, -1.0]


def test_aggregate_ignores_zero_weight_updates() -> None:
    updates = [({"w": np.array([1.0])}, 0), ({"w": np.array([5.0])}, 2)]
    assert aggregate_fixed_point(updates)["w"].tolist() == [5.0]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_aggregate_returns_the_input_dtype_in_native_byte_order(dtype: Any) -> None:
    big_endian = np.array([1.5, -2.0], dtype=np.dtype(dtype).newbyteorder(">"))
    out = aggregate_fixed_point([({"w": big_endian}, 1), ({"w": big_endian.copy()}, 3)])["w"]
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    assert out.tolist() == [1.5, -2.0]


def test_aggregate_accepts_numpy_integer_weights_and_pairs_of_names() -> None:
    updates: list[Any] = [([("w", np.array([1.0]))], np.int32(1)), ([("w", np.array([3.0]))], np.uint64(1))]
    assert aggregate_fixed_point(updates)["w"].tolist() == [2.0]


# -- the overflow bound: int64 when proved safe, Python integers otherwise ------------------------------


def test_large_sums_take_the_exact_python_integer_path() -> None:
    # q = 2**62 each; with weights 3 and 1 the bound is 4 * 2**62 = 2**64 > 2**63 - 1.
    updates = [
        ({"w": np.array([2.0**38, -(2.0**38), 1.0])}, 3),
        ({"w": np.array([2.0**38, 2.0**38, 0.0])}, 1),
    ]
    total = weighted_sum(updates)
    assert total.sums["w"].dtype == object
    assert total.sums["w"].tolist() == [4 * 2**62, -2 * 2**62, 3 * 2**24]
    assert aggregate_fixed_point(updates)["w"].tolist() == [2.0**38, -(2.0**37), 0.75]


def test_sums_within_the_bound_stay_in_int64() -> None:
    # bound = 1 * (2**63 - 1) exactly: the largest input that provably cannot overflow.
    cfg = FixedPointConfig(frac_bits=0)
    total = weighted_sum([({"w": np.array([float(2**62)])}, 1), ({"w": np.array([float(2**62)])}, 0)], cfg)
    assert total.sums["w"].dtype == np.int64
    total = weighted_sum([({"w": np.array([float(2**62)])}, 1), ({"w": np.array([float(2**62)])}, 1)], cfg)
    assert total.sums["w"].dtype == object  # 2**63 does not fit


def test_both_accumulation_paths_give_identical_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    updates = [
        ({"w": rng.standard_normal((4, 5)).astype(np.float32)}, int(rng.integers(1, 10**6))) for _ in range(9)
    ]
    fast = aggregate_fixed_point(updates)
    # A bound no sum can meet sends every tensor down the exact Python-integer path.
    monkeypatch.setattr(fixedpoint, "_INT64_BOUND", -1)
    exact = aggregate_fixed_point(updates)
    assert weighted_sum(updates).sums["w"].dtype == object
    assert fast["w"].tobytes() == exact["w"].tobytes()


def test_total_weight_above_the_limit_is_refused() -> None:
    x = {"w": np.array([1.0])}
    assert aggregate_fixed_point([(x, MAX_TOTAL_WEIGHT)])["w"].tolist() == [1.0]
    with pytest.raises(FixedPointOverflowError, match="MAX_TOTAL_WEIGHT"):
        aggregate_fixed_point([(x, MAX_TOTAL_WEIGHT), (x, 1)])


# -- aggregation: refusals ------------------------------------------------------------------------------


def _ok(value: float = 1.0) -> dict[str, NDArray]:
    return {"a": np.full(3, value), "b": np.zeros((2, 2))}


@pytest.mark.parametrize("updates", [[], (), None, {"a": 1}, "ab"])
def test_empty_or_malformed_update_lists_are_refused(updates: Any) -> None:
    with pytest.raises(ConfigError):
        aggregate_fixed_point(updates)


@pytest.mark.parametrize("weight", [-1, 1.0, True, "3", None, np.float64(2)])
def test_bad_weights_are_refused(weight: Any) -> None:
    with pytest.raises(ConfigError, match="update 1"):
        aggregate_fixed_point([(_ok(), 1), (_ok(), weight)])


@pytest.mark.parametrize("pair", [(_ok(),), (_ok(), 1, 2), [_ok(), 1]])
def test_malformed_pairs_are_refused(pair: Any) -> None:
    with pytest.raises(ConfigError):
        aggregate_fixed_point([(_ok(), 1), pair])


def test_zero_total_weight_is_refused() -> None:
    with pytest.raises(ConfigError, match="zero"):
        aggregate_fixed_point([(_ok(), 0), (_ok(2.0), 0)])


@pytest.mark.parametrize(
    "other",
    [
        {"a": np.ones(3)},  # missing tensor
        {"a": np.ones(3), "b": np.zeros((2, 2)), "c": np.zeros(1)},  # extra tensor
        {"a": np.ones(3), "c": np.zeros((2, 2))},  # renamed tensor
        {"a": np.ones(4), "b": np.zeros((2, 2))},  # other shape
        {"a": np.ones(3), "b": np.zeros(4)},  # same size, other shape
        {"a": np.ones(3, np.float32), "b": np.zeros((2, 2))},  # other dtype
    ],
)
def test_mismatched_names_shapes_or_dtypes_are_refused(other: dict[str, NDArray]) -> None:
    with pytest.raises(SpecMismatchError, match="update 1"):
        aggregate_fixed_point([(_ok(), 1), (other, 1)])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_updates_are_refused(bad: float) -> None:
    with pytest.raises(NonFiniteError):
        aggregate_fixed_point([(_ok(), 1), (_ok(bad), 1)])


def test_out_of_range_updates_are_refused() -> None:
    with pytest.raises(FixedPointOverflowError):
        aggregate_fixed_point([(_ok(), 1), (_ok(2.0**40), 1)])


@pytest.mark.parametrize("dtype", [np.float64, np.uint64, np.int32])
def test_round_half_even_div_refuses_other_numerator_dtypes(dtype: Any) -> None:
    with pytest.raises(SpecMismatchError):
        round_half_even_div(np.array([3], dtype=dtype), 2)


def test_an_accumulator_moves_to_python_integers_mid_stream_without_changing_the_result() -> None:
    # Running bound: 2**62 (int64), then 2**63 (too large: Python ints from the second update on).
    big = {"w": np.array([2.0**38, -(2.0**38)])}
    small = {"w": np.array([2.0**-24, 2.0**-24])}
    updates = [(big, 1), (big, 1), (small, 2)]
    total = weighted_sum(updates)
    assert total.sums["w"].dtype == object
    assert total.sums["w"].tolist() == [2**63 + 2, -(2**63) + 2]
    expected = aggregate_fixed_point(updates)["w"].tobytes()
    for order in ([2, 0, 1], [0, 2, 1], [1, 2, 0]):  # int64 for one, two or no updates first
        assert aggregate_fixed_point([updates[i] for i in order])["w"].tobytes() == expected
    assert aggregate_fixed_point(updates)["w"].tolist() == [2.0**37, -(2.0**37)]
