"""Pure validation of named arrays: structure, dtype, spec, size and finiteness.

Every function takes arrays and returns a value or raises a :class:`~fedchain.exceptions.CodecError`
subclass naming the offending tensor; none of them does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from fedchain.codec._spec import ALLOWED_DTYPES, ModelSpec, tensor_name_problem
from fedchain.codec._types import NamedArrays, NDArray
from fedchain.exceptions import (
    ConfigError,
    NonFiniteError,
    PayloadTooLargeError,
    SpecMismatchError,
)

_SHOWN_NAMES = 5  # how many names an error message lists at most


def canonical_arrays(named: NamedArrays) -> list[tuple[str, NDArray]]:
    """Return the arrays sorted by name, C-contiguous and little-endian (values unchanged).

    Raises
    ------
    ConfigError
        If the input is not a mapping or ``(name, array)`` pairs, a name is invalid or repeated,
        or a value is not a plain ``numpy.ndarray``.
    SpecMismatchError
        If a dtype is not in :data:`~fedchain.codec.ALLOWED_DTYPES`.
    """
    if isinstance(named, Mapping):
        items: list[Any] = list(named.items())
    elif isinstance(named, str | bytes) or not isinstance(named, Iterable):
        raise ConfigError("arrays must be a mapping or a sequence of (name, array) pairs")
    else:
        items = list(named)
    result: dict[str, NDArray] = {}
    for item in items:
        if not isinstance(item, tuple) or len(item) != 2:
            raise ConfigError("arrays must be a mapping or a sequence of (name, array) pairs")
        name, array = item
        problem = tensor_name_problem(name)
        if problem is not None:
            raise ConfigError(problem)
        if name in result:
            raise ConfigError(f"tensor name {name!r} appears twice")
        if not isinstance(array, np.ndarray) or isinstance(array, np.ma.MaskedArray):
            raise ConfigError(f"tensor {name!r} must be a numpy.ndarray, not {type(array).__name__}")
        if array.dtype.name not in ALLOWED_DTYPES or array.dtype.fields is not None:
            raise SpecMismatchError(f"tensor {name!r} has dtype {array.dtype}, which is not allowed")
        little = array.dtype.newbyteorder("<")
        result[name] = np.asarray(array, dtype=little, order="C")
    return sorted(result.items())


def check_spec(arrays: Sequence[tuple[str, NDArray]], spec: ModelSpec) -> None:
    """Check that ``arrays`` hold exactly the tensors of ``spec``, with its dtypes and shapes.

    Raises
    ------
    SpecMismatchError
        On a missing or extra name, or a dtype or shape that differs, naming the tensor.
    """
    present = {name for name, _ in arrays}
    expected = set(spec.names)
    if present != expected:
        missing, extra = sorted(expected - present), sorted(present - expected)
        parts = []
        if missing:
            parts.append(f"missing {_show(missing)}")
        if extra:
            parts.append(f"unexpected {_show(extra)}")
        raise SpecMismatchError("tensor names differ from the spec: " + "; ".join(parts))
    wanted = {tensor.name: tensor for tensor in spec.tensors}
    for name, array in arrays:
        want = wanted[name]
        if array.dtype.name != want.dtype:
            raise SpecMismatchError(
                f"tensor {name!r} has dtype {array.dtype.name}, the spec says {want.dtype}"
            )
        if tuple(array.shape) != want.shape:
            raise SpecMismatchError(
                f"tensor {name!r} has shape {tuple(array.shape)}, the spec says {want.shape}"
            )


def check_size(arrays: Sequence[tuple[str, NDArray]], spec: ModelSpec | None, max_bytes: int) -> None:
    """Check the total data size against ``max_bytes`` and the element count against the spec.

    Raises
    ------
    PayloadTooLargeError
        If the data exceeds ``max_bytes`` or the spec's ``max_params``.
    """
    nbytes = sum(array.nbytes for _, array in arrays)
    if nbytes > max_bytes:
        raise PayloadTooLargeError(f"tensor data of {nbytes} bytes exceeds {max_bytes}")
    if spec is not None and spec.max_params is not None:
        params = sum(array.size for _, array in arrays)
        if params > spec.max_params:
            raise PayloadTooLargeError(f"{params} parameters exceed the spec's max_params={spec.max_params}")


def check_finite(arrays: Iterable[tuple[str, NDArray]]) -> None:
    """Check that no floating-point tensor holds NaN, +Inf or -Inf.

    Raises
    ------
    NonFiniteError
        Naming the first offending tensor (in the given order) and what it holds.
    """
    for name, array in arrays:
        if array.dtype.kind != "f" or bool(np.isfinite(array).all()):
            continue
        found = [
            label
            for label, present in (
                ("NaN", np.isnan(array).any()),
                ("+Inf", np.isposinf(array).any()),
                ("-Inf", np.isneginf(array).any()),
            )
            if present
        ]
        raise NonFiniteError(f"tensor {name!r} holds {', '.join(found)}")


def check_max_bytes(max_bytes: object) -> int:
    """Return ``max_bytes`` if it is a positive int, else raise :class:`ConfigError`."""
    if type(max_bytes) is not int or max_bytes <= 0:
        raise ConfigError(f"max_bytes must be a positive int, not {max_bytes!r}")
    return max_bytes


def _show(names: list[str]) -> str:
    shown = ", ".join(repr(name) for name in names[:_SHOWN_NAMES])
    more = len(names) - _SHOWN_NAMES
    return shown + (f" and {more} more" if more > 0 else "")
