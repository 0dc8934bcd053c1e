"""Types shared by clients and strategies, after Flower's ``flwr.common.typing``, plus spec-checked views.

A client speaks in :data:`NDArrays` (a list of arrays, in the order of :attr:`ModelSpec.names`); storage and
the codec speak in named arrays. :func:`to_named` and :func:`from_named` convert between the two and refuse
anything that does not match the spec exactly: no silent casts, no reshapes.

Examples
--------
>>> import numpy as np
>>> from fedchain.codec import ModelSpec
>>> spec = ModelSpec.from_arrays({"w": np.zeros((2, 3)), "b": np.zeros(3)})
>>> named = to_named([np.ones(3), np.ones((2, 3))], spec)
>>> list(named)
['b', 'w']
>>> [a.shape for a in from_named(named, spec)]
[(3,), (2, 3)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt

from fedchain.codec import ModelSpec
from fedchain.exceptions import SpecMismatchError

NDArray: TypeAlias = npt.NDArray[Any]
"""Any NumPy array (Flower's ``NDArray``)."""

NDArrays: TypeAlias = list[NDArray]
"""A model or update as a list of arrays, in :attr:`ModelSpec.names` order."""

Scalar: TypeAlias = bool | bytes | float | int | str
"""A config or metric value, as Flower allows."""

Config: TypeAlias = dict[str, Scalar]
"""Instructions from the coordinator to a client (``"local_epochs"``, ``"proximal_mu"``, ...)."""

Metrics: TypeAlias = dict[str, Scalar]
"""What a client reports besides its parameters."""


class FitRes(NamedTuple):
    """What :meth:`NumPyClient.fit` returns, checked: ``(parameters, num_examples, metrics)``."""

    parameters: NDArrays
    num_examples: int
    metrics: Metrics


class EvaluateRes(NamedTuple):
    """What :meth:`NumPyClient.evaluate` returns, checked: ``(loss, num_examples, metrics)``."""

    loss: float
    num_examples: int
    metrics: Metrics


def check_arrays(arrays: object, spec: ModelSpec) -> NDArrays:
    """Check that ``arrays`` hold one array per tensor of ``spec``, in order, with its dtype and shape.

    Returns the arrays as a new list (the arrays themselves are not copied).

    Raises
    ------
    SpecMismatchError
        If ``arrays`` is not a list or tuple of ``numpy.ndarray``, or the count, a dtype or a shape differs;
        the message names the tensor.
    """
    if not isinstance(arrays, list | tuple):
        raise SpecMismatchError(f"parameters must be a list of numpy arrays, not {type(arrays).__name__}")
    if len(arrays) != len(spec.tensors):
        raise SpecMismatchError(f"got {len(arrays)} arrays, the spec has {len(spec.tensors)} tensors")
    for array, want in zip(arrays, spec.tensors, strict=True):
        if not isinstance(array, np.ndarray):
            raise SpecMismatchError(
                f"tensor {want.name!r} must be a numpy.ndarray, not {type(array).__name__}"
            )
        if array.dtype.name != want.dtype:
            raise SpecMismatchError(
                f"tensor {want.name!r} has dtype {array.dtype.name}, the spec says {want.dtype}"
            )
        if tuple(array.shape) != want.shape:
            raise SpecMismatchError(
                f"tensor {want.name!r} has shape {tuple(array.shape)}, the spec says {want.shape}"
            )
    return list(arrays)


def to_named(arrays: Sequence[NDArray], spec: ModelSpec) -> dict[str, NDArray]:
    """Name a list of arrays by the spec's canonical order (the arrays themselves are not copied).

    Raises
    ------
    SpecMismatchError
        See :func:`check_arrays`.

    Examples
    --------
    >>> import numpy as np
    >>> from fedchain.codec import ModelSpec
    >>> spec = ModelSpec.from_arrays({"bias": np.zeros(2, np.float32)})
    >>> to_named([np.ones(2, np.float32)], spec)
    {'bias': array([1., 1.], dtype=float32)}
    """
    return dict(zip(spec.names, check_arrays(arrays, spec), strict=True))


def from_named(named: Mapping[str, NDArray], spec: ModelSpec) -> NDArrays:
    """Return the arrays of ``named`` as a list in the spec's canonical order (not copied).

    Raises
    ------
    SpecMismatchError
        If a name is missing or extra, or a dtype or shape differs from the spec.

    Examples
    --------
    >>> import numpy as np
    >>> from fedchain.codec import ModelSpec
    >>> spec = ModelSpec.from_arrays({"b": np.zeros(1), "a": np.zeros(2)})
    >>> [a.size for a in from_named({"a": np.zeros(2), "b": np.zeros(1)}, spec)]
    [2, 1]
    """
    if not isinstance(named, Mapping):
        raise SpecMismatchError(f"named arrays must be a mapping, not {type(named).__name__}")
    if set(named) != set(spec.names):
        missing = sorted(set(spec.names) - set(named))
        extra = sorted(map(str, set(named) - set(spec.names)))
        raise SpecMismatchError(f"tensor names differ from the spec: missing {missing}, unexpected {extra}")
    return check_arrays([named[name] for name in spec.names], spec)


__all__ = [
    "Config",
    "EvaluateRes",
    "FitRes",
    "Metrics",
    "NDArray",
    "NDArrays",
    "Scalar",
    "check_arrays",
    "from_named",
    "to_named",
]
