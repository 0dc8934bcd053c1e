"""The NumPyClient protocol: who satisfies it, and the public surface of fedchain.fl."""

from __future__ import annotations

import subprocess
import sys
from types import ModuleType

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import fedchain.fl
from fedchain.fl import Config, Metrics, NDArrays, NumPyClient
from fedchain.fl.adapters import FlowerClientAdapter, SklearnLinearClient


class PlainClient:
    """A client written against nothing but the signatures."""

    def get_parameters(self, config: Config) -> NDArrays:
        return [np.zeros(2, np.float32)]

    def fit(self, parameters: NDArrays, config: Config) -> tuple[NDArrays, int, Metrics]:
        return parameters, 1, {}

    def evaluate(self, parameters: NDArrays, config: Config) -> tuple[float, int, Metrics]:
        return 0.0, 1, {}


def isort_key(name: str) -> tuple[int, str]:
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_a_plain_class_is_a_numpy_client() -> None:
    client: NumPyClient = PlainClient()  # also checked statically by mypy
    assert isinstance(client, NumPyClient)


@pytest.mark.parametrize("missing", ["get_parameters", "fit", "evaluate"])
def test_an_object_without_a_method_is_not(missing: str) -> None:
    methods = {
        name: lambda self, *a: None for name in ("get_parameters", "fit", "evaluate") if name != missing
    }
    assert not isinstance(type("Partial", (), methods)(), NumPyClient)


def test_the_sklearn_adapter_is_a_numpy_client(breast_cancer) -> None:  # type: ignore[no-untyped-def]
    client = SklearnLinearClient(LogisticRegression(), *breast_cancer)
    assert isinstance(client, NumPyClient)


def test_the_flower_adapter_is_a_numpy_client() -> None:
    assert isinstance(FlowerClientAdapter(PlainClient()), NumPyClient)


def test_the_torch_adapter_is_a_numpy_client(torch: ModuleType) -> None:
    from fedchain.fl.adapters import TorchClient

    loader = [(torch.zeros(2, 3), torch.zeros(2, dtype=torch.long))]
    client = TorchClient(
        torch.nn.Linear(3, 2),
        loader,
        loader,
        loss_fn=torch.nn.functional.cross_entropy,
        optimizer_factory=lambda p: torch.optim.SGD(p, lr=0.1),
    )
    assert isinstance(client, NumPyClient)


def test_a_flower_numpy_client_subclass_is_a_numpy_client_as_is(flwr: ModuleType) -> None:

    class FlowerClient(flwr.client.NumPyClient):  # type: ignore[misc]
        def get_parameters(self, config: Config) -> NDArrays:
            return [np.ones(3)]

    assert isinstance(FlowerClient(), NumPyClient)
    assert isinstance(FlowerClient().to_client(), NumPyClient)  # Flower's Client has the same method names


def test_all_is_sorted_unique_and_importable() -> None:
    names = fedchain.fl.__all__
    assert names == sorted(names, key=isort_key)
    assert len(set(names)) == len(names)
    assert all(getattr(fedchain.fl, name) is not None for name in names)


def test_importing_fedchain_fl_imports_neither_torch_nor_flower() -> None:
    code = (
        "import sys, fedchain.fl, fedchain.fl.adapters; print('torch' in sys.modules, 'flwr' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
