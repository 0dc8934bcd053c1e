"""Adapters that make existing learning code a :class:`~fedchain.fl.client.NumPyClient`.

=========================================  ==========================================  ================
adapter                                    wraps                                       needs
=========================================  ==========================================  ================
:class:`~.sklearn.SklearnLinearClient`     scikit-learn linear models                  (core)
:class:`~.torch.TorchClient`               a PyTorch ``nn.Module`` and data loaders    ``fedchain[torch]``
:class:`~.flower.FlowerClientAdapter`      a Flower ``NumPyClient`` or ``Client``      ``fedchain[flower]``
=========================================  ==========================================  ================

Importing this package imports neither torch nor Flower; the adapters import them when constructed.
"""

from fedchain.fl.adapters.flower import FlowerClientAdapter
from fedchain.fl.adapters.sklearn import SklearnLinearClient, logistic_clients
from fedchain.fl.adapters.torch import TorchClient

__all__ = ["FlowerClientAdapter", "SklearnLinearClient", "TorchClient", "logistic_clients"]
