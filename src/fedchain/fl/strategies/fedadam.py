"""FedAdam (Reddi et al. 2021, "Adaptive Federated Optimization"): Adam on the server."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from fedchain.codec._types import NDArray
from fedchain.fl.fixedpoint import DEFAULT_CONFIG, FixedPointConfig
from fedchain.fl.strategies.fedopt import FedOpt, adaptive_step, first_moment, int_power
from fedchain.fl.typing import Scalar


def adam_step(
    params: NDArray,
    delta: NDArray,
    m: NDArray | None,
    v: NDArray | None,
    *,
    server_round: int,
    eta: float,
    beta_1: float,
    beta_2: float,
    tau: float,
    bias_correction: bool = True,
) -> tuple[NDArray, NDArray, NDArray]:
    """One FedAdam step on one tensor; returns ``(new params, m_t, v_t)``.

        ``m_t = beta_1 m + (1 - beta_1) delta``, ``v_t = beta_2 v + (1 - beta_2) delta^2`` (both start at
        zeros), then ``params + eta_t * m_t / (sqrt(v_t) + tau)`` where, as in Flower since late 2024
    (flwr pull request 4362),
        ``eta_t = eta * sqrt(1 - beta_2**(server_round + 1)) / (1 - beta_1**(server_round + 1))``
        (Kingma and Ba's bias-corrected step size; ``eta_t = eta`` without ``bias_correction``, the
        paper's Algorithm 2). ``eta_t`` is computed in float64 with :func:`int_power` and ``math.sqrt``
        (correctly rounded), then rounded once to the tensor's dtype; the rest is element-wise.

        Examples
        --------
        >>> import numpy as np
        >>> new, m, v = adam_step(np.array([0.0]), np.array([1.0]), None, None, server_round=1,
        ...                       eta=0.1, beta_1=0.5, beta_2=0.75, tau=0.0, bias_correction=False)
        >>> m.tolist(), v.tolist(), new.tolist()  # m = 0.5, v = 0.25, 0.1 * 0.5 / 0.5
        ([0.5], [0.25], [0.1])
    """
    kind = delta.dtype.type
    m_t = first_moment(m, delta, beta_1)
    previous_v = np.zeros_like(delta) if v is None else v
    v_t = np.asarray(kind(beta_2) * previous_v + kind(1.0 - beta_2) * (delta * delta), dtype=delta.dtype)
    eta_t = eta
    if bias_correction:
        exponent = server_round + 1
        eta_t = eta * math.sqrt(1.0 - int_power(beta_2, exponent)) / (1.0 - int_power(beta_1, exponent))
    return adaptive_step(params, m_t, v_t, eta=eta_t, tau=tau), m_t, v_t


class FedAdam(FedOpt):
    """Adaptive Federated Optimization using Adam (FedAdam) on a fixed-point weighted average.

    Reddi et al., "Adaptive Federated Optimization", ICLR 2021 (arXiv:2003.00295). Flower's
    ``FedAdam``: same hyper-parameters, defaults and update rule (see :func:`adam_step`), computed
    in the global model's dtype (Flower's bias-corrected step is a NumPy float64 scalar, which
    promotes a float32 model to float64; here the model keeps its dtype).

    Parameters
    ----------
    eta
        Server-side learning rate. Defaults to 1e-1.
    eta_l
        Client-side learning rate (recorded, not sent). Defaults to 1e-1.
    beta_1
        Momentum parameter. Defaults to 0.9.
    beta_2
        Second moment parameter. Defaults to 0.99.
    tau
        Controls the algorithm's degree of adaptability. Defaults to 1e-9.
    bias_correction
        Use the bias-corrected step size, as Flower does since late 2024. Defaults to True.
    fit_config, on_fit_config_fn, fixed_point
        As :class:`~fedchain.fl.strategies.base.Strategy`.

    Examples
    --------
    >>> import numpy as np
    >>> strategy = FedAdam(eta=0.1, beta_1=0.5, beta_2=0.75, bias_correction=False)
    >>> glob = {"w": np.array([0.0], np.float32)}
    >>> new = strategy.aggregate(glob, [({"w": np.array([1.0], np.float32)}, 10)], server_round=1)
    >>> new["w"].dtype, round(float(new["w"][0]), 6)
    (dtype('float32'), 0.1)
    """

    def __init__(
        self,
        *,
        eta: float = 1e-1,
        eta_l: float = 1e-1,
        beta_1: float = 0.9,
        beta_2: float = 0.99,
        tau: float = 1e-9,
        bias_correction: bool = True,
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
        self.bias_correction = bool(bias_correction)

    def _hyperparameters_repr(self) -> str:
        return f"{super()._hyperparameters_repr()}, bias_correction={self.bias_correction!r}"

    def _step(
        self, params: NDArray, delta: NDArray, m: NDArray | None, v: NDArray | None, server_round: int
    ) -> tuple[NDArray, NDArray | None, NDArray]:
        return adam_step(
            params,
            delta,
            m,
            v,
            server_round=server_round,
            eta=self.eta,
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            tau=self.tau,
            bias_correction=self.bias_correction,
        )


__all__ = ["FedAdam", "adam_step"]
