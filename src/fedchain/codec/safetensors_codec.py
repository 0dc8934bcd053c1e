"""Deterministic safetensors encoding of models and updates, and validating decoding.

The same tensors always encode to the same bytes, hence the same SHA-256 (the hash the chain
records): tensors are handed to safetensors in name order, which lays them out in its own fixed
order (by dtype alignment, then name); data is written C-contiguous and little-endian whatever the
input's memory layout or byte order; and no metadata is written (no timestamps, no versions). The
known-answer tests pin the exact bytes, so a safetensors upgrade that changed them would be caught.

:func:`decode` accepts only such canonical bytes. Safetensors itself tolerates blobs that decode to
the same tensors but differ in bytes (a ``__metadata__`` entry, other header padding or key order,
other data order); accepting those would let two different hashes stand for one model. So after
parsing, :func:`decode` re-encodes and compares (``canonical=False`` turns this off).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, cast

import numpy as np
import safetensors
from safetensors.numpy import save as _st_save

from fedchain.codec._checks import (
    canonical_arrays,
    check_finite,
    check_max_bytes,
    check_size,
    check_spec,
)
from fedchain.codec._spec import ModelSpec, tensor_name_problem
from fedchain.codec._types import NamedArrays, NDArray
from fedchain.exceptions import (
    ConfigError,
    MalformedBlobError,
    PayloadTooLargeError,
    SpecMismatchError,
)

DEFAULT_MAX_BYTES: Final = 256 * 1024 * 1024
"""Largest encoded model or update accepted by default: 256 MiB."""

# safetensors ships no annotations for deserialize: name the shape it returns.
_st_deserialize = cast(Callable[[bytes], list[tuple[str, dict[str, Any]]]], safetensors.deserialize)

# Safetensors dtype tags -> NumPy dtypes (little-endian), for the allowed set only.
_DTYPES: Final[dict[str, np.dtype[Any]]] = {
    "BOOL": np.dtype("|b1"),
    "F16": np.dtype("<f2"),
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
    "I8": np.dtype("|i1"),
    "I16": np.dtype("<i2"),
    "I32": np.dtype("<i4"),
    "I64": np.dtype("<i8"),
    "U8": np.dtype("|u1"),
    "U16": np.dtype("<u2"),
    "U32": np.dtype("<u4"),
    "U64": np.dtype("<u8"),
}


def encode(
    arrays: NamedArrays, spec: ModelSpec | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> bytes:
    """Encode named arrays as canonical safetensors bytes.

    Parameters
    ----------
    arrays
        A mapping from tensor name to array, or ``(name, array)`` pairs. Order is irrelevant.
    spec
        If given, the arrays must match it exactly (names, dtypes, shapes, ``max_params``).
    max_bytes
        Largest encoded size accepted.

    Returns
    -------
    bytes
        Safetensors bytes that depend only on the names, dtypes, shapes and values.

    Raises
    ------
    ConfigError
        Invalid or repeated names, values that are not arrays, or a bad ``max_bytes``.
    SpecMismatchError
        A dtype outside :data:`~fedchain.codec.ALLOWED_DTYPES`, or a mismatch with ``spec``.
    PayloadTooLargeError
        More than ``max_bytes`` bytes or more than the spec's ``max_params`` elements.
    NonFiniteError
        NaN or Inf in a floating-point tensor.

    Examples
    --------
    >>> import numpy as np
    >>> blob = encode({"w": np.ones((2, 2), np.float32), "b": np.zeros(2, np.float32)})
    >>> blob == encode([("b", np.zeros(2, np.float32)), ("w", np.ones((2, 2), np.float32))])
    True
    >>> list(decode(blob))
    ['b', 'w']
    """
    check_max_bytes(max_bytes)
    _check_spec_type(spec)
    canonical = canonical_arrays(arrays)
    check_size(canonical, spec, max_bytes)
    if spec is not None:
        check_spec(canonical, spec)
    check_finite(canonical)
    data = _serialize(canonical)
    if len(data) > max_bytes:
        raise PayloadTooLargeError(f"encoded size {len(data)} exceeds {max_bytes} bytes")
    return data


def decode(
    data: bytes,
    spec: ModelSpec | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    canonical: bool = True,
) -> dict[str, NDArray]:
    """Decode and validate safetensors bytes produced by :func:`encode`.

    Parameters
    ----------
    data
        The encoded bytes (``bytes``, ``bytearray`` or ``memoryview``).
    spec
        If given, the tensors must match it exactly (names, dtypes, shapes, ``max_params``).
    max_bytes
        Largest input accepted; checked before anything is parsed.
    canonical
        Refuse bytes that differ from what :func:`encode` produces for the same tensors.

    Returns
    -------
    dict[str, numpy.ndarray]
        Tensors ordered by name; each a writable, native-byte-order array sharing memory with
        neither ``data`` nor the other arrays.

    Raises
    ------
    PayloadTooLargeError
        Input longer than ``max_bytes``, or more elements than the spec's ``max_params``.
    MalformedBlobError
        Not safetensors bytes (truncated, garbage, bad header, overlapping or out-of-range
        offsets, trailing bytes, bad tensor names, invalid booleans), or not canonical.
    SpecMismatchError
        A dtype outside the allowed set, or names, dtypes or shapes that differ from ``spec``.
    NonFiniteError
        NaN or Inf in a floating-point tensor.

    Examples
    --------
    >>> import numpy as np
    >>> spec = ModelSpec.from_arrays({"w": np.zeros(3, np.float64)})
    >>> decode(encode({"w": np.arange(3.0)}), spec)["w"]
    array([0., 1., 2.])
    """
    check_max_bytes(max_bytes)
    _check_spec_type(spec)
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ConfigError(f"data must be bytes, not {type(data).__name__}")
    size = memoryview(data).nbytes
    if size > max_bytes:
        raise PayloadTooLargeError(f"blob of {size} bytes exceeds {max_bytes}")
    data = bytes(data)
    arrays = sorted(_parse(data), key=lambda item: item[0])
    if canonical and _serialize(arrays) != data:
        raise MalformedBlobError("blob is not in canonical form")
    check_size(arrays, spec, max_bytes)
    if spec is not None:
        check_spec(arrays, spec)
    check_finite(arrays)
    return {name: array.astype(array.dtype.newbyteorder("="), copy=False) for name, array in arrays}


def _check_spec_type(spec: object) -> None:
    if spec is not None and not isinstance(spec, ModelSpec):
        raise ConfigError(f"spec must be a ModelSpec or None, not {type(spec).__name__}")


def _serialize(arrays: list[tuple[str, NDArray]]) -> bytes:
    """Safetensors bytes of name-sorted, C-contiguous, little-endian arrays; no metadata."""
    return bytes(_st_save(dict(arrays), metadata=None))


def _parse(data: bytes) -> list[tuple[str, NDArray]]:
    """Parse safetensors bytes into (name, little-endian array) pairs; no spec checks."""
    try:
        entries = _st_deserialize(data)
    except Exception as exc:
        raise MalformedBlobError(f"not a valid safetensors blob: {exc}") from exc
    except BaseException as exc:  # pyo3 turns a Rust panic into PanicException(BaseException)
        if type(exc).__name__ != "PanicException":
            raise
        raise MalformedBlobError("not a valid safetensors blob") from exc
    result = []
    for name, info in entries:
        problem = tensor_name_problem(name)
        if problem is not None:
            raise MalformedBlobError(problem)
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise SpecMismatchError(f"tensor {name!r} has dtype {info['dtype']}, not allowed")
        raw = info["data"]  # a fresh bytearray per tensor: writable and shared with no one
        buffer = raw if type(raw) is bytearray else bytearray(raw)
        array = np.frombuffer(buffer, dtype=dtype).reshape(tuple(info["shape"]))
        if dtype.kind == "b" and array.view(np.uint8).max(initial=0) > 1:
            raise MalformedBlobError(f"tensor {name!r} holds booleans other than 0 and 1")
        result.append((name, array))
    return result
