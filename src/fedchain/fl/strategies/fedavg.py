"""Federated Averaging (McMahan et al. 2017): the sample-weighted mean, bit-exact in fixed point."""

from __future__ import annotations

from collections.abc import Sequence

from fedchain.codec._types import NamedArrays
from fedchain.fl.strategies.base import FitResult, Params, Strategy, fixed_point_average


class FedAvg(Strategy):
    """The new global model is ``sum_i n_i x_i / sum_i n_i`` over the clients' parameters ``x_i``.

    Flower's ``FedAvg`` aggregate, except that the mean is computed in fixed point
    (:func:`~fedchain.fl.fixedpoint.aggregate_fixed_point`): within one quantum (``2**-frac_bits``)
    of the real weighted mean, and the same bytes on every machine and in any order of the results.
    Stateless: the previous global model only fixes the expected names, shapes and dtypes.

    Parameters
    ----------
    fit_config, on_fit_config_fn, fixed_point
        As :class:`~fedchain.fl.strategies.base.Strategy`.

    Examples
    --------
    >>> import numpy as np
    >>> strategy = FedAvg(fit_config={"local_epochs": 2})
    >>> strategy.configure_fit(1)
    {'local_epochs': 2}
    >>> glob = {"w": np.zeros(2, np.float32)}
    >>> results = [({"w": np.array([1.0, 2.0], np.float32)}, 1), ({"w": np.array([3.0, 4.0], np.float32)}, 3)]
    >>> strategy.aggregate(glob, results, server_round=1)["w"].tolist()
    [2.5, 3.5]
    """

    def aggregate(
        self, global_params: NamedArrays, results: Sequence[FitResult], server_round: int
    ) -> Params:
        """Return the fixed-point weighted mean of ``results`` (see :meth:`Strategy.aggregate`).

        Raises
        ------
        ConfigError
            Bad ``server_round``, no results, or invalid or zero-sum weights.
        SpecMismatchError
            Results that differ from each other or from ``global_params`` in names, shapes or dtypes.
        NonFiniteError
            NaN or Inf in the global model or a result.
        FixedPointOverflowError
            A value outside the fixed-point range.
        """
        self._begin_round(server_round)
        _, average = fixed_point_average(global_params, results, self.fixed_point)
        return average


__all__ = ["FedAvg"]
