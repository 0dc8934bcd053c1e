"""Model and update (de)serialisation: deterministic safetensors bytes, validated on the way in.

Examples
--------
>>> import numpy as np
>>> from fedchain.codec import ModelSpec, decode, encode
>>> weights = {"dense.bias": np.zeros(4, np.float32), "dense.kernel": np.ones((3, 4), np.float32)}
>>> spec = ModelSpec.from_arrays(weights)
>>> blob = encode(weights, spec)
>>> restored = decode(blob, spec)
>>> all(np.array_equal(restored[name], weights[name]) for name in weights)
True
"""

from fedchain.codec._spec import (
    ALLOWED_DTYPES,
    MAX_NAME_LENGTH,
    SPEC_FORMAT,
    ModelSpec,
    TensorSpec,
)
from fedchain.codec._types import NamedArrays, NDArray
from fedchain.codec.safetensors_codec import DEFAULT_MAX_BYTES, decode, encode
from fedchain.exceptions import (
    CodecError,
    MalformedBlobError,
    NonFiniteError,
    PayloadTooLargeError,
    SpecMismatchError,
)

__all__ = [
    "ALLOWED_DTYPES",
    "DEFAULT_MAX_BYTES",
    "MAX_NAME_LENGTH",
    "SPEC_FORMAT",
    "CodecError",
    "MalformedBlobError",
    "ModelSpec",
    "NDArray",
    "NamedArrays",
    "NonFiniteError",
    "PayloadTooLargeError",
    "SpecMismatchError",
    "TensorSpec",
    "decode",
    "encode",
]
