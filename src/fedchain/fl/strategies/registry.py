"""Strategies by name, with every hyper-parameter spelled out, so an aggregator and every verifier agree.

A verifier re-derives an aggregate bit for bit only with the aggregator's strategy *and* hyper-parameters.
A task records both in its task spec (:mod:`fedchain.taskspec`) as a name and the full parameter set from
:func:`hyperparameters`: the class defaults (Flower's), then the task's overrides. FedProx requires
``proximal_mu``; its registry default is 0.1.

>>> strategy_factory("FedAvg")().__class__.__name__
'FedAvg'
>>> hyperparameters("fedavgm", {"server_momentum": 0.9})
{'server_learning_rate': 1.0, 'server_momentum': 0.9}
>>> hyperparameters("fedavg", {"eta": 1.0})
Traceback (most recent call last):
...
fedchain.exceptions.ConfigError: strategy 'fedavg' has no hyper-parameter 'eta' (it takes none)
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from typing import Final, TypeAlias

from fedchain.exceptions import ConfigError
from fedchain.fl.strategies.base import Strategy
from fedchain.fl.strategies.fedadagrad import FedAdagrad
from fedchain.fl.strategies.fedadam import FedAdam
from fedchain.fl.strategies.fedavg import FedAvg
from fedchain.fl.strategies.fedavgm import FedAvgM
from fedchain.fl.strategies.fedprox import FedProx
from fedchain.fl.strategies.fedyogi import FedYogi

Hyperparameter: TypeAlias = float | bool

STRATEGIES: Final[dict[str, type[Strategy]]] = {
    "fedavg": FedAvg,
    "fedprox": FedProx,
    "fedavgm": FedAvgM,
    "fedadam": FedAdam,
    "fedyogi": FedYogi,
    "fedadagrad": FedAdagrad,
}
"""Strategy name -> class."""

REQUIRED_DEFAULTS: Final[dict[str, dict[str, Hyperparameter]]] = {"fedprox": {"proximal_mu": 0.1}}
"""Values for hyper-parameters a class requires (Flower's FedProx has no default for ``proximal_mu``)."""

_NOT_HYPERPARAMETERS: Final = frozenset({"fit_config", "on_fit_config_fn", "fixed_point"})


def _strategy_class(name: str) -> type[Strategy]:
    try:
        return STRATEGIES[name.lower()]
    except KeyError:
        raise ConfigError(f"unknown strategy {name!r}; known: {', '.join(STRATEGIES)}") from None


def hyperparameters(
    name: str, overrides: Mapping[str, Hyperparameter] | None = None
) -> dict[str, Hyperparameter]:
    """Every hyper-parameter of strategy ``name`` (numbers and flags): its defaults, then ``overrides``.

    Raises
    ------
    ConfigError
        If the strategy is unknown, an override names no hyper-parameter, or a value has the wrong type or
        is not finite.
    """
    cls = _strategy_class(name)
    required = REQUIRED_DEFAULTS.get(name.lower(), {})
    params: dict[str, Hyperparameter] = {}
    for p in inspect.signature(cls.__init__).parameters.values():
        if p.kind is not p.KEYWORD_ONLY or p.name in _NOT_HYPERPARAMETERS:
            continue
        default = required.get(p.name, p.default)
        params[p.name] = default if isinstance(default, bool) else float(default)
    for key, value in (overrides or {}).items():
        if key not in params:
            known = ", ".join(params) or "none"
            raise ConfigError(f"strategy {name!r} has no hyper-parameter {key!r} (it takes {known})")
        if isinstance(params[key], bool):
            if not isinstance(value, bool):
                raise ConfigError(f"hyper-parameter {key!r} must be true or false, got {value!r}")
            params[key] = value
        elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ConfigError(f"hyper-parameter {key!r} must be a finite number, got {value!r}")
        else:
            params[key] = float(value)
    return params


def strategy_factory(
    name: str, overrides: Mapping[str, Hyperparameter] | None = None
) -> Callable[[], Strategy]:
    """A factory of strategy ``name`` (case-insensitive) with :func:`hyperparameters`, in its initial state.

    Raises
    ------
    ConfigError
        If the name or a hyper-parameter is invalid (out-of-range values included: the strategy is built
        once here to check them).
    """
    cls, params = _strategy_class(name), hyperparameters(name, overrides)

    def build() -> Strategy:
        return cls(**params)  # type: ignore[arg-type]

    try:
        build()
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"strategy {name!r}: {exc}") from None
    return build
