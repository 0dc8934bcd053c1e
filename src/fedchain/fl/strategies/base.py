"""The server-strategy interface: configure a round, aggregate its results, save and restore state.

A strategy turns the global model of round ``r - 1`` and the cohort's results of round ``r`` into the
global model of round ``r``. Anyone holding the same public inputs (the previous global model, the
revealed updates with their sample counts, the hyper-parameters, and the strategy state) re-derives
the same bytes: the weighted average runs in fixed point (:mod:`fedchain.fl.fixedpoint`) and the
server optimizers use only element-wise IEEE-754 operations (``+ - * /`` and ``sqrt``, each
correctly rounded), never a reduction whose order could vary.

State (momentum, first and second moments) is a deterministic function of the round history. It is
exposed as named arrays, so it can be encoded with :func:`fedchain.codec.encode` and hashed: save it
after round ``k``, load it into a fresh strategy, and round ``k + 1`` gives identical bytes.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar, Final, TypeAlias

import numpy as np

from fedchain.codec._checks import canonical_arrays, check_finite
from fedchain.codec._types import NamedArrays, NDArray
from fedchain.exceptions import ConfigError, SpecMismatchError
from fedchain.fl.fixedpoint import DEFAULT_CONFIG, FixedPointConfig, aggregate_fixed_point
from fedchain.fl.typing import Config, Scalar

Params: TypeAlias = dict[str, NDArray]
"""A model: tensor name to float array."""

FitResult: TypeAlias = tuple[NamedArrays, int]
"""One client's result: its trained parameters and its number of training examples."""

ROUND_KEY: Final = "server_round"
"""State key holding the last aggregated round (a 0-d int64 array) of a stateful strategy."""


class Strategy(ABC):
    """Base of every server strategy.

    Parameters
    ----------
    fit_config
        Static values sent to every client each round (e.g. ``{"local_epochs": 1}``).
    on_fit_config_fn
        Called with the round number; its values are merged over ``fit_config``.
    fixed_point
        The fixed-point format of the weighted average; a public input of every aggregate.

    Raises
    ------
    ConfigError
        If ``fixed_point`` is not a :class:`~fedchain.fl.fixedpoint.FixedPointConfig` or
        ``on_fit_config_fn`` is not callable.
    """

    _state_slots: ClassVar[tuple[str, ...]] = ()
    """Names of the per-tensor state arrays (``"m_t"``, ``"v_t"``...); empty for stateless strategies."""

    def __init__(
        self,
        *,
        fit_config: Mapping[str, Scalar] | None = None,
        on_fit_config_fn: Callable[[int], Mapping[str, Scalar]] | None = None,
        fixed_point: FixedPointConfig = DEFAULT_CONFIG,
    ) -> None:
        if not isinstance(fixed_point, FixedPointConfig):
            raise ConfigError("fixed_point must be a FixedPointConfig")
        if on_fit_config_fn is not None and not callable(on_fit_config_fn):
            raise ConfigError("on_fit_config_fn must be callable")
        self.fit_config: Config = dict(fit_config or {})
        self.on_fit_config_fn = on_fit_config_fn
        self.fixed_point = fixed_point
        self._last_round = 0
        self._state: dict[str, Params] = {slot: {} for slot in self._state_slots}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._hyperparameters_repr()})"

    def _hyperparameters_repr(self) -> str:
        return f"fixed_point={self.fixed_point!r}"

    # -- round configuration ---------------------------------------------------------------------------

    def configure_fit(self, server_round: int) -> Config:
        """Return the configuration clients receive for ``server_round``.

        Raises
        ------
        ConfigError
            If ``server_round`` is not a positive int.
        """
        check_server_round(server_round)
        config: Config = dict(self.fit_config)
        if self.on_fit_config_fn is not None:
            config.update(self.on_fit_config_fn(server_round))
        config.update(self._strategy_fit_config())
        return config

    def _strategy_fit_config(self) -> Config:
        """Values the strategy itself sends (FedProx: ``proximal_mu``); they take precedence."""
        return {}

    # -- aggregation -------------------------------------------------------------------------------------

    @abstractmethod
    def aggregate(
        self, global_params: NamedArrays, results: Sequence[FitResult], server_round: int
    ) -> Params:
        """Return the new global model from the previous one and the round's results.

        Parameters
        ----------
        global_params
            The global model the clients trained from (round ``server_round - 1``).
        results
            ``(trained parameters, num_examples)`` per client, in any order.
        server_round
            The round being aggregated, from 1. A stateful strategy requires it to increase.

        Returns
        -------
        dict[str, numpy.ndarray]
            The new global model, same names, shapes and dtypes as ``global_params``.
        """

    # -- state -------------------------------------------------------------------------------------------

    def state_dict(self) -> Params:
        """Return the strategy state as named arrays (copies); ``{}`` for a stateless strategy.

        Keys are ``"server_round"`` (last aggregated round, 0-d int64) and ``"<slot>/<tensor>"``.
        """
        if not self._state_slots:
            return {}
        state: Params = {ROUND_KEY: np.array(self._last_round, dtype=np.int64)}
        for slot, arrays in self._state.items():
            for name, array in arrays.items():
                state[f"{slot}/{name}"] = array.copy()
        return state

    def load_state_dict(self, state: NamedArrays) -> None:
        """Replace the strategy state with the output of :meth:`state_dict` (copied).

        The arrays are checked against the global model at the next :meth:`aggregate`.

        Raises
        ------
        ConfigError
            An unknown key, a missing or invalid ``"server_round"``, or state for a stateless strategy.
        SpecMismatchError
            A state tensor that is not float16/32/64.
        NonFiniteError
            NaN or Inf in a state tensor.
        """
        arrays = dict(canonical_arrays(state))
        if not self._state_slots:
            if arrays:
                raise ConfigError(f"{type(self).__name__} is stateless; its state must be empty")
            return
        round_array = arrays.pop(ROUND_KEY, None)
        if round_array is None or round_array.shape != () or round_array.dtype.kind not in "iu":
            raise ConfigError(f"state needs {ROUND_KEY!r} as a 0-d integer array")
        last_round = int(round_array)
        if last_round < 0:
            raise ConfigError(f"{ROUND_KEY} must be non-negative, not {last_round}")
        loaded: dict[str, Params] = {slot: {} for slot in self._state_slots}
        for key, array in arrays.items():
            slot, sep, name = key.partition("/")
            if not sep or slot not in loaded or not name:
                raise ConfigError(f"unknown state key {key!r}; expected {ROUND_KEY!r} or <slot>/<tensor>")
            if array.dtype.kind != "f":
                raise SpecMismatchError(f"state tensor {key!r} has dtype {array.dtype}, expected a float")
            loaded[slot][name] = np.array(array, dtype=array.dtype.name)  # native byte order, a copy
        check_finite((f"{slot}/{name}", a) for slot, named in loaded.items() for name, a in named.items())
        self._state = loaded
        self._last_round = last_round

    # -- helpers for subclasses --------------------------------------------------------------------------

    def _begin_round(self, server_round: int) -> None:
        check_server_round(server_round)
        if self._state_slots and server_round <= self._last_round:
            raise ConfigError(
                f"{type(self).__name__} already aggregated round {self._last_round}; got round {server_round}"
            )

    def _slot(self, slot: str, params: Params) -> Params | None:
        """Return state ``slot`` if it matches ``params`` exactly, ``None`` if empty or not kept."""
        arrays = self._state.get(slot)
        if not arrays:
            return None
        check_same_layout(params, arrays, what=f"state {slot!r}")
        return arrays

    def _commit(self, server_round: int, slots: Mapping[str, Params], new_params: Params) -> Params:
        """Check the new model and state are finite, then store the state; nothing changes on error."""
        check_finite(new_params.items())
        for slot, arrays in slots.items():
            check_finite((f"{slot}/{name}", a) for name, a in arrays.items())
        for slot in self._state_slots:
            self._state[slot] = dict(slots.get(slot, {}))
        self._last_round = server_round
        return new_params


def check_server_round(server_round: object) -> int:
    """Return ``server_round`` if it is a positive int, else raise :class:`ConfigError`."""
    if isinstance(server_round, bool) or not isinstance(server_round, int | np.integer) or server_round < 1:
        raise ConfigError(f"server_round must be a positive int, not {server_round!r}")
    return int(server_round)


def check_hyperparameter(
    name: str,
    value: object,
    *,
    low: float,
    high: float = math.inf,
    open_low: bool = False,
    open_high: bool = True,
) -> float:
    """Return ``value`` as a float if it is a finite real in the given interval, else raise ConfigError."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ConfigError(f"{name} must be a real number, not {value!r}")
    number = float(value)
    below = number <= low if open_low else number < low
    above = number >= high if open_high else number > high
    if not math.isfinite(number) or below or above:
        lo, hi = ("(" if open_low else "["), (")" if open_high else "]")
        raise ConfigError(f"{name} must be finite and in {lo}{low}, {high}{hi}, not {value!r}")
    return number


def check_same_layout(reference: Mapping[str, NDArray], other: Mapping[str, NDArray], *, what: str) -> None:
    """Raise :class:`SpecMismatchError` unless ``other`` has the names, shapes and dtypes of ``reference``."""
    if sorted(reference) != sorted(other):
        missing, extra = sorted(set(reference) - set(other)), sorted(set(other) - set(reference))
        raise SpecMismatchError(
            f"{what} differs from the global model: missing {missing[:5]}, extra {extra[:5]}"
        )
    for name, ref in reference.items():
        array = other[name]
        if array.shape != ref.shape or array.dtype != ref.dtype:
            raise SpecMismatchError(
                f"tensor {name!r} is {array.dtype}{list(array.shape)} in {what}, "
                f"{ref.dtype}{list(ref.shape)} in the global model"
            )


def global_model(global_params: NamedArrays) -> Params:
    """Validate the global model (float tensors, finite) and return it in native byte order.

    Raises
    ------
    ConfigError, SpecMismatchError, NonFiniteError
        As :func:`fedchain.codec.encode`, or for a tensor that is not float16/32/64.
    """
    arrays = canonical_arrays(global_params)
    for name, array in arrays:
        if array.dtype.name not in ("float16", "float32", "float64"):
            raise SpecMismatchError(f"tensor {name!r} has dtype {array.dtype}, expected float16/32/64")
    check_finite(arrays)
    return {name: np.asarray(array, dtype=array.dtype.name) for name, array in arrays}


def fixed_point_average(
    global_params: NamedArrays, results: Sequence[FitResult], cfg: FixedPointConfig
) -> tuple[Params, Params]:
    """Return the validated global model and the fixed-point weighted average of ``results``.

    Raises
    ------
    ConfigError, SpecMismatchError, NonFiniteError, FixedPointOverflowError
        As :func:`~fedchain.fl.fixedpoint.aggregate_fixed_point`, or if the results do not match the
        global model's names, shapes and dtypes.
    """
    params = global_model(global_params)
    average = aggregate_fixed_point(results, cfg)
    check_same_layout(params, average, what="the results")
    return params, average


__all__ = [
    "ROUND_KEY",
    "FitResult",
    "Params",
    "Strategy",
    "check_hyperparameter",
    "check_same_layout",
    "check_server_round",
    "fixed_point_average",
    "global_model",
]
