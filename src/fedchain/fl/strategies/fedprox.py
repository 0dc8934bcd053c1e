"""FedProx (Li et al. 2020): FedAvg aggregation; clients add a proximal term ``mu/2 ||w - w_t||^2``."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fedchain.fl.fixedpoint import DEFAULT_CONFIG, FixedPointConfig
from fedchain.fl.strategies.base import check_hyperparameter
from fedchain.fl.strategies.fedavg import FedAvg
from fedchain.fl.typing import Config, Scalar


class FedProx(FedAvg):
    """FedAvg on the server; every round's configuration carries ``proximal_mu`` to the clients.

    As in Flower, the strategy itself aggregates exactly like :class:`FedAvg`; the client adds
    ``proximal_mu / 2 * ||w - w_global||^2`` to its loss. Paper: Li et al., "Federated Optimization in
    Heterogeneous Networks", MLSys 2020 (arXiv:1812.06127).

    Parameters
    ----------
    proximal_mu
        Weight of the proximal term, ``>= 0`` (``0`` is FedAvg). Required, as in Flower.
    fit_config, on_fit_config_fn, fixed_point
        As :class:`~fedchain.fl.strategies.base.Strategy`; ``proximal_mu`` overrides a key of the
        same name.

    Raises
    ------
    ConfigError
        If ``proximal_mu`` is negative or not finite.

    Examples
    --------
    >>> FedProx(proximal_mu=0.1, fit_config={"local_epochs": 1}).configure_fit(3)
    {'local_epochs': 1, 'proximal_mu': 0.1}
    """

    def __init__(
        self,
        *,
        proximal_mu: float,
        fit_config: Mapping[str, Scalar] | None = None,
        on_fit_config_fn: Callable[[int], Mapping[str, Scalar]] | None = None,
        fixed_point: FixedPointConfig = DEFAULT_CONFIG,
    ) -> None:
        super().__init__(fit_config=fit_config, on_fit_config_fn=on_fit_config_fn, fixed_point=fixed_point)
        self.proximal_mu = check_hyperparameter("proximal_mu", proximal_mu, low=0.0)

    def _hyperparameters_repr(self) -> str:
        return f"proximal_mu={self.proximal_mu!r}, {super()._hyperparameters_repr()}"

    def _strategy_fit_config(self) -> Config:
        return {"proximal_mu": self.proximal_mu}


__all__ = ["FedProx"]
