"""What a model or update must look like: tensor names, dtypes and shapes.

A :class:`ModelSpec` is part of a task's definition; its :meth:`ModelSpec.spec_hash` (SHA-256 of
the canonical JSON form) is what the task spec on-chain refers to.
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from fedchain.codec._types import NamedArrays, NDArray
from fedchain.exceptions import ConfigError

ALLOWED_DTYPES: Final = frozenset(
    {
        "bool",
        "float16",
        "float32",
        "float64",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
    }
)
"""NumPy dtype names a model or update may use."""

MAX_NAME_LENGTH: Final = 512
"""Longest tensor name accepted, in characters."""

SPEC_FORMAT: Final = "fedchain.model-spec/1"
"""Format tag written into the canonical JSON of a :class:`ModelSpec`."""

_RESERVED_NAMES: Final = frozenset({"__metadata__"})  # safetensors' header key for metadata


def tensor_name_problem(name: object) -> str | None:
    """Return why ``name`` is not an acceptable tensor name, or ``None`` if it is.

    A name is a non-empty ``str`` of at most :data:`MAX_NAME_LENGTH` characters, valid as UTF-8,
    without control characters, and not ``"__metadata__"``.
    """
    if not isinstance(name, str):
        return f"tensor name must be a str, not {type(name).__name__}"
    if not 0 < len(name) <= MAX_NAME_LENGTH:
        return f"tensor name must have 1 to {MAX_NAME_LENGTH} characters"
    if name in _RESERVED_NAMES:
        return f"tensor name {name!r} is reserved"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "tensor name is not valid UTF-8"
    if any(unicodedata.category(char) in ("Cc", "Cs") for char in name):
        return f"tensor name {name!r} holds control characters"
    return None


@dataclass(frozen=True, slots=True)
class TensorSpec:
    """The expected name, dtype and shape of one tensor.

    Parameters
    ----------
    name
        Tensor name (see :func:`tensor_name_problem` for the rules).
    dtype
        A NumPy dtype name from :data:`ALLOWED_DTYPES`, e.g. ``"float32"``.
    shape
        Non-negative dimensions; ``()`` for a scalar. Lists are converted to tuples.

    Raises
    ------
    ConfigError
        If any field is invalid.

    Examples
    --------
    >>> TensorSpec("dense.kernel", "float32", (3, 2)).num_params
    6
    """

    name: str
    dtype: str
    shape: tuple[int, ...]

    def __post_init__(self) -> None:
        problem = tensor_name_problem(self.name)
        if problem is not None:
            raise ConfigError(problem)
        if self.dtype not in ALLOWED_DTYPES:
            raise ConfigError(f"dtype {self.dtype!r} is not one of {sorted(ALLOWED_DTYPES)}")
        if not isinstance(self.shape, tuple | list) or not all(
            type(dim) is int and dim >= 0 for dim in self.shape
        ):
            raise ConfigError(f"shape must be a tuple of non-negative ints, not {self.shape!r}")
        object.__setattr__(self, "shape", tuple(self.shape))

    @classmethod
    def from_array(cls, name: str, array: NDArray) -> TensorSpec:
        """Describe ``array`` under ``name``.

        Raises
        ------
        ConfigError
            If ``array`` is not a NumPy array, or its name or dtype is not allowed.
        """
        if not isinstance(array, np.ndarray):
            raise ConfigError(f"tensor {name!r} must be a numpy.ndarray")
        return cls(name, array.dtype.name, tuple(int(dim) for dim in array.shape))

    @property
    def num_params(self) -> int:
        """Number of elements (1 for a scalar)."""
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        """Size of the tensor's data in bytes."""
        return self.num_params * np.dtype(self.dtype).itemsize

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"dtype": str, "name": str, "shape": list[int]}``."""
        return {"dtype": self.dtype, "name": self.name, "shape": list(self.shape)}


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """The full set of tensors a model or update must hold, in canonical (name-sorted) order.

    Parameters
    ----------
    tensors
        One :class:`TensorSpec` per tensor, names unique; stored sorted by name.
    max_params
        Optional cap on the total number of elements; ``None`` means no cap.

    Raises
    ------
    ConfigError
        If names repeat, ``max_params`` is not a non-negative int, or the tensors exceed it.

    Examples
    --------
    >>> import numpy as np
    >>> spec = ModelSpec.from_arrays({"w": np.zeros((2, 3), np.float32), "b": np.zeros(3)})
    >>> spec.names, spec.num_params
    (('b', 'w'), 9)
    >>> len(spec.spec_hash())
    32
    """

    tensors: tuple[TensorSpec, ...]
    max_params: int | None = None

    def __post_init__(self) -> None:
        tensors = tuple(self.tensors)
        if not all(isinstance(tensor, TensorSpec) for tensor in tensors):
            raise ConfigError("tensors must be TensorSpec instances")
        names = [tensor.name for tensor in tensors]
        if len(set(names)) != len(names):
            raise ConfigError("tensor names must be unique")
        object.__setattr__(self, "tensors", tuple(sorted(tensors, key=lambda t: t.name)))
        if self.max_params is not None:
            if type(self.max_params) is not int or self.max_params < 0:
                raise ConfigError("max_params must be a non-negative int or None")
            if self.num_params > self.max_params:
                raise ConfigError(
                    f"spec holds {self.num_params} parameters, over max_params={self.max_params}"
                )

    @classmethod
    def from_arrays(
        cls,
        named_arrays: NamedArrays,
        max_params: int | None = None,
    ) -> ModelSpec:
        """Describe a set of named arrays (a mapping or ``(name, array)`` pairs)."""
        items = named_arrays.items() if isinstance(named_arrays, Mapping) else named_arrays
        return cls(tuple(TensorSpec.from_array(name, array) for name, array in items), max_params)

    @property
    def names(self) -> tuple[str, ...]:
        """Tensor names in canonical order."""
        return tuple(tensor.name for tensor in self.tensors)

    @property
    def num_params(self) -> int:
        """Total number of elements over all tensors."""
        return sum(tensor.num_params for tensor in self.tensors)

    def tensor(self, name: str) -> TensorSpec:
        """Return the spec of tensor ``name``.

        Raises
        ------
        KeyError
            If the spec has no such tensor.
        """
        for tensor in self.tensors:
            if tensor.name == name:
                return tensor
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form, tagged with :data:`SPEC_FORMAT`."""
        return {
            "format": SPEC_FORMAT,
            "max_params": self.max_params,
            "tensors": [tensor.to_dict() for tensor in self.tensors],
        }

    def canonical_json(self) -> bytes:
        """Return the canonical JSON bytes: sorted keys, no whitespace, ASCII only."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return text.encode("ascii")

    def spec_hash(self) -> bytes:
        """Return the SHA-256 of :meth:`canonical_json` (32 bytes), as referenced by a task."""
        return hashlib.sha256(self.canonical_json()).digest()

    @classmethod
    def from_json(cls, text: str | bytes) -> ModelSpec:
        """Parse the output of :meth:`canonical_json`.

        Raises
        ------
        ConfigError
            If ``text`` is not valid JSON of the expected form.
        """
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("format") != SPEC_FORMAT:
                raise ConfigError(f"not a {SPEC_FORMAT} document")
            if set(data) != {"format", "max_params", "tensors"}:
                raise ConfigError("model spec needs exactly: format, max_params, tensors")
            tensors = tuple(_tensor_from_dict(entry) for entry in data["tensors"])
        except (ValueError, TypeError, KeyError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"invalid model spec JSON: {exc!r}") from None
        return cls(tensors, data["max_params"])


def _tensor_from_dict(entry: object) -> TensorSpec:
    if not isinstance(entry, dict) or set(entry) != {"dtype", "name", "shape"}:
        raise ConfigError("a tensor spec needs exactly: dtype, name, shape")
    if not isinstance(entry["shape"], list):
        raise ConfigError("a tensor spec's shape must be a list")
    return TensorSpec(entry["name"], entry["dtype"], tuple(entry["shape"]))
