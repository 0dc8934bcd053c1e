"""A PyTorch ``nn.Module`` as a :class:`~fedchain.fl.client.NumPyClient` (torch is imported lazily).

Parameters are **every** ``state_dict()`` entry, buffers included (BatchNorm statistics, the int64
``num_batches_tracked``), dtypes preserved, in **sorted name order**: the canonical order of
:class:`~fedchain.codec.ModelSpec`, so ``to_named(client.get_parameters({}), client.spec)`` names them.
Setting and getting are bit-exact. The FedProx term ``mu / 2 * ||w - w_global||^2`` covers the trainable
parameters.

Importing this module does not import torch; constructing a :class:`TorchClient` does, and raises
:class:`~fedchain.exceptions.ConfigError` naming the extra (``pip install 'fedchain[torch]'``) when it is
missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

from fedchain.codec import ModelSpec, TensorSpec
from fedchain.exceptions import ConfigError, NonFiniteError
from fedchain.fl.adapters._config import config_float, config_int, round_seed
from fedchain.fl.client import check_config, check_parameters
from fedchain.fl.typing import Config, EvaluateRes, FitRes, Metrics, NDArrays

if TYPE_CHECKING:
    import torch

TORCH_EXTRA = "fedchain[torch]"
"""The extra that installs PyTorch."""


def import_torch() -> ModuleType:
    """Return the ``torch`` module, or raise :class:`ConfigError` naming the extra to install."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise ConfigError(f"this needs PyTorch: pip install '{TORCH_EXTRA}'") from None


class TorchClient:
    """Local training of a PyTorch module on one participant's data loaders.

    Parameters
    ----------
    module
        The model; it always holds the latest parameters set by ``fit`` / ``evaluate``.
    train_loader, test_loader
        Iterables of ``(inputs, targets)`` batches (e.g. ``torch.utils.data.DataLoader``).
    loss_fn
        ``loss_fn(outputs, targets)`` returning the mean loss of a batch.
    optimizer_factory
        Called with the module's parameters at every ``fit``, e.g. ``lambda p: torch.optim.SGD(p, lr=0.1)``.
    local_epochs
        Passes over ``train_loader`` per ``fit`` (``config["local_epochs"]`` overrides it).
    device
        Where to train; parameters travel as CPU NumPy arrays.
    seed
        With ``config["server_round"]``, seeds ``torch.manual_seed`` before training (shuffling, dropout).

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[-2.0], [-1.0], [1.0], [2.0]]); y = torch.tensor([0, 0, 1, 1])
    >>> loader = [(x, y)]
    >>> client = TorchClient(torch.nn.Linear(1, 2), loader, loader, loss_fn=torch.nn.functional.cross_entropy,
    ...     optimizer_factory=lambda p: torch.optim.SGD(p, lr=0.5), local_epochs=20)
    >>> client.spec.names
    ('bias', 'weight')
    >>> params, n, _ = client.fit(client.get_parameters({}), {})
    >>> n, client.evaluate(params, {})[2]["accuracy"]
    (4, 1.0)
    """

    def __init__(
        self,
        module: torch.nn.Module,
        train_loader: Iterable[Any],
        test_loader: Iterable[Any],
        *,
        loss_fn: Callable[[Any, Any], torch.Tensor],
        optimizer_factory: Callable[[Iterable[torch.nn.Parameter]], torch.optim.Optimizer],
        local_epochs: int = 1,
        device: str = "cpu",
        seed: int = 0,
    ) -> None:
        self._torch = import_torch()
        if not isinstance(module, self._torch.nn.Module):
            raise ConfigError(f"module must be a torch.nn.Module, not {type(module).__name__}")
        self.device = self._torch.device(device)
        self.module = module.to(self.device)
        self.train_loader, self.test_loader = train_loader, test_loader
        self.loss_fn, self.optimizer_factory = loss_fn, optimizer_factory
        self.local_epochs = config_int({"local_epochs": local_epochs}, "local_epochs", 1, minimum=1)
        self.seed = seed
        state = self.module.state_dict()
        try:
            tensors = tuple(
                TensorSpec(name, _numpy_dtype(value), tuple(value.shape)) for name, value in state.items()
            )
        except (ConfigError, TypeError) as exc:
            raise ConfigError(f"unsupported state_dict entry: {exc}") from None
        self.spec = ModelSpec(tensors)
        """The :class:`~fedchain.codec.ModelSpec` of ``state_dict()`` (names sorted)."""

    def get_parameters(self, config: Config) -> NDArrays:
        """Return copies of every ``state_dict()`` entry as NumPy arrays, sorted by name."""
        state = self.module.state_dict()
        return [state[name].detach().cpu().numpy().copy() for name in self.spec.names]

    def set_parameters(self, parameters: NDArrays) -> None:
        """Load arrays (in :attr:`spec` order) into the module, bit for bit.

        Raises
        ------
        SpecMismatchError
            If the arrays differ from :attr:`spec` (count, dtype, shape).
        NonFiniteError
            If a value is NaN or infinite.
        """
        arrays = check_parameters(parameters, self.spec)
        state = {
            name: self._torch.from_numpy(np.array(a)) for name, a in zip(self.spec.names, arrays, strict=True)
        }
        self.module.load_state_dict(state, strict=True)

    def fit(self, parameters: NDArrays, config: Config) -> tuple[NDArrays, int, Metrics]:
        """Set ``parameters``, train ``local_epochs`` passes; return ``(parameters, examples, metrics)``.

        ``examples`` is the number of examples in one pass over ``train_loader``.

        With ``config["proximal_mu"] > 0`` the FedProx term is added to every batch's loss (as in the
        paper and Flower); with plain SGD it is stable for ``lr * mu < 2``.

        Raises
        ------
        NonFiniteError
            If training diverged; the module then holds ``parameters`` again.
        """
        torch = self._torch
        cfg = check_config(config)
        epochs = config_int(cfg, "local_epochs", self.local_epochs, minimum=1)
        mu = config_float(cfg, "proximal_mu", 0.0, minimum=0.0)
        self.set_parameters(parameters)
        torch.manual_seed(int(np.random.SeedSequence(round_seed(self.seed, cfg)).generate_state(1)[0]))
        trainable = [p for p in self.module.parameters() if p.requires_grad]
        anchors = [p.detach().clone() for p in trainable]
        optimizer = self.optimizer_factory(self.module.parameters())
        self.module.train()
        num_examples, total = 0, 0.0
        for epoch in range(epochs):
            seen, total = 0, 0.0
            for inputs, targets in self.train_loader:
                inputs, targets = inputs.to(self.device), targets.to(self.device)
                optimizer.zero_grad()
                loss = self.loss_fn(self.module(inputs), targets)
                total += float(loss.detach()) * len(targets)
                if mu > 0.0:
                    loss = loss + mu / 2 * sum(
                        ((p - a) ** 2).sum() for p, a in zip(trainable, anchors, strict=True)
                    )
                torch.autograd.backward(loss)
                optimizer.step()
                seen += len(targets)
            if epoch == 0:
                num_examples = seen
        if num_examples == 0:
            raise ConfigError("train_loader yielded no examples")
        params = self.get_parameters({})
        if any(a.dtype.kind == "f" and not np.isfinite(a).all() for a in params):
            self.set_parameters(parameters)  # leave the module as it was given, not broken
            raise NonFiniteError("local training diverged (NaN or Inf); lower the learning rate")
        return FitRes(params, num_examples, {"train_loss": total / num_examples})

    def evaluate(self, parameters: NDArrays, config: Config) -> tuple[float, int, Metrics]:
        """Set ``parameters``; return the mean test loss, the number of test examples and metrics.

        ``{"accuracy": ...}`` is reported when outputs are ``(n, classes)`` scores and targets class indices.
        """
        torch = self._torch
        check_config(config)
        self.set_parameters(parameters)
        self.module.eval()
        n, total, correct, classification = 0, 0.0, 0, True
        with torch.no_grad():
            for inputs, targets in self.test_loader:
                inputs, targets = inputs.to(self.device), targets.to(self.device)
                outputs = self.module(inputs)
                total += float(self.loss_fn(outputs, targets)) * len(targets)
                n += len(targets)
                if outputs.ndim == 2 and outputs.shape[1] > 1 and not targets.is_floating_point():
                    correct += int((outputs.argmax(dim=1) == targets).sum())
                else:
                    classification = False
        if n == 0:
            raise ConfigError("test_loader yielded no examples")
        metrics: Metrics = {"accuracy": correct / n} if classification else {}
        return EvaluateRes(total / n, n, metrics)


def _numpy_dtype(value: torch.Tensor) -> str:
    """The NumPy dtype name a tensor converts to (``bfloat16`` and complex types have none allowed)."""
    return str(value.detach().cpu().numpy().dtype.name)
