"""TorchClient: a PyTorch module as a NumPy client (skipped without torch, failed under CI)."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from fedchain.exceptions import ConfigError, NonFiniteError, SpecMismatchError
from fedchain.fl import NumPyClient, to_named, validate_evaluate_result, validate_fit_result
from fedchain.fl.adapters.torch import TorchClient


def batches(torch: ModuleType, x: np.ndarray, y: np.ndarray, size: int = 50) -> list[tuple[Any, Any]]:
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.long)
    return [(xt[i : i + size], yt[i : i + size]) for i in range(0, len(x), size)]


def make(
    torch: ModuleType, data: Any, *, shuffle: bool = False, dropout: float = 0.0, **kw: Any
) -> TorchClient:
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Dropout(dropout), torch.nn.Linear(30, 2))
    if shuffle:
        dataset = torch.utils.data.TensorDataset(
            torch.tensor(data.x_train, dtype=torch.float32), torch.tensor(data.y_train, dtype=torch.long)
        )
        train: Any = torch.utils.data.DataLoader(dataset, batch_size=32, shuffle=True)
    else:
        train = batches(torch, data.x_train, data.y_train)
    return TorchClient(
        module,
        train,
        batches(torch, data.x_test, data.y_test),
        loss_fn=torch.nn.functional.cross_entropy,
        optimizer_factory=lambda p: torch.optim.SGD(p, lr=0.1),
        **kw,
    )


def bytes_of(params: list[np.ndarray]) -> list[bytes]:
    return [p.tobytes() for p in params]


def test_parameters_are_the_whole_state_dict_sorted_with_dtypes(torch: ModuleType) -> None:
    module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    loader = [(torch.zeros(2, 3), torch.zeros(2, dtype=torch.long))]
    client = TorchClient(
        module, loader, loader, loss_fn=torch.nn.functional.cross_entropy, optimizer_factory=torch.optim.SGD
    )
    assert client.spec.names == tuple(sorted(module.state_dict()))
    named = to_named(client.get_parameters({}), client.spec)
    assert named["1.num_batches_tracked"].dtype == np.int64 and named["0.weight"].dtype == np.float32


def test_set_then_get_is_bit_exact(torch: ModuleType, breast_cancer: Any) -> None:
    client = make(torch, breast_cancer)
    rng = np.random.default_rng(2)
    params = [rng.standard_normal(p.shape).astype(p.dtype) for p in client.get_parameters({})]
    client.set_parameters(params)
    assert bytes_of(client.get_parameters({})) == bytes_of(params)


def test_one_fit_on_breast_cancer_beats_the_initial_model(torch: ModuleType, breast_cancer: Any) -> None:
    client: NumPyClient = make(torch, breast_cancer, local_epochs=3, shuffle=True)
    initial = client.get_parameters({})
    before = validate_evaluate_result(client.evaluate(initial, {}))
    result = validate_fit_result(client.fit(initial, {}), make(torch, breast_cancer).spec)
    after = validate_evaluate_result(client.evaluate(result.parameters, {}))
    assert result.num_examples == 400
    assert after.metrics["accuracy"] > 0.9 and after.loss < before.loss


def test_mu_zero_is_plain_training(torch: ModuleType, breast_cancer: Any) -> None:
    client = make(torch, breast_cancer, local_epochs=2)
    start = client.get_parameters({})
    with_zero = client.fit(start, {"proximal_mu": 0.0})[0]
    assert bytes_of(client.fit(start, {})[0]) == bytes_of(with_zero)
    reference = make(torch, breast_cancer)  # the same loop, written out
    reference.set_parameters(start)
    optimizer = torch.optim.SGD(reference.module.parameters(), lr=0.1)
    for _ in range(2):
        for inputs, targets in batches(torch, breast_cancer.x_train, breast_cancer.y_train):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(reference.module(inputs), targets).backward()
            optimizer.step()
    assert bytes_of(reference.get_parameters({})) == bytes_of(with_zero)


def test_fedprox_pulls_towards_the_global_parameters(torch: ModuleType, breast_cancer: Any) -> None:
    client = make(torch, breast_cancer, local_epochs=2)
    start = client.get_parameters({})
    moved = {}
    for mu in (0.0, 1.0, 10.0):  # SGD with lr = 0.1 is stable for mu < 20; 10 damps fastest
        params = client.fit(start, {"proximal_mu": mu})[0]
        moved[mu] = max(float(np.abs(p - s).max()) for p, s in zip(params, start, strict=True))
    assert moved[0.0] > moved[1.0] > moved[10.0] and moved[10.0] < 0.25 * moved[0.0]


def test_diverging_training_raises_and_keeps_the_global_parameters(
    torch: ModuleType, breast_cancer: Any
) -> None:
    client = make(torch, breast_cancer, local_epochs=5)
    start = client.get_parameters({})
    with pytest.raises(NonFiniteError, match="diverged"):
        client.fit(start, {"proximal_mu": 1e6})
    assert bytes_of(client.get_parameters({})) == bytes_of(start)


def test_same_seed_same_bytes_with_shuffling_and_dropout(torch: ModuleType, breast_cancer: Any) -> None:
    def run(seed: int, server_round: int = 1) -> list[bytes]:
        client = make(torch, breast_cancer, shuffle=True, dropout=0.2, seed=seed)
        return bytes_of(client.fit(client.get_parameters({}), {"server_round": server_round})[0])

    assert run(3) == run(3)
    assert run(3) != run(4)
    assert run(3, 1) != run(3, 2)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda p: p[:1], SpecMismatchError),
        (lambda p: [p[0].astype(np.float64), p[1]], SpecMismatchError),
        (lambda p: [p[0], p[1].T], SpecMismatchError),
        (lambda p: [np.full_like(p[0], np.nan), p[1]], NonFiniteError),
    ],
)
def test_bad_parameters_are_refused(torch: ModuleType, breast_cancer: Any, change: Any, error: type) -> None:
    client = make(torch, breast_cancer)
    bad = change(client.get_parameters({}))
    with pytest.raises(error):
        client.fit(bad, {})
    with pytest.raises(error):
        client.evaluate(bad, {})


def test_a_non_module_is_refused(torch: ModuleType) -> None:
    with pytest.raises(ConfigError, match=r"torch\.nn\.Module"):
        TorchClient(object(), [], [], loss_fn=torch.nn.functional.mse_loss, optimizer_factory=torch.optim.SGD)  # type: ignore[arg-type]


def test_without_torch_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ConfigError, match=r"fedchain\[torch\]"):
        TorchClient(object(), [], [], loss_fn=print, optimizer_factory=print)  # type: ignore[arg-type]
