"""The client protocol: Flower's ``NumPyClient`` methods, so a Flower client fits as it is.

A participant's learning code is any object with ``get_parameters``, ``fit`` and ``evaluate`` of
:class:`NumPyClient`'s signatures: a subclass of ``flwr.client.NumPyClient``, one of the adapters in
:mod:`fedchain.fl.adapters`, or a plain class. Nothing a client returns is trusted:
:func:`validate_fit_result` and :func:`validate_evaluate_result` check it against the task's
:class:`~fedchain.codec.ModelSpec` before it goes anywhere.

Examples
--------
>>> import numpy as np
>>> from fedchain.codec import ModelSpec
>>> class Constant:
...     def get_parameters(self, config):
...         return [np.zeros(2, np.float32)]
...     def fit(self, parameters, config):
...         return [p + 1 for p in parameters], 10, {}
...     def evaluate(self, parameters, config):
...         return 0.5, 10, {"accuracy": 1.0}
>>> client = Constant()
>>> isinstance(client, NumPyClient)
True
>>> spec = ModelSpec.from_arrays({"w": np.zeros(2, np.float32)})
>>> validate_fit_result(client.fit(client.get_parameters({}), {}), spec).num_examples
10
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import numpy as np

from fedchain.codec import ModelSpec
from fedchain.exceptions import ClientResultError, ConfigError, NonFiniteError
from fedchain.fl.typing import (
    Config,
    EvaluateRes,
    FitRes,
    Metrics,
    NDArrays,
    Scalar,
    check_arrays,
)


@runtime_checkable
class NumPyClient(Protocol):
    """A participant's local learning, with exactly the methods of Flower's ``flwr.client.NumPyClient``.

    ``isinstance(obj, NumPyClient)`` checks that the three methods exist (not their signatures).
    """

    def get_parameters(self, config: Config) -> NDArrays:
        """Return the current local parameters, in the task spec's order."""
        ...

    def fit(self, parameters: NDArrays, config: Config) -> tuple[NDArrays, int, Metrics]:
        """Train from ``parameters``; return ``(new parameters, num_examples, metrics)``."""
        ...

    def evaluate(self, parameters: NDArrays, config: Config) -> tuple[float, int, Metrics]:
        """Evaluate ``parameters`` on local data; return ``(loss, num_examples, metrics)``."""
        ...


def to_scalar(value: object, what: str) -> Scalar:
    """Return ``value`` as a Python :data:`~fedchain.fl.typing.Scalar` (NumPy scalars become Python ones).

    Raises
    ------
    ConfigError
        If ``value`` is not a bool, bytes, float, int or str (or a NumPy scalar of those kinds).
    """
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        value = value.item()
    if isinstance(value, bool | bytes | float | int | str):
        return value
    raise ConfigError(f"{what} must be bool, bytes, float, int or str, not {type(value).__name__}")


def check_config(config: Mapping[str, object] | None) -> Config:
    """Return a fresh :data:`~fedchain.fl.typing.Config` with Python scalar values.

    Raises
    ------
    ConfigError
        If ``config`` is not a mapping with ``str`` keys and scalar values.

    Examples
    --------
    >>> import numpy as np
    >>> check_config({"local_epochs": np.int64(2)})
    {'local_epochs': 2}
    """
    if config is None:
        return {}
    if not isinstance(config, Mapping):
        raise ConfigError(f"config must be a mapping, not {type(config).__name__}")
    checked: Config = {}
    for key, value in config.items():
        if not isinstance(key, str):
            raise ConfigError(f"config keys must be str, not {type(key).__name__}")
        checked[key] = to_scalar(value, f"config[{key!r}]")
    return checked


def check_parameters(parameters: object, spec: ModelSpec) -> NDArrays:
    """Check parameters against ``spec`` (count, order, dtype, shape) and for NaN/Inf; return them as a list.

    Raises
    ------
    SpecMismatchError
        If the arrays differ from the spec.
    NonFiniteError
        If a floating-point array holds NaN or Inf, naming the tensor.

    Examples
    --------
    >>> import numpy as np
    >>> from fedchain.codec import ModelSpec
    >>> spec = ModelSpec.from_arrays({"w": np.zeros(2, np.float32)})
    >>> check_parameters([np.ones(2)], spec)
    Traceback (most recent call last):
    ...
    fedchain.exceptions.SpecMismatchError: tensor 'w' has dtype float64, the spec says float32
    """
    arrays = check_arrays(parameters, spec)
    for name, array in zip(spec.names, arrays, strict=True):
        if array.dtype.kind == "f" and not bool(np.isfinite(array).all()):
            raise NonFiniteError(f"tensor {name!r} holds {'NaN' if np.isnan(array).any() else 'Inf'}")
    return arrays


def validate_fit_result(result: object, spec: ModelSpec) -> FitRes:
    """Check what a client's ``fit`` returned and return it as a :class:`~fedchain.fl.typing.FitRes`.

    The parameters must match ``spec`` (count, order, dtype, shape) and be finite; ``num_examples`` a
    positive int (NumPy integers are accepted); metrics a ``dict`` of str to scalar.

    Raises
    ------
    ClientResultError
        If ``result`` is not a 3-tuple, ``num_examples`` is not a positive int, or the metrics are invalid.
    SpecMismatchError
        If the parameters differ from the spec.
    NonFiniteError
        If a parameter holds NaN or Inf.

    Examples
    --------
    >>> import numpy as np
    >>> from fedchain.codec import ModelSpec
    >>> spec = ModelSpec.from_arrays({"w": np.zeros(2)})
    >>> validate_fit_result(([np.array([np.nan, 0.0])], 5, {}), spec)
    Traceback (most recent call last):
    ...
    fedchain.exceptions.NonFiniteError: tensor 'w' holds NaN
    """
    parameters, num_examples, metrics = _triple(result, "fit")
    return FitRes(check_parameters(parameters, spec), _num_examples(num_examples), _metrics(metrics))


def validate_evaluate_result(result: object) -> EvaluateRes:
    """Check what a client's ``evaluate`` returned; return it as an :class:`~fedchain.fl.typing.EvaluateRes`.

    Raises
    ------
    ClientResultError
        If ``result`` is not a 3-tuple, the loss is not a real number, ``num_examples`` is not a positive
        int, or the metrics are invalid.
    NonFiniteError
        If the loss is NaN or infinite.

    Examples
    --------
    >>> validate_evaluate_result((0.25, 40, {"accuracy": 0.9}))
    EvaluateRes(loss=0.25, num_examples=40, metrics={'accuracy': 0.9})
    """
    loss, num_examples, metrics = _triple(result, "evaluate")
    if isinstance(loss, bool) or not isinstance(loss, float | int | np.floating | np.integer):
        raise ClientResultError(f"evaluate's loss must be a real number, not {type(loss).__name__}")
    if not math.isfinite(float(loss)):
        raise NonFiniteError(f"evaluate's loss is {float(loss)}")
    return EvaluateRes(float(loss), _num_examples(num_examples), _metrics(metrics))


def _triple(result: object, method: str) -> tuple[object, object, object]:
    if not isinstance(result, tuple | list) or len(result) != 3:
        raise ClientResultError(f"{method} must return a 3-tuple, not {type(result).__name__}")
    return result[0], result[1], result[2]


def _num_examples(value: object) -> int:
    if isinstance(value, np.integer):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ClientResultError(f"num_examples must be an int, not {type(value).__name__}")
    if value <= 0:
        raise ClientResultError(f"num_examples must be positive, not {value}")
    return value


def _metrics(metrics: object) -> Metrics:
    if not isinstance(metrics, dict):
        raise ClientResultError(f"metrics must be a dict, not {type(metrics).__name__}")
    try:
        return check_config(metrics)
    except ConfigError as exc:
        raise ClientResultError(str(exc).replace("config", "metrics")) from None


__all__ = [
    "ClientResultError",
    "NumPyClient",
    "check_config",
    "check_parameters",
    "to_scalar",
    "validate_evaluate_result",
    "validate_fit_result",
]
