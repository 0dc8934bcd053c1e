"""Run an existing Flower client, unchanged, as a fedchain client whose every answer is checked.

:class:`FlowerClientAdapter` accepts

* a ``flwr.client.NumPyClient`` (or any object with its three methods): called directly;
* a ``flwr.client.Client``, such as the result of ``NumPyClient.to_client()``: unwrapped to its NumPyClient
  when it holds one, otherwise driven through Flower's message API (``FitIns`` / ``FitRes``, with Flower's
  own ``ndarrays_to_parameters`` / ``parameters_to_ndarrays`` serialisation);
* any other object with a ``to_client()`` method: converted once, then as above.

``flwr`` is imported only when an object needs it (``pip install 'fedchain[flower]'``).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

import numpy as np

from fedchain.codec import ModelSpec, TensorSpec
from fedchain.exceptions import ConfigError, SpecMismatchError
from fedchain.fl.client import (
    ClientResultError,
    check_config,
    check_parameters,
    validate_evaluate_result,
    validate_fit_result,
)
from fedchain.fl.typing import Config, Metrics, NDArrays

FLOWER_EXTRA = "fedchain[flower]"
"""The extra that installs Flower."""


def import_flwr() -> ModuleType:
    """Return the ``flwr`` module, or raise :class:`ConfigError` naming the extra to install."""
    try:
        return importlib.import_module("flwr")
    except ImportError:
        raise ConfigError(f"this needs Flower: pip install '{FLOWER_EXTRA}'") from None


def spec_of(parameters: NDArrays) -> ModelSpec:
    """Describe a list of arrays as a spec named ``"000000"``, ``"000001"``, ... (names sort in list order).

    Raises
    ------
    SpecMismatchError
        If ``parameters`` is not a list of arrays of allowed dtypes.

    Examples
    --------
    >>> import numpy as np
    >>> spec_of([np.zeros((2, 2), np.float32), np.zeros(2, np.float32)]).names
    ('000000', '000001')
    """
    if not isinstance(parameters, list | tuple) or not all(isinstance(p, np.ndarray) for p in parameters):
        raise SpecMismatchError("parameters must be a list of numpy arrays")
    try:
        tensors = tuple(
            TensorSpec(f"{i:06d}", p.dtype.name, tuple(p.shape)) for i, p in enumerate(parameters)
        )
    except ConfigError as exc:  # a dtype the codec does not allow
        raise SpecMismatchError(str(exc)) from None
    return ModelSpec(tensors)


class FlowerClientAdapter:
    """A Flower client, unchanged, behind fedchain's checks.

    Parameters
    ----------
    flwr_client
        A Flower ``NumPyClient``, a Flower ``Client``, or an object with ``to_client()``.
    spec
        The task's spec; parameters in and out must match it. ``None``: what ``fit`` returns must match what
        it was given (count, dtypes, shapes).

    Examples
    --------
    >>> import numpy as np
    >>> class Doubling:  # a Flower NumPyClient would do the same
    ...     def get_parameters(self, config):
    ...         return [np.ones(3, np.float32)]
    ...     def fit(self, parameters, config):
    ...         return [2 * p for p in parameters], np.int64(8), {"epochs": config["local_epochs"]}
    ...     def evaluate(self, parameters, config):
    ...         return 0.1, 8, {}
    >>> client = FlowerClientAdapter(Doubling())
    >>> params, n, metrics = client.fit(client.get_parameters({}), {"local_epochs": np.int32(2)})
    >>> params[0].tolist(), type(n).__name__, metrics
    ([2.0, 2.0, 2.0], 'int', {'epochs': 2})
    """

    def __init__(self, flwr_client: object, spec: ModelSpec | None = None) -> None:
        self.spec = spec
        self._numpy: Any = None
        self._client: Any = None
        target = flwr_client
        if not _is_numpy_client(target) and callable(getattr(target, "to_client", None)):
            import_flwr()
            target = target.to_client()  # type: ignore[attr-defined]
        if _is_numpy_client(target) and not _is_flwr_client(target):
            self._numpy = target
        elif _is_flwr_client(target):
            inner = getattr(target, "numpy_client", None)
            if _is_numpy_client(inner):
                self._numpy = inner
            else:
                self._client = target
        else:
            raise ConfigError(f"{type(flwr_client).__name__} is not a Flower NumPyClient or Client")

    @property
    def wrapped(self) -> Any:
        """The Flower object called: a NumPyClient, or a Client driven by messages."""
        return self._numpy if self._numpy is not None else self._client

    def get_parameters(self, config: Config) -> NDArrays:
        """Return the client's parameters, checked against the spec (when given) and for finiteness."""
        cfg = check_config(config)
        if self._numpy is not None:
            arrays = self._numpy.get_parameters(cfg)
        else:
            common = import_flwr().common
            res = self._client.get_parameters(common.GetParametersIns(config=cfg))
            _check_status(res.status, "get_parameters")
            arrays = common.parameters_to_ndarrays(res.parameters)
        return check_parameters(arrays, self.spec if self.spec is not None else spec_of(arrays))

    def fit(self, parameters: NDArrays, config: Config) -> tuple[NDArrays, int, Metrics]:
        """Call the client's ``fit`` and return its result, checked (see :func:`validate_fit_result`)."""
        spec = self._spec_for(parameters)
        cfg = check_config(config)
        if self._numpy is not None:
            result = self._numpy.fit(list(parameters), cfg)
        else:
            common = import_flwr().common
            res = self._client.fit(common.FitIns(common.ndarrays_to_parameters(parameters), cfg))
            _check_status(res.status, "fit")
            result = (common.parameters_to_ndarrays(res.parameters), res.num_examples, res.metrics)
        return validate_fit_result(result, spec)

    def evaluate(self, parameters: NDArrays, config: Config) -> tuple[float, int, Metrics]:
        """Call the client's ``evaluate``; return its result, checked by :func:`validate_evaluate_result`."""
        self._spec_for(parameters)
        cfg = check_config(config)
        if self._numpy is not None:
            result = self._numpy.evaluate(list(parameters), cfg)
        else:
            common = import_flwr().common
            res = self._client.evaluate(common.EvaluateIns(common.ndarrays_to_parameters(parameters), cfg))
            _check_status(res.status, "evaluate")
            result = (res.loss, res.num_examples, res.metrics)
        return validate_evaluate_result(result)

    def _spec_for(self, parameters: NDArrays) -> ModelSpec:
        spec = self.spec if self.spec is not None else spec_of(parameters)
        check_parameters(parameters, spec)
        return spec


def _is_numpy_client(obj: object) -> bool:
    return all(callable(getattr(obj, name, None)) for name in ("get_parameters", "fit", "evaluate")) and not (
        isinstance(obj, Mapping)
    )


def _is_flwr_client(obj: object) -> bool:
    """True for a ``flwr.client.Client`` (checked without importing Flower when it is not loaded)."""
    return any(cls.__module__.startswith("flwr.") and cls.__name__ == "Client" for cls in type(obj).__mro__)


def _check_status(status: Any, method: str) -> None:
    if getattr(getattr(status, "code", None), "name", None) != "OK":
        raise ClientResultError(f"Flower client's {method} returned status {status!r}")
