"""FedYogi (Reddi et al. 2021, "Adaptive Federated Optimization"): Yogi on the server."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from fedchain.codec._types import NDArray
from fedchain.fl.fixedpoint import DEFAULT_CONFIG, FixedPointConfig
from fedchain.fl.strategies.fedopt import FedOpt, adaptive_step, first_moment
from fedchain.fl.typing import Scalar


def yogi_step(
    params: NDArray,
    delta: NDArray,
    m: NDArray | None,
    v: NDArray | None,
    *,
    eta: float,
    beta_1: float,
    beta_2: float,
    tau: float,
) -> tuple[NDArray, NDArray, NDArray]:
    """One FedYogi step on one tensor; returns ``(new params, m_t, v_t)``.

    ``m_t = beta_1 m + (1 - beta_1) delta``,
    ``v_t = v - (1 - beta_2) delta^2 sign(v - delta^2)`` (both start at zeros, as in Flower), then
    ``params + eta * m_t / (sqrt(v_t) + tau)``; element-wise only.

    Examples
    --------
    >>> import numpy as np
    >>> new, m, v = yogi_step(np.array([0.0]), np.array([2.0]), None, None,
    ...                       eta=0.5, beta_1=0.5, beta_2=0.75, tau=0.0)
    >>> m.tolist(), v.tolist(), new.tolist()  # v = 0 - 0.25 * 4 * sign(-4) = 1; 0.5 * 1 / 1
    ([1.0], [1.0], [0.5])
    """
    kind = delta.dtype.type
    m_t = first_moment(m, delta, beta_1)
    previous_v = np.zeros_like(delta) if v is None else v
    squared = delta * delta
    v_t = np.asarray(
        previous_v - kind(1.0 - beta_2) * squared * np.sign(previous_v - squared), dtype=delta.dtype
    )
    return adaptive_step(params, m_t, v_t, eta=eta, tau=tau), m_t, v_t


class FedYogi(FedOpt):
    """Adaptive Federated Optimization using Yogi (FedYogi) on a fixed-point weighted average.

    Reddi et al., "Adaptive Federated Optimization", ICLR 2021 (arXiv:2003.00295). Flower's
    ``FedYogi``: same hyper-parameters, defaults and update rule (see :func:`yogi_step`).

    Parameters
    ----------
    eta
        Server-side learning rate. Defaults to 1e-2.
    eta_l
        Client-side learning rate (recorded, not sent). Defaults to 0.0316.
    beta_1
        Momentum parameter. Defaults to 0.9.
    beta_2
        Second moment parameter. Defaults to 0.99.
    tau
        Controls the algorithm's degree of adaptability. Defaults to 1e-3.
    fit_config, on_fit_config_fn, fixed_point
        As :class:`~fedchain.fl.strategies.base.Strategy`.

    Examples
    --------
    >>> import numpy as np
    >>> strategy = FedYogi()
    >>> glob = {"w": np.zeros(3)}
    >>> new = strategy.aggregate(glob, [({"w": np.ones(3)}, 1)], server_round=1)
    >>> sorted(strategy.state_dict())
    ['m_t/w', 'server_round', 'v_t/w']
    """

    def __init__(
        self,
        *,
        eta: float = 1e-2,
        eta_l: float = 0.0316,
        beta_1: float = 0.9,
        beta_2: float = 0.99,
        tau: float = 1e-3,
        fit_config: Mapping[str, Scalar] | None = None,
        on_fit_config_fn: Callable[[int], Mapping[str, Scalar]] | None = None,
        fixed_point: FixedPointConfig = DEFAULT_CONFIG,
    ) -> None:
        super().__init__(
            eta=eta,
            eta_l=eta_l,
            beta_1=beta_1,
            beta_2=beta_2,
            tau=tau,
            fit_config=fit_config,
            on_fit_config_fn=on_fit_config_fn,
            fixed_point=fixed_point,
        )

    def _step(
        self, params: NDArray, delta: NDArray, m: NDArray | None, v: NDArray | None, server_round: int
    ) -> tuple[NDArray, NDArray | None, NDArray]:
        return yogi_step(
            params, delta, m, v, eta=self.eta, beta_1=self.beta_1, beta_2=self.beta_2, tau=self.tau
        )


__all__ = ["FedYogi", "yogi_step"]
