"""FedAdagrad (Reddi et al. 2021, "Adaptive Federated Optimization"): Adagrad on the server."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

import numpy as np

from fedchain.codec._types import NDArray
from fedchain.fl.fixedpoint import DEFAULT_CONFIG, FixedPointConfig
from fedchain.fl.strategies.fedopt import FedOpt, adaptive_step
from fedchain.fl.typing import Scalar


def adagrad_step(
    params: NDArray, delta: NDArray, v: NDArray | None, *, eta: float, tau: float
) -> tuple[NDArray, NDArray]:
    """One FedAdagrad step on one tensor; returns ``(new params, v_t)``.

    ``v_t = v + delta^2`` (``v`` starts at zeros), then ``params + eta * delta / (sqrt(v_t) + tau)``:
    Flower's ``FedAdagrad``, whose momentum parameter is fixed at ``beta_1 = 0`` so ``m_t = delta``.
    Element-wise only.

    Examples
    --------
    >>> import numpy as np
    >>> new, v = adagrad_step(np.array([1.0]), np.array([-2.0]), np.array([5.0]), eta=0.5, tau=0.0)
    >>> v.tolist(), new.tolist()  # v = 5 + 4 = 9; 1 + 0.5 * -2 / 3
    ([9.0], [0.6666666666666667])
    """
    previous_v = np.zeros_like(delta) if v is None else v
    v_t = np.asarray(previous_v + delta * delta, dtype=delta.dtype)
    return adaptive_step(params, delta, v_t, eta=eta, tau=tau), v_t


class FedAdagrad(FedOpt):
    """Adaptive Federated Optimization using Adagrad (FedAdagrad) on a fixed-point weighted average.

    Reddi et al., "Adaptive Federated Optimization", ICLR 2021 (arXiv:2003.00295). Flower's
    ``FedAdagrad``: same hyper-parameters, defaults and update rule (see :func:`adagrad_step`);
    ``beta_1`` and ``beta_2`` are fixed at 0 and only ``v_t`` is kept as state.

    Parameters
    ----------
    eta
        Server-side learning rate. Defaults to 1e-1.
    eta_l
        Client-side learning rate (recorded, not sent). Defaults to 1e-1.
    tau
        Controls the algorithm's degree of adaptability. Defaults to 1e-9.
    fit_config, on_fit_config_fn, fixed_point
        As :class:`~fedchain.fl.strategies.base.Strategy`.

    Examples
    --------
    >>> import numpy as np
    >>> strategy = FedAdagrad(eta=0.5, tau=0.5)
    >>> glob = {"w": np.array([1.0])}
    >>> strategy.aggregate(glob, [({"w": np.array([3.0])}, 2)], server_round=1)["w"].tolist()
    [1.4]
    """

    _state_slots: ClassVar[tuple[str, ...]] = ("v_t",)

    def __init__(
        self,
        *,
        eta: float = 1e-1,
        eta_l: float = 1e-1,
        tau: float = 1e-9,
        fit_config: Mapping[str, Scalar] | None = None,
        on_fit_config_fn: Callable[[int], Mapping[str, Scalar]] | None = None,
        fixed_point: FixedPointConfig = DEFAULT_CONFIG,
    ) -> None:
        super().__init__(
            eta=eta,
            eta_l=eta_l,
            beta_1=0.0,
            beta_2=0.0,
            tau=tau,
            fit_config=fit_config,
            on_fit_config_fn=on_fit_config_fn,
            fixed_point=fixed_point,
        )

    def _step(
        self, params: NDArray, delta: NDArray, m: NDArray | None, v: NDArray | None, server_round: int
    ) -> tuple[NDArray, NDArray | None, NDArray]:
        new_params, v_t = adagrad_step(params, delta, v, eta=self.eta, tau=self.tau)
        return new_params, None, v_t


__all__ = ["FedAdagrad", "adagrad_step"]
