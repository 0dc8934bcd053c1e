"""NDArrays <-> named arrays, in the spec's canonical order, refusing anything that does not match."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedchain.codec import ModelSpec, decode, encode
from fedchain.exceptions import SpecMismatchError
from fedchain.fl import from_named, to_named, validate_fit_result

SPEC = ModelSpec.from_arrays(
    {
        "layer.bias": np.zeros(3, np.float32),
        "layer.kernel": np.zeros((2, 3), np.float32),
        "step": np.zeros((), np.int64),
    }
)


def arrays() -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [
        rng.standard_normal(3).astype(np.float32),
        rng.standard_normal((2, 3)).astype(np.float32),
        np.array(7, np.int64),
    ]


def test_to_named_follows_the_spec_order() -> None:
    named = to_named(arrays(), SPEC)
    assert list(named) == ["layer.bias", "layer.kernel", "step"]


def test_round_trip_through_names_and_the_codec_is_bit_exact() -> None:
    original = arrays()
    back = from_named(decode(encode(to_named(original, SPEC), SPEC), SPEC), SPEC)
    assert [a.tobytes() for a in back] == [a.tobytes() for a in original]
    assert [a.dtype for a in back] == [a.dtype for a in original]


def test_from_named_ignores_mapping_order() -> None:
    named = to_named(arrays(), SPEC)
    shuffled = {name: named[name] for name in reversed(list(named))}
    assert [a.tobytes() for a in from_named(shuffled, SPEC)] == [a.tobytes() for a in arrays()]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a[:2], "got 2 arrays"),
        (lambda a: [*a, np.zeros(1)], "got 4 arrays"),
        (lambda a: [a[0].astype(np.float64), a[1], a[2]], "dtype float64"),
        (lambda a: [a[0], a[1].T, a[2]], "shape"),
        (lambda a: [a[0].tolist(), a[1], a[2]], "numpy.ndarray"),
        (lambda a: {"b": a[0]}, "list of numpy arrays"),
    ],
)
def test_to_named_refuses_a_mismatch(change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SpecMismatchError, match=message):
        to_named(change(arrays()), SPEC)


def test_from_named_refuses_missing_and_extra_names() -> None:
    named = to_named(arrays(), SPEC)
    del named["step"]
    named["other"] = np.zeros(1)
    with pytest.raises(SpecMismatchError, match=r"missing \['step'\], unexpected \['other'\]"):
        from_named(named, SPEC)


DTYPES = ["float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool"]


@given(
    st.lists(
        st.tuples(st.sampled_from(DTYPES), st.lists(st.integers(0, 3), max_size=3)), min_size=1, max_size=5
    ),
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=50, deadline=None)
def test_any_spec_round_trips_bit_exactly(layout: list[tuple[str, list[int]]], seed: int) -> None:
    rng = np.random.default_rng(seed)
    arrays = {
        f"t{i}": np.asarray(rng.uniform(0, 100, shape)).astype(dtype)
        for i, (dtype, shape) in enumerate(layout)
    }
    spec = ModelSpec.from_arrays(arrays)
    listed = from_named(arrays, spec)
    assert [a.tobytes() for a in from_named(to_named(listed, spec), spec)] == [a.tobytes() for a in listed]
    checked = validate_fit_result((listed, 1, {}), spec).parameters
    assert len(checked) == len(listed) and all(c is a for c, a in zip(checked, listed, strict=True))
