"""Server strategies: FedAvg, FedProx, FedAvgM and the FedOpt family (FedAdam, FedYogi, FedAdagrad).

Each strategy averages the clients' results bit-exactly in fixed point
(:mod:`fedchain.fl.fixedpoint`) and, for the server optimizers, applies only element-wise IEEE-754
operations, so every verifier re-derives the same global model bytes from the public inputs.
Hyper-parameter names and defaults follow Flower's strategies.

Examples
--------
>>> import numpy as np
>>> from fedchain.fl.strategies import FedAdam
>>> strategy = FedAdam()
>>> glob = {"w": np.zeros(2, np.float32)}
>>> results = [({"w": np.array([0.1, 0.2], np.float32)}, 5), ({"w": np.array([0.3, 0.0], np.float32)}, 5)]
>>> new = strategy.aggregate(glob, results, server_round=1)
>>> restored = FedAdam()
>>> restored.load_state_dict(strategy.state_dict())
>>> a = strategy.aggregate(new, results, server_round=2)
>>> b = restored.aggregate(new, results, server_round=2)
>>> a["w"].tobytes() == b["w"].tobytes()
True
"""

from fedchain.fl.fixedpoint import FixedPointOverflowError
from fedchain.fl.strategies.base import ROUND_KEY, FitResult, Params, Strategy
from fedchain.fl.strategies.fedadagrad import FedAdagrad, adagrad_step
from fedchain.fl.strategies.fedadam import FedAdam, adam_step
from fedchain.fl.strategies.fedavg import FedAvg
from fedchain.fl.strategies.fedavgm import FedAvgM, fedavgm_step
from fedchain.fl.strategies.fedopt import FedOpt
from fedchain.fl.strategies.fedprox import FedProx
from fedchain.fl.strategies.fedyogi import FedYogi, yogi_step
from fedchain.fl.strategies.registry import STRATEGIES, Hyperparameter, hyperparameters, strategy_factory

__all__ = [
    "ROUND_KEY",
    "STRATEGIES",
    "FedAdagrad",
    "FedAdam",
    "FedAvg",
    "FedAvgM",
    "FedOpt",
    "FedProx",
    "FedYogi",
    "FitResult",
    "FixedPointOverflowError",
    "Hyperparameter",
    "Params",
    "Strategy",
    "adagrad_step",
    "adam_step",
    "fedavgm_step",
    "hyperparameters",
    "strategy_factory",
    "yogi_step",
]
