"""decode: every malformed, non-canonical, oversized or off-spec blob is refused by name."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable

import numpy as np
import pytest

from fedchain.codec import ModelSpec, TensorSpec, decode, encode, safetensors_codec
from fedchain.codec._types import NDArray
from fedchain.exceptions import (
    ConfigError,
    MalformedBlobError,
    NonFiniteError,
    PayloadTooLargeError,
    SpecMismatchError,
)

RawBlob = Callable[..., bytes]

ARRAYS: dict[str, NDArray] = {
    "w": np.arange(6, dtype=np.float32).reshape(2, 3),
    "b": np.array([0.5, -0.5], dtype=np.float32),
    "n": np.array(3, dtype=np.int64),
}
BLOB = encode(ARRAYS)
SPEC = ModelSpec.from_arrays(ARRAYS)


def f32(name: str, shape: list[int], start: int, end: int) -> dict[str, object]:
    return {name: {"dtype": "F32", "shape": shape, "data_offsets": [start, end]}}


# -- the happy path ---------------------------------------------------------------------------


def test_decode_returns_the_arrays_ordered_by_name() -> None:
    decoded = decode(BLOB, SPEC)
    assert list(decoded) == ["b", "n", "w"]
    for name, array in ARRAYS.items():
        assert decoded[name].dtype == array.dtype
        assert np.array_equal(decoded[name], array)


def test_decoded_arrays_are_writable_independent_native_copies() -> None:
    decoded = decode(BLOB)
    for array in decoded.values():
        assert array.flags.writeable
        assert array.dtype.isnative
    decoded["w"][0, 0] = 99.0
    decoded["b"][:] = 7.0
    assert not np.shares_memory(decoded["w"], decoded["b"])
    again = decode(BLOB)
    assert again["w"][0, 0] == 0.0
    assert np.array_equal(again["b"], ARRAYS["b"])


@pytest.mark.parametrize("wrap", [bytearray, memoryview], ids=["bytearray", "memoryview"])
def test_decode_accepts_bytes_like_input(wrap: Callable[[bytes], object]) -> None:
    assert list(decode(wrap(BLOB))) == ["b", "n", "w"]  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["text", None, 3, [1, 2]])
def test_decode_refuses_what_is_not_bytes(value: object) -> None:
    with pytest.raises(ConfigError):
        decode(value)  # type: ignore[arg-type]


# -- malformed blobs --------------------------------------------------------------------------


@pytest.mark.parametrize("cut", [0, 1, 7, 8, 9, 20, len(BLOB) // 2, len(BLOB) - 4, len(BLOB) - 1])
def test_a_truncated_blob_is_malformed(cut: int) -> None:
    with pytest.raises(MalformedBlobError):
        decode(BLOB[:cut])


def test_every_proper_prefix_is_malformed() -> None:
    for cut in range(len(BLOB)):
        with pytest.raises(MalformedBlobError):
            decode(BLOB[:cut])


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param(b"\x00" * 64, id="zeros"),
        pytest.param(b"\xff" * 64, id="ones"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 60, id="zip-file"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + b"\x00" * 56, id="png-file"),
        pytest.param(bytes(range(256)), id="byte-ramp"),
        pytest.param(json.dumps({"w": [1, 2]}).encode(), id="plain-json"),
    ],
)
def test_garbage_is_malformed(garbage: bytes) -> None:
    with pytest.raises(MalformedBlobError):
        decode(garbage)


def test_trailing_bytes_are_malformed() -> None:
    with pytest.raises(MalformedBlobError):
        decode(BLOB + b"\x00")


@pytest.mark.parametrize(
    ("header", "data"),
    [
        pytest.param(b"{not json", b"", id="invalid-json"),
        pytest.param(b"\xff\xfe{}", b"", id="invalid-utf8"),
        pytest.param(b"[]", b"", id="json-array"),
        pytest.param({"w": {"dtype": "F32", "shape": [1]}}, b"\x00" * 4, id="no-offsets"),
        pytest.param({"w": "F32"}, b"", id="entry-not-an-object"),
        pytest.param({**f32("a", [1], 0, 4), **f32("b", [1], 0, 4)}, b"\x00" * 4, id="overlapping-offsets"),
        pytest.param({**f32("a", [1], 0, 4), **f32("b", [1], 8, 12)}, b"\x00" * 12, id="gap-between"),
        pytest.param(f32("w", [1], 4, 0), b"\x00" * 4, id="reversed-offsets"),
        pytest.param(f32("w", [1], 0, 8), b"\x00" * 4, id="offsets-past-the-end"),
        pytest.param(f32("w", [3], 0, 8), b"\x00" * 8, id="length-not-shape"),
        pytest.param(f32("w", [-1], 0, 4), b"\x00" * 4, id="negative-dimension"),
        pytest.param(f32("w", [2**62, 8], 0, 4), b"\x00" * 4, id="overflowing-shape"),
        pytest.param(
            {"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4], "x": 1}},
            b"\x00" * 4,
            id="unknown-entry-field",
        ),
        pytest.param(
            {"w": {"dtype": "X9", "shape": [1], "data_offsets": [0, 4]}},
            b"\0" * 4,
            id="unknown-dtype-tag",
        ),
        pytest.param(f32("", [1], 0, 4), b"\x00" * 4, id="empty-name"),
        pytest.param(f32("a\x01b", [1], 0, 4), b"\x00" * 4, id="control-char-name"),
    ],
)
def test_a_bad_header_is_malformed(raw_blob: RawBlob, header: dict[str, object] | bytes, data: bytes) -> None:
    with pytest.raises(MalformedBlobError):
        decode(raw_blob(header, data))


def test_a_header_length_beyond_the_blob_is_malformed() -> None:
    with pytest.raises(MalformedBlobError):
        decode(struct.pack("<Q", 10**6) + b"{}")


def test_a_huge_header_length_is_malformed() -> None:
    with pytest.raises(MalformedBlobError):
        decode(struct.pack("<Q", 2**64 - 1) + b"{}" + b" " * 6)


def test_duplicate_names_in_the_header_are_malformed(raw_blob: RawBlob) -> None:
    header = b'{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' + (
        b'"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'
    )
    with pytest.raises(MalformedBlobError):
        decode(raw_blob(header, b"\x00" * 8))


@pytest.mark.parametrize("value", [2, 255])
def test_booleans_other_than_0_and_1_are_malformed(raw_blob: RawBlob, value: int) -> None:
    header = {"m": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}}
    with pytest.raises(MalformedBlobError, match="'m'"):
        decode(raw_blob(header, bytes([1, value])))


@pytest.mark.parametrize(("tag", "itemsize"), [("BF16", 2), ("C64", 8), ("F8_E4M3", 1)])
def test_dtypes_outside_the_allowed_set_are_refused(raw_blob: RawBlob, tag: str, itemsize: int) -> None:
    header = {"w": {"dtype": tag, "shape": [4], "data_offsets": [0, 4 * itemsize]}}
    blob = raw_blob(header, b"\x00" * 4 * itemsize)
    with pytest.raises(SpecMismatchError, match=f"dtype {tag}, not allowed"):
        decode(blob, canonical=False)


# -- canonical form ---------------------------------------------------------------------------


def test_a_handmade_blob_equal_to_the_canonical_one_decodes(raw_blob: RawBlob) -> None:
    blob = raw_blob(f32("w", [2], 0, 8), np.array([1, 2], "<f4").tobytes())
    assert blob == encode({"w": np.array([1, 2], np.float32)})
    assert decode(blob)["w"].tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param("metadata", id="metadata-entry"),
        pytest.param("no-padding", id="unpadded-header"),
        pytest.param("extra-padding", id="extra-padding"),
        pytest.param("whitespace", id="pretty-printed-header"),
        pytest.param("data-order", id="data-in-other-order"),
    ],
)
def test_non_canonical_encodings_of_the_same_tensors_are_refused(raw_blob: RawBlob, variant: str) -> None:
    a, b = np.array([1.0], "<f4"), np.array([2.0], "<f4")
    header: dict[str, object] = {**f32("a", [1], 0, 4), **f32("b", [1], 4, 8)}
    data = a.tobytes() + b.tobytes()
    if variant == "metadata":
        blob = raw_blob({"__metadata__": {"created": "2026-01-01"}, **header}, data)
    elif variant == "no-padding":
        text = json.dumps(header, separators=(",", ":")).encode()
        text += b" " if len(text) % 8 == 0 else b""  # make sure it differs from canonical
        blob = raw_blob(text, data, pad=False)
    elif variant == "extra-padding":
        blob = raw_blob(json.dumps(header, separators=(",", ":")).encode() + b" " * 8, data)
    elif variant == "whitespace":
        blob = raw_blob(json.dumps(header, indent=1).encode(), data)
    else:
        header = {**f32("a", [1], 4, 8), **f32("b", [1], 0, 4)}
        blob = raw_blob(header, b.tobytes() + a.tobytes())
    assert blob != encode({"a": a, "b": b})
    with pytest.raises(MalformedBlobError, match="canonical"):
        decode(blob)
    relaxed = decode(blob, canonical=False)
    assert relaxed["a"].tolist() == [1.0] and relaxed["b"].tolist() == [2.0]


# -- size -------------------------------------------------------------------------------------


def test_a_blob_over_max_bytes_is_refused_before_parsing() -> None:
    assert decode(BLOB, max_bytes=len(BLOB))
    with pytest.raises(PayloadTooLargeError):
        decode(BLOB, max_bytes=len(BLOB) - 1)
    with pytest.raises(PayloadTooLargeError):
        decode(b"\xff" * 1000, max_bytes=999)  # garbage, but too large is said first


def test_more_elements_than_max_params_are_refused() -> None:
    spec = ModelSpec(SPEC.tensors, max_params=SPEC.num_params)
    decode(BLOB, spec)
    object.__setattr__(spec, "max_params", SPEC.num_params - 1)  # a spec forged past its checks
    with pytest.raises(PayloadTooLargeError):
        decode(BLOB, spec)


# -- spec -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tensors", "message"),
    [
        pytest.param({"w": ARRAYS["w"], "b": ARRAYS["b"]}, "missing 'n'", id="missing-tensor"),
        pytest.param({**ARRAYS, "z": np.zeros(1, np.float32)}, "unexpected 'z'", id="extra"),
        pytest.param({**ARRAYS, "w": ARRAYS["w"].astype(np.float64)}, "dtype float64", id="wrong-dtype"),
        pytest.param({**ARRAYS, "w": ARRAYS["w"].T}, r"shape \(3, 2\)", id="wrong-shape"),
        pytest.param({**ARRAYS, "w": ARRAYS["w"].ravel()}, "shape", id="flattened"),
        pytest.param({**ARRAYS, "n": np.array([3])}, "shape", id="vector-for-scalar"),
    ],
)
def test_blobs_differing_from_the_spec_are_refused(tensors: dict[str, NDArray], message: str) -> None:
    with pytest.raises(SpecMismatchError, match=message):
        decode(encode(tensors), SPEC)


def test_a_spec_with_other_dtype_for_the_same_shape_is_refused() -> None:
    spec = ModelSpec(
        (
            TensorSpec("b", "float32", (2,)),
            TensorSpec("n", "int32", ()),
            TensorSpec("w", "float32", (2, 3)),
        )
    )
    with pytest.raises(SpecMismatchError, match="'n' has dtype int64, the spec says int32"):
        decode(BLOB, spec)


# -- finiteness -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["<f2", "<f4", "<f8"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["NaN", "+Inf", "-Inf"])
def test_non_finite_values_in_a_blob_are_refused(raw_blob: RawBlob, dtype: str, bad: float) -> None:
    values = np.array([1.0, bad], dtype=dtype)
    tag = {"<f2": "F16", "<f4": "F32", "<f8": "F64"}[dtype]
    header = {"x": {"dtype": tag, "shape": [2], "data_offsets": [0, values.nbytes]}}
    with pytest.raises(NonFiniteError, match="'x'"):
        decode(raw_blob(header, values.tobytes()))


def test_a_nan_with_a_payload_is_refused(raw_blob: RawBlob) -> None:
    quiet_nan_with_payload = struct.pack("<I", 0x7FC0_1234)
    with pytest.raises(NonFiniteError):
        decode(raw_blob(f32("x", [1], 0, 4), quiet_nan_with_payload))


# -- whatever the parser raises becomes a MalformedBlobError ----------------------------------


class PanicException(BaseException):
    """Stands in for pyo3's PanicException, which derives from BaseException."""


@pytest.mark.parametrize(
    "raised",
    [ValueError("odd"), TypeError("odd"), OverflowError("odd"), PanicException("rust panic")],
    ids=lambda exc: type(exc).__name__,
)
def test_any_parser_failure_becomes_malformed_blob(
    monkeypatch: pytest.MonkeyPatch, raised: BaseException
) -> None:
    def parser(data: bytes) -> object:
        raise raised

    monkeypatch.setattr(safetensors_codec, "_st_deserialize", parser)
    with pytest.raises(MalformedBlobError):
        decode(BLOB)


def test_an_interrupt_during_parsing_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    def parser(data: bytes) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(safetensors_codec, "_st_deserialize", parser)
    with pytest.raises(KeyboardInterrupt):
        decode(BLOB)


@pytest.mark.parametrize("spec", ["spec", {"w": (2, 3)}, SPEC.tensors])
def test_a_spec_that_is_not_a_model_spec_is_a_config_error(spec: object) -> None:
    with pytest.raises(ConfigError):
        decode(BLOB, spec)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        encode(ARRAYS, spec)  # type: ignore[arg-type]
