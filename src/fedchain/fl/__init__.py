"""Federated learning over arrays: the client protocol, its adapters, strategies. No chain code.

A participant's learning code is a :class:`NumPyClient` (Flower's NumPyClient methods); what it returns is
checked with :func:`validate_fit_result` / :func:`validate_evaluate_result` against the task's
:class:`~fedchain.codec.ModelSpec`. Adapters for scikit-learn, PyTorch and Flower live in
:mod:`fedchain.fl.adapters`; server strategies (FedAvg, FedProx, FedAvgM, FedAdam, FedYogi, FedAdagrad) in
:mod:`fedchain.fl.strategies`, all aggregating through the bit-exact integer arithmetic of
:mod:`fedchain.fl.fixedpoint`.

Examples
--------
>>> import numpy as np
>>> from fedchain.codec import ModelSpec
>>> spec = ModelSpec.from_arrays({"w": np.zeros(2)})
>>> validate_fit_result(([np.ones(2)], 3, {"loss": 0.5}), spec)
FitRes(parameters=[array([1., 1.])], num_examples=3, metrics={'loss': 0.5})
"""

from fedchain.fl.client import (
    ClientResultError,
    NumPyClient,
    check_config,
    check_parameters,
    validate_evaluate_result,
    validate_fit_result,
)
from fedchain.fl.fixedpoint import (
    FixedPointConfig,
    WeightedSum,
    aggregate_fixed_point,
    dequantize,
    quantize,
    weighted_mean,
    weighted_sum,
)
from fedchain.fl.strategies import (
    FedAdagrad,
    FedAdam,
    FedAvg,
    FedAvgM,
    FedOpt,
    FedProx,
    FedYogi,
    FitResult,
    Params,
    Strategy,
)
from fedchain.fl.typing import (
    Config,
    EvaluateRes,
    FitRes,
    Metrics,
    NDArray,
    NDArrays,
    Scalar,
    from_named,
    to_named,
)

__all__ = [
    "ClientResultError",
    "Config",
    "EvaluateRes",
    "FedAdagrad",
    "FedAdam",
    "FedAvg",
    "FedAvgM",
    "FedOpt",
    "FedProx",
    "FedYogi",
    "FitRes",
    "FitResult",
    "FixedPointConfig",
    "Metrics",
    "NDArray",
    "NDArrays",
    "NumPyClient",
    "Params",
    "Scalar",
    "Strategy",
    "WeightedSum",
    "aggregate_fixed_point",
    "check_config",
    "check_parameters",
    "dequantize",
    "from_named",
    "quantize",
    "to_named",
    "validate_evaluate_result",
    "validate_fit_result",
    "weighted_mean",
    "weighted_sum",
]
