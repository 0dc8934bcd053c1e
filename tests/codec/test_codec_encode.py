"""encode: deterministic bytes, and refusal of every kind of bad input before encoding."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from fedchain.codec import DEFAULT_MAX_BYTES, ModelSpec, TensorSpec, decode, encode
from fedchain.codec._types import NDArray
from fedchain.exceptions import (
    CodecError,
    ConfigError,
    NonFiniteError,
    PayloadTooLargeError,
    SpecMismatchError,
)


def model() -> dict[str, NDArray]:
    rng = np.random.default_rng(7)
    return {
        "conv.weight": rng.standard_normal((4, 3, 3)).astype(np.float32),
        "conv.bias": rng.standard_normal(4).astype(np.float32),
        "head.weight": rng.standard_normal((3, 5)),
        "step": np.array(12, dtype=np.int64),
    }


def header_of(blob: bytes) -> dict[str, object]:
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + length])
    assert isinstance(header, dict)
    return header


# -- determinism ------------------------------------------------------------------------------


def test_mapping_order_does_not_change_the_bytes() -> None:
    arrays = model()
    reordered = dict(reversed(list(arrays.items())))
    assert encode(arrays) == encode(reordered)


def test_a_sequence_of_pairs_encodes_like_the_mapping() -> None:
    arrays = model()
    assert encode(list(arrays.items())) == encode(arrays)
    assert encode(tuple(reversed(arrays.items()))) == encode(arrays)


@pytest.mark.parametrize(
    "relayout",
    [
        pytest.param(np.asfortranarray, id="fortran-order"),
        pytest.param(lambda a: np.flip(np.flip(a).copy()), id="negative-strides"),
        pytest.param(lambda a: np.repeat(a[..., None], 2, axis=-1)[..., 0], id="strided-view"),
        pytest.param(lambda a: a.astype(a.dtype.newbyteorder(">")), id="big-endian"),
        pytest.param(lambda a: np.asarray(a).view(np.matrix) if a.ndim == 2 else a, id="subclass"),
    ],
)
def test_memory_layout_and_byte_order_do_not_change_the_bytes(relayout: object) -> None:
    arrays = model()
    relaid = {
        name: relayout(array) if array.ndim else array  # type: ignore[operator]
        for name, array in arrays.items()
    }
    assert any(  # the relayout really produced something non-canonical
        not array.flags.c_contiguous or array.dtype.byteorder == ">" or type(array) is np.matrix
        for array in relaid.values()
    )
    assert encode(relaid) == encode(arrays)


def test_encoding_twice_gives_identical_bytes() -> None:
    assert encode(model()) == encode(model())


def test_no_metadata_is_written() -> None:
    header = header_of(encode(model()))
    assert "__metadata__" not in header
    assert set(header) == set(model())


def test_signed_zero_and_denormals_are_kept_bit_for_bit() -> None:
    values = np.array([0.0, -0.0, 5e-324, -5e-324], dtype=np.float64)
    decoded = decode(encode({"x": values}))["x"]
    assert decoded.tobytes() == values.tobytes()


def test_the_input_arrays_are_not_modified() -> None:
    arrays = {"w": np.asfortranarray(np.arange(6.0).reshape(2, 3))}
    before = arrays["w"].copy()
    encode(arrays)
    assert np.array_equal(arrays["w"], before)
    assert arrays["w"].flags.f_contiguous


# -- finiteness -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize(("bad", "label"), [(np.nan, "NaN"), (np.inf, "+Inf"), (-np.inf, "-Inf")])
def test_non_finite_values_are_refused_naming_the_tensor(dtype: str, bad: float, label: str) -> None:
    arrays = model()
    arrays["poisoned"] = np.array([1.0, bad, 2.0], dtype=dtype)
    with pytest.raises(NonFiniteError, match=rf"'poisoned'.*{label.replace('+', '[+]')}"):
        encode(arrays)


def test_integers_and_booleans_have_no_finiteness_check() -> None:
    encode({"i": np.array([np.iinfo(np.int64).max]), "b": np.array([True])})


# -- dtypes, names, values --------------------------------------------------------------------


@pytest.mark.parametrize(
    "array",
    [
        pytest.param(np.zeros(2, np.complex64), id="complex64"),
        pytest.param(np.zeros(2, np.complex128), id="complex128"),
        pytest.param(np.array(["a", "b"]), id="str"),
        pytest.param(np.array([b"a"]), id="bytes"),
        pytest.param(np.array([object()]), id="object"),
        pytest.param(np.zeros(2, "datetime64[s]"), id="datetime64"),
        pytest.param(np.zeros(2, "timedelta64[s]"), id="timedelta64"),
        pytest.param(np.zeros(2, [("a", "<f4"), ("b", "<i4")]), id="structured"),
        pytest.param(np.zeros(2, np.longdouble), id="longdouble"),
    ],
)
def test_dtypes_outside_the_allowed_set_are_refused(array: NDArray) -> None:
    if array.dtype.name in ("float64",):  # longdouble is float64 on some platforms
        pytest.skip("longdouble is float64 here")
    with pytest.raises(SpecMismatchError, match="not allowed"):
        encode({"x": array})


@pytest.mark.parametrize(
    "arrays",
    [
        pytest.param({"": np.zeros(1)}, id="empty-name"),
        pytest.param({"__metadata__": np.zeros(1)}, id="reserved-name"),
        pytest.param({"a\nb": np.zeros(1)}, id="control-character"),
        pytest.param({"x" * 513: np.zeros(1)}, id="name-too-long"),
        pytest.param({1: np.zeros(1)}, id="non-str-name"),
        pytest.param([("w", np.zeros(1)), ("w", np.ones(1))], id="duplicate-name"),
        pytest.param({"w": [1.0, 2.0]}, id="list-value"),
        pytest.param({"w": 1.0}, id="scalar-value"),
        pytest.param({"w": np.float32(1.0)}, id="numpy-scalar"),
        pytest.param({"w": np.ma.masked_array([1.0], mask=[True])}, id="masked-array"),
        pytest.param([("w",)], id="not-a-pair"),
        pytest.param(["w"], id="bare-name"),
        pytest.param("w", id="a-string"),
        pytest.param(42, id="not-iterable"),
    ],
)
def test_malformed_input_is_a_config_error(arrays: object) -> None:
    with pytest.raises(ConfigError):
        encode(arrays)  # type: ignore[arg-type]


def test_an_empty_model_is_allowed() -> None:
    assert decode(encode({})) == {}


# -- spec -------------------------------------------------------------------------------------


def test_arrays_matching_the_spec_encode() -> None:
    spec = ModelSpec.from_arrays(model())
    assert encode(model(), spec) == encode(model())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(lambda a: a.pop("conv.bias"), "missing 'conv.bias'", id="missing"),
        pytest.param(lambda a: a.update(extra=np.zeros(1, np.float32)), "unexpected 'extra'", id="extra"),
        pytest.param(
            lambda a: a.update({"conv.bias": a["conv.bias"].astype(np.float64)}),
            "'conv.bias' has dtype float64, the spec says float32",
            id="wrong-dtype",
        ),
        pytest.param(
            lambda a: a.update({"conv.bias": np.zeros(5, np.float32)}),
            r"'conv.bias' has shape \(5,\), the spec says \(4,\)",
            id="wrong-shape",
        ),
        pytest.param(
            lambda a: a.update({"conv.bias": np.zeros((4, 1), np.float32)}),
            "shape",
            id="extra-dimension",
        ),
        pytest.param(
            lambda a: a.update({"step": np.array([12], np.int64)}),
            "shape",
            id="scalar-vs-vector",
        ),
    ],
)
def test_arrays_differing_from_the_spec_are_refused(change: object, message: str) -> None:
    spec = ModelSpec.from_arrays(model())
    arrays = model()
    change(arrays)  # type: ignore[operator]
    with pytest.raises(SpecMismatchError, match=message):
        encode(arrays, spec)


def test_many_missing_names_are_summarised() -> None:
    spec = ModelSpec(tuple(TensorSpec(f"t{i:02}", "int8", (1,)) for i in range(20)))
    with pytest.raises(SpecMismatchError, match="and 15 more"):
        encode({}, spec)


# -- size limits ------------------------------------------------------------------------------


def test_the_default_byte_limit_is_256_mib() -> None:
    assert DEFAULT_MAX_BYTES == 256 * 1024 * 1024


def test_data_over_max_bytes_is_refused_before_encoding() -> None:
    with pytest.raises(PayloadTooLargeError):
        encode({"w": np.zeros(1000, np.float32)}, max_bytes=3999)


def test_the_header_counts_towards_max_bytes() -> None:
    blob = encode({"w": np.zeros(1000, np.float32)})
    assert encode({"w": np.zeros(1000, np.float32)}, max_bytes=len(blob)) == blob
    with pytest.raises(PayloadTooLargeError):
        encode({"w": np.zeros(1000, np.float32)}, max_bytes=len(blob) - 1)


def test_more_parameters_than_max_params_are_refused() -> None:
    # Defence in depth: even a spec whose invariants were bypassed cannot let more through.
    spec = ModelSpec((TensorSpec("w", "float32", (4,)),), max_params=4)
    object.__setattr__(spec, "tensors", (TensorSpec("w", "float32", (5,)),))  # forged spec
    with pytest.raises(PayloadTooLargeError, match="max_params"):
        encode({"w": np.zeros(5, np.float32)}, spec)


@pytest.mark.parametrize("max_bytes", [0, -1, 1.5, "10", True])
def test_an_invalid_max_bytes_is_a_config_error(max_bytes: object) -> None:
    with pytest.raises(ConfigError):
        encode({}, max_bytes=max_bytes)  # type: ignore[arg-type]


def test_every_codec_error_is_a_value_error() -> None:
    for error in (NonFiniteError, PayloadTooLargeError, SpecMismatchError):
        assert issubclass(error, CodecError)
        assert issubclass(error, ValueError)
