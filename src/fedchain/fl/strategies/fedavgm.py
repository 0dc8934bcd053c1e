"""FedAvgM (Hsu et al. 2019): server SGD with momentum on the pseudo-gradient ``global - average``."""

from __future__ import annotations

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


def fedavgm_step(
    params: NDArray,
    average: NDArray,
    momentum: NDArray | None,
    *,
    server_learning_rate: float,
    server_momentum: float,
) -> tuple[NDArray, NDArray | None]:
    """One FedAvgM step on one tensor, element-wise in the tensor's dtype (Flower's update rule).

    ``g = params - average``; with ``server_momentum > 0``: ``v = g`` on the first step, else
    ``v = server_momentum * v + g``, and ``g = v``; then ``params - server_learning_rate * g``.
    With ``server_learning_rate == 1`` and ``server_momentum == 0`` the result is ``average`` itself
    (a copy), as in Flower. Only element-wise ``+ - *`` appear, each correctly rounded, so the bytes
    are the same on every machine.

    Parameters
    ----------
    params
        The current global tensor.
    average
        The weighted average of the clients' tensors (same shape and dtype).
    momentum
        The momentum buffer from the previous round, or ``None`` on the first.
    server_learning_rate, server_momentum
        Flower's hyper-parameters of the same names.

    Returns
    -------
    tuple
        The new tensor and the new momentum buffer (``None`` when ``server_momentum == 0``).

    Examples
    --------
    >>> import numpy as np
    >>> x, avg = np.array([1.0, 1.0]), np.array([0.5, 2.0])
    >>> new, v = fedavgm_step(x, avg, None, server_learning_rate=1.0, server_momentum=0.5)
    >>> new.tolist(), v.tolist()
    ([0.5, 2.0], [0.5, -1.0])
    >>> new, v = fedavgm_step(new, avg, v, server_learning_rate=1.0, server_momentum=0.5)
    >>> new.tolist(), v.tolist()  # g = 0, v = 0.5 * v
    ([0.25, 2.5], [0.25, -0.5])
    """
    if server_learning_rate == 1.0 and server_momentum == 0.0:
        return np.array(average, dtype=params.dtype), None
    kind = params.dtype.type
    pseudo_gradient = np.asarray(params - average, dtype=params.dtype)  # updates are opposite to gradients
    new_momentum: NDArray | None = None
    if server_momentum > 0.0:
        if momentum is None:
            new_momentum = pseudo_gradient
        else:
            new_momentum = np.asarray(kind(server_momentum) * momentum + pseudo_gradient, dtype=params.dtype)
        pseudo_gradient = new_momentum
    new_params = np.asarray(params - kind(server_learning_rate) * pseudo_gradient, dtype=params.dtype)
    return new_params, new_momentum


class FedAvgM(Strategy):
    """Federated Averaging with server momentum, on a fixed-point weighted average.

    Flower's ``FedAvgM`` (following PyTorch's SGD convention, no Nesterov), with the average computed
    bit-exactly in fixed point. Paper: Hsu, Qi and Brown, "Measuring the Effects of Non-Identical Data
    Distribution for Federated Visual Classification", 2019 (arXiv:1909.06335).

    Parameters
    ----------
    server_learning_rate
        Server-side learning rate, ``> 0``. Defaults to 1.0.
    server_momentum
        Server-side momentum factor, ``>= 0``. Defaults to 0.0 (then FedAvgM equals FedAvg when the
        learning rate is 1).
    fit_config, on_fit_config_fn, fixed_point
        As :class:`~fedchain.fl.strategies.base.Strategy`.

    Raises
    ------
    ConfigError
        If a hyper-parameter is out of range or not finite.

    Notes
    -----
    The momentum buffer starts from the first aggregated round's pseudo-gradient. Flower decides
    that by ``server_round == 1``; here the empty state decides, so a strategy restored from
    :meth:`state_dict` continues exactly, and a fresh one may start at any round.

    Examples
    --------
    >>> import numpy as np
    >>> strategy = FedAvgM(server_learning_rate=1.0, server_momentum=0.5)
    >>> glob = {"w": np.array([1.0, 1.0])}
    >>> new = strategy.aggregate(glob, [({"w": np.array([0.0, 3.0])}, 4)], server_round=1)
    >>> new["w"].tolist(), strategy.state_dict()["momentum_vector/w"].tolist()
    ([0.0, 3.0], [1.0, -2.0])
    """

    _state_slots: ClassVar[tuple[str, ...]] = ("momentum_vector",)

    def __init__(
        self,
        *,
        server_learning_rate: float = 1.0,
        server_momentum: float = 0.0,
        fit_config: Mapping[str, Scalar] | None = None,
        on_fit_config_fn: Callable[[int], Mapping[str, Scalar]] | None = None,
        fixed_point: FixedPointConfig = DEFAULT_CONFIG,
    ) -> None:
        super().__init__(fit_config=fit_config, on_fit_config_fn=on_fit_config_fn, fixed_point=fixed_point)
        self.server_learning_rate = check_hyperparameter(
            "server_learning_rate", server_learning_rate, low=0.0, open_low=True
        )
        self.server_momentum = check_hyperparameter("server_momentum", server_momentum, low=0.0)

    def _hyperparameters_repr(self) -> str:
        return (
            f"server_learning_rate={self.server_learning_rate!r}, server_momentum={self.server_momentum!r}, "
            f"{super()._hyperparameters_repr()}"
        )

    def aggregate(
        self, global_params: NamedArrays, results: Sequence[FitResult], server_round: int
    ) -> Params:
        """Return ``global - server_learning_rate * momentum`` (see :meth:`Strategy.aggregate`).

        Raises
        ------
        ConfigError
            A round not after the last aggregated one, no results, or invalid or zero-sum weights.
        SpecMismatchError
            Results or state that differ from ``global_params`` in names, shapes or dtypes.
        NonFiniteError
            NaN or Inf in the inputs, or in the new model or momentum (then the state is unchanged).
        FixedPointOverflowError
            A value outside the fixed-point range.
        """
        self._begin_round(server_round)
        params, average = fixed_point_average(global_params, results, self.fixed_point)
        previous = self._slot("momentum_vector", params)
        new_params: Params = {}
        momentum: Params = {}
        with np.errstate(over="ignore", invalid="ignore"):  # Inf/NaN are refused by _commit
            for name, tensor in params.items():
                new_params[name], buffer = fedavgm_step(
                    tensor,
                    average[name],
                    None if previous is None else previous[name],
                    server_learning_rate=self.server_learning_rate,
                    server_momentum=self.server_momentum,
                )
                if buffer is not None:
                    momentum[name] = buffer
        return self._commit(server_round, {"momentum_vector": momentum}, new_params)


__all__ = ["FedAvgM", "fedavgm_step"]
