"""Known-answer vectors: fixed tensors must always encode to the same bytes and hash.

If one of these fails, encoded models no longer hash the same as before (a new safetensors or
NumPy version changed the layout, say): every on-chain model and update hash would break.
Do not update the expected values without a migration plan.
"""

from __future__ import annotations

import hashlib
import struct

import numpy as np
import pytest

from fedchain.codec import ModelSpec, decode, encode
from fedchain.codec._types import NDArray


def vector_arrays() -> dict[str, NDArray]:
    return {
        "layer1.weight": np.array([[0.5, -1.25, 3.0], [0.0, -0.0, 1e-3]], dtype=np.float32),
        "layer1.bias": np.array([1.0, -2.0], dtype=np.float64),
        "half": np.array([65504.0, -6.1e-05, 0.333], dtype=np.float16),
        "counts": np.array([[-128, 0, 127]], dtype=np.int8),
        "big": np.array([2**63 - 1, -(2**63)], dtype=np.int64),
        "ubig": np.array([2**64 - 1, 0], dtype=np.uint64),
        "u16": np.array([0, 1, 65535], dtype=np.uint16),
        "i16": np.array([-32768, 32767], dtype=np.int16),
        "i32": np.array([-(2**31), 2**31 - 1], dtype=np.int32),
        "u32": np.array([2**32 - 1], dtype=np.uint32),
        "u8": np.array([255, 0, 7], dtype=np.uint8),
        "mask": np.array([True, False, True]),
        "scalar": np.array(7.5, dtype=np.float32),
        "empty": np.zeros((0, 4), dtype=np.float32),
    }


ALL_DTYPES_SHA256 = "8d0becdca230bd5474de14528140bb830428592a3ba752552b2e3e8099960c9e"
ALL_DTYPES_SPEC_HASH = "6b942a53cbd34e6cec0ba7d06620159a1daf22dabf2640f99abd403873a5261d"


def test_the_all_dtypes_vector_encodes_to_its_known_hash() -> None:
    blob = encode(vector_arrays())
    assert len(blob) == 961
    assert hashlib.sha256(blob).hexdigest() == ALL_DTYPES_SHA256


def test_the_all_dtypes_vector_decodes_back_bit_for_bit() -> None:
    decoded = decode(encode(vector_arrays()))
    expected = vector_arrays()
    assert list(decoded) == sorted(expected)
    for name, array in expected.items():
        assert decoded[name].dtype == array.dtype
        assert decoded[name].shape == array.shape
        assert decoded[name].tobytes() == array.tobytes()


def test_the_all_dtypes_spec_has_its_known_hash() -> None:
    spec = ModelSpec.from_arrays(vector_arrays(), max_params=100)
    assert spec.spec_hash().hex() == ALL_DTYPES_SPEC_HASH


@pytest.mark.parametrize(
    ("arrays", "expected_blob"),
    [
        pytest.param(
            {"w": np.array([1.0, -2.0], dtype=np.float32)},
            struct.pack("<Q", 56)
            + b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  '  # padded to 8
            + b"\x00\x00\x80?\x00\x00\x00\xc0",
            id="one-float32",
        ),
        pytest.param(
            {},
            struct.pack("<Q", 8) + b"{}      ",
            id="empty-model",
        ),
    ],
)
def test_small_vectors_encode_to_exact_bytes(arrays: dict[str, NDArray], expected_blob: bytes) -> None:
    assert encode(arrays) == expected_blob
