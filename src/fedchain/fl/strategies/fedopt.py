"""FedOpt: the shared base of the adaptive server optimizers FedAdam, FedYogi and FedAdagrad.

Reddi, Charles, Zaheer, Garrett, Rush, Konečný, Kumar and McMahan, "Adaptive Federated Optimization",
ICLR 2021 (arXiv:2003.00295), Algorithm 2. Each round the server takes the pseudo-gradient
``delta = average - global`` (``average`` the fixed-point weighted mean of the clients' models),
updates its moments ``m_t`` and ``v_t`` and moves ``global + eta * m_t / (sqrt(v_t) + tau)``.

Hyper-parameter names and defaults follow Flower's ``FedOpt`` family; the update rules are Flower's
line for line, in the dtype of the global model. Only element-wise IEEE-754 operations appear
(``+ - * /``, ``sqrt``, ``sign``; each correctly rounded, no fused multiply-add, no reduction), and
scalars such as ``1 - beta_1`` are computed in float64 and rounded once to the model's dtype, so every
machine produces the same bytes. This assumes the default IEEE-754 environment: round-to-nearest-even
and subnormals not flushed to zero (the default on x86-64 and arm64; an extension that switches
FTZ/DAZ on for the whole process, as some ``-ffast-math`` builds do, would change tiny moments).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

import numpy as np

from fedchain.codec._types import NamedArrays, NDArray
from fedchain.fl.fixedpoint import DEFAULT_CONFIG, FixedPointConfig
from fedchain.fl.strategies.base import (
    FitResult,
    Params,
    Strategy,
    check_hyperparameter,
    fixed_point_average,
)
from fedchain.fl.typing import Scalar


def int_power(base: float, exponent: int) -> float:
    """Return ``base ** exponent`` by binary exponentiation in IEEE float64 multiplications.

    ``pow`` from the C library is not correctly rounded and differs between platforms; this sequence
    of correctly rounded multiplications is the same everywhere (and within a few ulp of the truth).

    Examples
    --------
    >>> int_power(0.5, 3), int_power(0.9, 0)
    (0.125, 1.0)
    """
    result, factor, remaining = 1.0, float(base), int(exponent)
    if remaining < 0:
        raise ValueError("exponent must be non-negative")
    while remaining:
        if remaining & 1:
            result *= factor
        factor *= factor
        remaining >>= 1
    return result


def first_moment(m: NDArray | None, delta: NDArray, beta_1: float) -> NDArray:
    """Return ``beta_1 * m + (1 - beta_1) * delta`` (``m`` starts at zeros), in ``delta``'s dtype.

    Examples
    --------
    >>> import numpy as np
    >>> first_moment(None, np.array([1.0, -2.0]), 0.5).tolist()
    [0.5, -1.0]
    """
    kind = delta.dtype.type
    previous = np.zeros_like(delta) if m is None else m
    return np.asarray(kind(beta_1) * previous + kind(1.0 - beta_1) * delta, dtype=delta.dtype)


def adaptive_step(params: NDArray, m: NDArray, v: NDArray, *, eta: float, tau: float) -> NDArray:
    """Return ``params + eta * m / (sqrt(v) + tau)``, evaluated in that order in ``params``' dtype.

    Examples
    --------
    >>> import numpy as np
    >>> adaptive_step(np.array([1.0]), np.array([0.5]), np.array([4.0]), eta=0.1, tau=0.5).tolist()
    [1.02]
    """
    kind = params.dtype.type
    return np.asarray(params + kind(eta) * m / (np.sqrt(v) + kind(tau)), dtype=params.dtype)


class FedOpt(Strategy):
    """Base of the server-side adaptive optimizers; subclasses define the second-moment update.

    Parameters
    ----------
    eta
        Server-side learning rate, ``> 0``.
    eta_l
        Client-side learning rate, ``> 0``. Recorded, as in Flower, but not sent to clients: put the
        clients' learning rate in ``fit_config`` if they should receive it.
    beta_1
        Momentum parameter, in ``[0, 1)``.
    beta_2
        Second moment parameter, in ``[0, 1)``.
    tau
        Controls the algorithm's degree of adaptability, ``> 0``.
    fit_config, on_fit_config_fn, fixed_point
        As :class:`~fedchain.fl.strategies.base.Strategy`.

    Raises
    ------
    ConfigError
        If a hyper-parameter is out of range or not finite.
    """

    _state_slots: ClassVar[tuple[str, ...]] = ("m_t", "v_t")

    def __init__(
        self,
        *,
        eta: float = 1e-1,
        eta_l: float = 1e-1,
        beta_1: float = 0.0,
        beta_2: float = 0.0,
        tau: float = 1e-9,
        fit_config: Mapping[str, Scalar] | None = None,
        on_fit_config_fn: Callable[[int], Mapping[str, Scalar]] | None = None,
        fixed_point: FixedPointConfig = DEFAULT_CONFIG,
    ) -> None:
        super().__init__(fit_config=fit_config, on_fit_config_fn=on_fit_config_fn, fixed_point=fixed_point)
        self.eta = check_hyperparameter("eta", eta, low=0.0, open_low=True)
        self.eta_l = check_hyperparameter("eta_l", eta_l, low=0.0, open_low=True)
        self.beta_1 = check_hyperparameter("beta_1", beta_1, low=0.0, high=1.0)
        self.beta_2 = check_hyperparameter("beta_2", beta_2, low=0.0, high=1.0)
        self.tau = check_hyperparameter("tau", tau, low=0.0, open_low=True)

    def _hyperparameters_repr(self) -> str:
        return (
            f"eta={self.eta!r}, eta_l={self.eta_l!r}, beta_1={self.beta_1!r}, beta_2={self.beta_2!r}, "
            f"tau={self.tau!r}, {super()._hyperparameters_repr()}"
        )

    @abstractmethod
    def _step(
        self, params: NDArray, delta: NDArray, m: NDArray | None, v: NDArray | None, server_round: int
    ) -> tuple[NDArray, NDArray | None, NDArray]:
        """Return the new tensor, the new first moment (``None`` if not kept) and the new second moment."""

    def aggregate(
        self, global_params: NamedArrays, results: Sequence[FitResult], server_round: int
    ) -> Params:
        """Apply one server-optimizer step on the pseudo-gradient (see :meth:`Strategy.aggregate`).

        Raises
        ------
        ConfigError
            A round not after the last aggregated one, no results, or invalid or zero-sum weights.
        SpecMismatchError
            Results or state that differ from ``global_params`` in names, shapes or dtypes.
        NonFiniteError
            NaN or Inf in the inputs, or in the new model or moments (then the state is unchanged).
        FixedPointOverflowError
            A value outside the fixed-point range.
        """
        self._begin_round(server_round)
        params, average = fixed_point_average(global_params, results, self.fixed_point)
        previous_m = self._slot("m_t", params)
        previous_v = self._slot("v_t", params)
        new_params: Params = {}
        m_t: Params = {}
        v_t: Params = {}
        with np.errstate(over="ignore", invalid="ignore"):  # Inf/NaN are refused by _commit
            for name, tensor in params.items():
                delta = np.asarray(average[name] - tensor, dtype=tensor.dtype)
                new_params[name], m, v_t[name] = self._step(
                    tensor,
                    delta,
                    None if previous_m is None else previous_m[name],
                    None if previous_v is None else previous_v[name],
                    server_round,
                )
                if m is not None:
                    m_t[name] = m
        return self._commit(server_round, {"m_t": m_t, "v_t": v_t}, new_params)


__all__ = ["FedOpt", "adaptive_step", "first_moment", "int_power"]
