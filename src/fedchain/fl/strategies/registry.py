"""Strategies by name, so that an aggregator and every verifier build exactly the same one.

A verifier re-derives an aggregate bit for bit only with the aggregator's strategy *and* hyper-parameters; one
table, used by the CLI and the demo alike, keeps them from drifting apart. Hyper-parameters are Flower's
defaults (FedProx takes ``proximal_mu=0.1``, which it requires).

>>> strategy_factory("FedAvg")().__class__.__name__
'FedAvg'
"""

from __future__ import annotations

from collections.abc import Callable

from fedchain.exceptions import ConfigError
from fedchain.fl.strategies.base import Strategy
from fedchain.fl.strategies.fedadagrad import FedAdagrad
from fedchain.fl.strategies.fedadam import FedAdam
from fedchain.fl.strategies.fedavg import FedAvg
from fedchain.fl.strategies.fedavgm import FedAvgM
from fedchain.fl.strategies.fedprox import FedProx
from fedchain.fl.strategies.fedyogi import FedYogi

STRATEGIES: dict[str, Callable[[], Strategy]] = {
    "fedavg": FedAvg,
    "fedprox": lambda: FedProx(proximal_mu=0.1),
    "fedavgm": FedAvgM,
    "fedadam": FedAdam,
    "fedyogi": FedYogi,
    "fedadagrad": FedAdagrad,
}
"""Strategy name -> factory of the strategy in its initial state."""


def strategy_factory(name: str) -> Callable[[], Strategy]:
    """The factory registered under ``name`` (case-insensitive).

    Raises
    ------
    ConfigError
        If the name is unknown.
    """
    try:
        return STRATEGIES[name.lower()]
    except KeyError:
        raise ConfigError(f"unknown strategy {name!r}; known: {', '.join(STRATEGIES)}") from None
