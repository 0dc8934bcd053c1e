"""The compiled kernels against plain references: the same integers, the same bytes, the same refusals.

:mod:`fedchain.fl._kernels` must compute exactly what :mod:`fedchain.fl.fixedpoint` defines in NumPy. Here
each kernel meets a reference on random inputs and on the values where fast paths go wrong: exact ties,
the ends of the range, negative zero, subnormals, the switch between the kernel's quick and exact paths,
weights of 0, 1 and beyond ``2**31``, update counts that are not a multiple of four, blocks and threads.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numba
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fedchain.codec._types import NDArray
from fedchain.exceptions import FedchainError
from fedchain.fl import _kernels, fixedpoint
from fedchain.fl.fixedpoint import (
    FixedPointConfig,
    WeightedSum,
    aggregate_fixed_point,
    round_half_even_div,
    weighted_mean,
    weighted_sum,
)

DTYPES: list[np.dtype[Any]] = [np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)]
WEIGHTS = st.one_of(
    st.sampled_from([0, 1, 2, 2**31 - 1, 2**31, 2**40, 2**61]), st.integers(0, 10**6), st.integers(0, 2**62)
)


# -- references -----------------------------------------------------------------------------------------


def exact_sums(arrays: list[NDArray], weights: list[int], frac_bits: int) -> list[int]:
    """``sum_i n_i * q_i`` in Python integers, with ``q = rint(x * 2**f)`` computed by NumPy in float64."""
    totals = [0] * arrays[0].size
    for array, weight in zip(arrays, weights, strict=True):
        quantized = np.rint(array.astype(np.float64).ravel() * 2.0**frac_bits)  # |q| < 2**63: exact
        for k, value in enumerate(quantized.tolist()):
            totals[k] += weight * int(value)
    return totals


def reference_mean(sums: NDArray, total: int, frac_bits: int, dtype: np.dtype[Any]) -> NDArray:
    return fixedpoint._to_float(round_half_even_div(sums, total), frac_bits, dtype)


def special_values(dtype: np.dtype[Any], frac_bits: int) -> list[float]:
    """Values at the edges of the kernel's paths and of the format, representable in ``dtype``."""
    quantum, quick = 2.0**-frac_bits, 2.0 ** (30 - frac_bits)
    limit = min(2.0 ** (63 - frac_bits), float(np.finfo(dtype).max))  # below 2**63 quanta: quantizable
    candidates = [
        0.0,
        -0.0,
        quantum / 2,  # ties: 0.5, 1.5, 2.5, -2.5 quanta
        1.5 * quantum,
        2.5 * quantum,
        -2.5 * quantum,
        quantum * (2**23 + 0.5),
        float(np.finfo(dtype).smallest_subnormal),
        -float(np.finfo(dtype).smallest_subnormal),
        float(np.finfo(dtype).tiny),
        quick,  # the first magnitude past the quick path, and its neighbours
        -quick,
        float(np.nextafter(quick, 0.0)),
        float(np.nextafter(quick, np.inf)),
        quick * 1.5 + quantum / 2,
        float(np.nextafter(limit, 0.0)),  # about the largest magnitude accepted, once rounded to dtype
        -float(np.nextafter(limit, 0.0)),
    ]
    with np.errstate(over="ignore"):  # float16 overflows to inf, dropped below
        values = np.array(candidates, dtype=np.float64).astype(dtype)  # rounded to the dtype, as inputs are
    return [float(v) for v in values if np.isfinite(v) and abs(float(v)) * 2.0**frac_bits < 2.0**63]


@st.composite
def kernel_inputs(draw: st.DrawFn) -> tuple[list[NDArray], list[int], int]:
    dtype, frac_bits = draw(st.sampled_from(DTYPES)), draw(st.integers(0, 62))
    width = dtype.itemsize * 8
    specials = special_values(dtype, frac_bits)
    bound = min(2.0 ** (62 - frac_bits), float(np.finfo(dtype).max))
    elements = st.one_of(
        st.sampled_from(specials),
        st.floats(-bound, bound, width=width, allow_subnormal=True),
        st.floats(-min(4.0, bound), min(4.0, bound), width=width),
    )
    shape = draw(st.sampled_from([(), (0,), (1,), (7,), (2, 5), (33,)]))
    count = draw(st.integers(1, 9))
    arrays = [draw(hnp.arrays(dtype, shape, elements=elements)) for _ in range(count)]
    weights = draw(st.lists(WEIGHTS, min_size=count, max_size=count))
    return arrays, weights, frac_bits


# -- the summing kernel ---------------------------------------------------------------------------------


def check_sum(arrays: list[NDArray], weights: list[int], frac_bits: int) -> None:
    sums, maxima = _kernels.weighted_int_sum(arrays, weights, frac_bits)
    assert sums.dtype == np.int64 and sums.shape == arrays[0].shape
    exact = exact_sums(arrays, weights, frac_bits)
    # Modulo 2**64 always; exactly whenever the exact sum fits int64 (what the caller proves before use).
    assert [(s - e) % 2**64 for s, e in zip(sums.ravel().tolist(), exact, strict=True)] == [0] * len(exact)
    if all(abs(e) < 2**63 for e in exact):
        assert sums.ravel().tolist() == exact
    expected = [float(np.abs(a.astype(np.float64)).max()) if a.size else 0.0 for a in arrays]
    assert maxima.tolist() == expected


@settings(max_examples=200, deadline=None)
@given(data=kernel_inputs())
def test_weighted_int_sum_equals_the_exact_integer_sum(data: tuple[list[NDArray], list[int], int]) -> None:
    check_sum(*data)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("count", [1, 3, 4, 6])
def test_weighted_int_sum_across_blocks_and_threads(
    dtype: np.dtype[Any], count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(count)
    frac_bits, size = 24, 5 * _kernels._BLOCK + 5
    specials = special_values(dtype, frac_bits)
    arrays = []
    for _ in range(count):
        array = (rng.standard_normal(size) * 10.0 ** rng.integers(-3, 4)).astype(dtype)
        spots = rng.integers(0, size, 40)  # a few blocks also take the exact path
        array[spots] = rng.choice(np.array(specials, dtype=dtype), 40)
        arrays.append(array)
    weights = [int(w) for w in rng.integers(0, 2**33, count)]
    check_sum(arrays, weights, frac_bits)
    monkeypatch.setattr(_kernels, "_PARALLEL_WORK", 0)
    monkeypatch.setattr(_kernels, "_cpus", lambda: 3)
    assert len(_kernels._split(size, count)) == 3
    check_sum(arrays, weights, frac_bits)


def test_weighted_int_sum_reads_any_layout() -> None:
    rng = np.random.default_rng(3)
    base = rng.standard_normal((6, 8))
    raw = np.zeros(base.size * 8 + 1, dtype=np.uint8)
    unaligned = np.frombuffer(raw.data, dtype=np.float64, count=base.size, offset=1).reshape(6, 8)
    unaligned.flags.writeable = True
    unaligned[...] = base
    assert not unaligned.flags.aligned
    readonly = base.copy()
    readonly.flags.writeable = False
    variants = [base, unaligned, base.astype(">f8"), np.asfortranarray(base), readonly]
    expected = exact_sums([base] * len(variants), [1, 2, 3, 4, 5], 24)
    sums, _ = _kernels.weighted_int_sum(variants, [1, 2, 3, 4, 5], 24)
    assert sums.ravel().tolist() == expected


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_weighted_int_sum_reports_non_finite_values_in_the_maxima(dtype: np.dtype[Any], bad: float) -> None:
    arrays = [np.ones(5, dtype), np.ones(5, dtype)]
    arrays[1][2] = bad
    _, maxima = _kernels.weighted_int_sum(arrays, [1, 1], 24)
    assert maxima[0] == 1.0 and not np.isfinite(maxima[1])


# -- the mean kernel ------------------------------------------------------------------------------------


@st.composite
def mean_inputs(draw: st.DrawFn) -> tuple[NDArray, int]:
    total = draw(st.one_of(st.sampled_from([1, 2, 3, 10, 2**31, 2**53 + 1, 2**62]), st.integers(1, 2**62)))
    bound = min(2**50, (2**63 - 1) // total - 1)  # q * total + r stays within int64
    quotients = st.one_of(
        st.integers(-bound, bound), st.integers(-100, 100).map(lambda q: min(bound, max(-bound, q)))
    )
    remainders = st.sampled_from([0, total // 2, (total + 1) // 2, total - 1, min(1, total - 1)])
    structured = st.builds(lambda q, r: q * total + r, quotients, remainders)  # exact ties among them
    values = st.one_of(structured, st.integers(-(2**63) + 1, 2**63 - 1))
    sums = draw(st.lists(values, min_size=0, max_size=20))
    return np.array(sums, dtype=np.int64), total


@pytest.mark.filterwarnings("ignore:overflow encountered in cast")  # means beyond float16's range: inf
@settings(max_examples=200, deadline=None)
@given(data=mean_inputs(), frac_bits=st.integers(0, 62), dtype=st.sampled_from(DTYPES))
def test_mean_to_float_equals_the_numpy_rounding(
    data: tuple[NDArray, int], frac_bits: int, dtype: np.dtype[Any]
) -> None:
    sums, total = data
    out = _kernels.mean_to_float(sums, total, frac_bits, dtype)
    small = all(abs(s) < 2**48 * total for s in sums.tolist())
    assert out is not None or not small  # the kernel takes every mean below 2**48
    if out is not None:
        expected = reference_mean(sums, total, frac_bits, dtype)
        assert out.dtype == dtype and out.tobytes() == expected.tobytes()


def test_mean_to_float_rounds_ties_to_even_and_keeps_shapes() -> None:
    sums = np.array([[5, 7, -5, -7], [8, 0, 1, -1]], dtype=np.int64)
    out = _kernels.mean_to_float(sums, 2, 0, np.dtype(np.float64))
    assert out is not None and out.tolist() == [[2.0, 4.0, -2.0, -4.0], [4.0, 0.0, 0.0, 0.0]]
    zero_d = _kernels.mean_to_float(np.array(3, dtype=np.int64), 2, 1, np.dtype(np.float32))
    assert zero_d is not None and zero_d.shape == () and zero_d.tolist() == 1.0
    assert _kernels.mean_to_float(np.array([2**62]), 1, 0, np.dtype(np.float64)) is None


def test_weighted_mean_of_large_means_uses_the_numpy_path() -> None:
    sums = np.array([2**62 + 3, -(2**62) - 1, 7], dtype=np.int64)
    total = WeightedSum({"w": sums}, 2, {"w": np.dtype(np.float64)}, FixedPointConfig(frac_bits=0))
    assert weighted_mean(total)["w"].tobytes() == reference_mean(sums, 2, 0, np.dtype(np.float64)).tobytes()


# -- weighted_sum: the kernel path against the streamed NumPy reference ---------------------------------


Updates = list[tuple[dict[str, NDArray], int]]


@st.composite
def update_lists(draw: st.DrawFn) -> tuple[Updates, FixedPointConfig]:
    total_bits = draw(st.sampled_from([64, 64, 40, 16]))
    frac_bits = draw(st.integers(0, total_bits - 2))
    cfg = FixedPointConfig(frac_bits=frac_bits, total_bits=total_bits)
    dtype = draw(st.sampled_from(DTYPES))
    specials = special_values(dtype, frac_bits)
    top = min(total_bits - 2 - frac_bits, np.finfo(dtype).maxexp - 1)
    scale = draw(st.sampled_from([1.0, 2.0**top]))  # near the range's end, or the dtype's
    elements = st.one_of(
        st.sampled_from(specials), st.floats(-1.0, 1.0, width=dtype.itemsize * 8).map(lambda v: v * scale)
    )
    count = draw(st.integers(1, 6))
    small_weights = st.one_of(st.sampled_from([0, 1, 2**31 - 1, 2**31, 2**40, 2**59]), st.integers(0, 10**6))
    weights = draw(st.lists(small_weights, min_size=count, max_size=count))
    assume(sum(weights) > 0)
    shapes = {"a": draw(st.sampled_from([(), (3,), (2, 2)])), "b": draw(st.sampled_from([(0,), (5,)]))}
    updates: Updates = []
    for weight in weights:
        arrays = {name: draw(hnp.arrays(dtype, shape, elements=elements)) for name, shape in shapes.items()}
        updates.append((arrays, weight))
    return updates, cfg


def outcome(call: Any) -> Any:
    try:
        total: WeightedSum = call()
    except FedchainError as error:
        return type(error), str(error)
    sums = {name: (array.dtype, array.shape, array.tolist()) for name, array in total.sums.items()}
    return sums, total.total_weight, total.dtypes, total.config


def streamed(updates: Updates, cfg: FixedPointConfig) -> WeightedSum:
    weights = [weight for _, weight in updates]
    return fixedpoint._weighted_sum_streamed(updates, weights, sum(weights), cfg)


@settings(max_examples=150, deadline=None)
@given(data=update_lists())
def test_weighted_sum_equals_the_streamed_reference(data: tuple[Updates, FixedPointConfig]) -> None:
    updates, cfg = data
    assert outcome(lambda: weighted_sum(updates, cfg)) == outcome(lambda: streamed(updates, cfg))


FAULTS = ["nan", "inf", "-inf", "out of range", "shape", "dtype", "missing", "extra", "not an array", "name"]


def inject(arrays: dict[str, Any], fault: str, cfg: FixedPointConfig) -> dict[str, Any]:
    arrays = {name: np.array(value, copy=True) for name, value in arrays.items()}
    target = arrays["a"].reshape(-1)
    if fault in ("nan", "inf", "-inf", "out of range") and target.dtype.kind != "f":
        return arrays  # already broken by an earlier fault
    if fault in ("nan", "inf", "-inf"):
        target[-1] = float(fault)
    elif fault == "out of range":
        target[0] = min(2.0 ** (cfg.total_bits - 1 - cfg.frac_bits), float(np.finfo(target.dtype).max))
    elif fault == "shape":
        arrays["a"] = np.zeros(7)
    elif fault == "dtype":
        arrays["a"] = np.zeros(arrays["a"].shape, dtype=np.int32)
    elif fault == "missing":
        arrays.pop("b", None)
    elif fault == "extra":
        arrays["c"] = np.zeros(1)
    elif fault == "not an array":
        arrays["a"] = arrays["a"].tolist()
    else:
        arrays["bad name!"] = arrays.pop("b", np.zeros(1))
    return arrays


@settings(max_examples=150, deadline=None)
@given(
    data=update_lists(),
    faults=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(FAULTS)), min_size=1, max_size=3),
)
def test_refusals_are_those_of_the_streamed_reference_in_its_order(
    data: tuple[Updates, FixedPointConfig], faults: list[tuple[int, str]]
) -> None:
    updates, cfg = data
    for index, fault in faults:
        if index < len(updates):
            arrays, weight = updates[index]
            updates[index] = (inject(arrays, fault, cfg), weight)
    expected = outcome(lambda: streamed(updates, cfg))
    assert outcome(lambda: weighted_sum(updates, cfg)) == expected


def test_well_formed_updates_never_take_the_streamed_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> WeightedSum:
        raise AssertionError("the streamed path was taken")

    monkeypatch.setattr(fixedpoint, "_weighted_sum_streamed", refuse)
    rng = np.random.default_rng(5)
    for dtype in DTYPES:
        updates = [({"w": rng.standard_normal((3, 4)).astype(dtype), "b": np.zeros(0, dtype)}, 2)] * 5
        out = aggregate_fixed_point(updates)
        assert out["w"].dtype == dtype and out["b"].shape == (0,)


def test_concurrent_callers_get_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_kernels, "_PARALLEL_WORK", 0)  # each call splits its work across threads, too
    rng = np.random.default_rng(11)
    updates = [({"w": rng.standard_normal(3 * _kernels._BLOCK).astype(np.float32)}, k + 1) for k in range(5)]
    expected = aggregate_fixed_point(updates)["w"].tobytes()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: aggregate_fixed_point(updates)["w"].tobytes(), range(16)))
    assert results == [expected] * 16


def test_a_tensor_past_the_int64_bound_is_summed_in_python_integers_alone() -> None:
    big = {"a": np.array([2.0**38]), "b": np.array([1.0])}
    total = weighted_sum([(big, 2), (big, 2)])  # bound for "a": 4 * 2**62, for "b": 4 * 2**24
    assert total.sums["a"].dtype == object and total.sums["a"].tolist() == [2**64]
    assert total.sums["b"].dtype == np.int64 and total.sums["b"].tolist() == [2**26]


# -- compilation ----------------------------------------------------------------------------------------


def test_kernels_compile_in_memory_without_a_writable_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    real = numba.njit

    def njit(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("cache"):  # what Numba raises when no cache directory is writable
            raise RuntimeError("cannot cache function 'f': no locator available for file 'f.py'")
        return real(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", njit)

    def twice(x: int) -> int:
        return 2 * x

    assert _kernels._jit(twice)(21) == 42
