"""FlowerClientAdapter: Flower clients, unchanged, behind fedchain's checks (needs the flower extra)."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from fedchain.codec import ModelSpec
from fedchain.exceptions import ConfigError, NonFiniteError, SpecMismatchError
from fedchain.fl import ClientResultError, Config, Metrics, NDArrays, NumPyClient
from fedchain.fl.adapters import FlowerClientAdapter

SPEC = ModelSpec.from_arrays({"a": np.zeros((2, 3), np.float32), "b": np.zeros(3, np.float32)})


def start() -> list[np.ndarray]:
    return [np.arange(6, dtype=np.float32).reshape(2, 3) / 7, np.full(3, 0.1, np.float32)]


@pytest.fixture
def flower_client(flwr: ModuleType) -> type:
    """A typical Flower NumPyClient subclass, written for Flower alone."""

    class FlowerClient(flwr.client.NumPyClient):  # type: ignore[misc]
        def __init__(self, returns: Any = None) -> None:
            self.returns = returns
            self.seen: list[Config] = []

        def get_parameters(self, config: Config) -> NDArrays:
            return start()

        def fit(self, parameters: NDArrays, config: Config) -> tuple[NDArrays, int, Metrics]:
            self.seen.append(config)
            config["touched"] = True  # a careless client must not change the caller's config
            if self.returns is not None:
                return self.returns  # type: ignore[no-any-return]
            return [p * 2 for p in parameters], 12, {"epochs": config.get("local_epochs", 1)}

        def evaluate(self, parameters: NDArrays, config: Config) -> tuple[float, int, Metrics]:
            return 0.5, 6, {"accuracy": 0.75}

    return FlowerClient


def test_a_flower_numpy_client_runs_unchanged(flower_client: type) -> None:
    before = dict(vars(flower_client))
    client = FlowerClientAdapter(flower_client(), SPEC)
    assert isinstance(client, NumPyClient)
    config: dict[str, Any] = {"local_epochs": np.int64(3), "lr": np.float32(0.25)}
    params, n, metrics = client.fit(client.get_parameters({}), config)
    assert [p.tobytes() for p in params] == [(p * 2).tobytes() for p in start()]
    assert (n, metrics) == (12, {"epochs": 3})
    assert client.wrapped.seen[0] == {"local_epochs": 3, "lr": 0.25, "touched": True}
    assert [type(v) for v in client.wrapped.seen[0].values()] == [int, float, bool]
    assert "touched" not in config
    assert client.evaluate(params, {}) == (0.5, 6, {"accuracy": 0.75})
    assert dict(vars(flower_client)) == before


def test_to_client_is_unwrapped_to_the_numpy_client(flower_client: type) -> None:
    inner = flower_client()
    client = FlowerClientAdapter(inner.to_client(), SPEC)
    assert client.wrapped is inner
    assert client.fit(start(), {})[1] == 12


def test_a_message_level_flower_client_goes_through_flowers_serialisation(flwr: ModuleType) -> None:
    common = flwr.common

    class MessageClient(flwr.client.Client):  # type: ignore[misc]
        def get_parameters(self, ins: Any) -> Any:
            return common.GetParametersRes(
                common.Status(common.Code.OK, ""), common.ndarrays_to_parameters(start())
            )

        def fit(self, ins: Any) -> Any:
            arrays = [a + 1 for a in common.parameters_to_ndarrays(ins.parameters)]
            return common.FitRes(
                common.Status(common.Code.OK, ""), common.ndarrays_to_parameters(arrays), 5, {}
            )

        def evaluate(self, ins: Any) -> Any:
            return common.EvaluateRes(common.Status(common.Code.OK, ""), 0.25, 5, {"accuracy": 1.0})

    client = FlowerClientAdapter(MessageClient(), SPEC)
    assert [p.tobytes() for p in client.get_parameters({})] == [p.tobytes() for p in start()]
    params, n, _ = client.fit(start(), {"x": 1})
    assert [p.tobytes() for p in params] == [(p + 1).tobytes() for p in start()] and n == 5
    assert client.evaluate(start(), {}) == (0.25, 5, {"accuracy": 1.0})


def test_a_non_ok_status_is_a_result_error(flwr: ModuleType) -> None:
    common = flwr.common

    class Failing(flwr.client.Client):  # type: ignore[misc]
        def fit(self, ins: Any) -> Any:
            status = common.Status(common.Code.FIT_NOT_IMPLEMENTED, "no")
            return common.FitRes(status, common.ndarrays_to_parameters([]), 0, {})

    with pytest.raises(ClientResultError, match="status"):
        FlowerClientAdapter(Failing(), SPEC).fit(start(), {})


def test_an_object_with_only_to_client_is_converted(flower_client: type) -> None:
    inner = flower_client()

    class App:
        def to_client(self) -> Any:
            return inner.to_client()

    assert FlowerClientAdapter(App(), SPEC).wrapped is inner


@pytest.mark.parametrize(
    ("returns", "error"),
    [
        (([np.full((2, 3), np.nan, np.float32), np.zeros(3, np.float32)], 1, {}), NonFiniteError),
        (([np.zeros((3, 2), np.float32), np.zeros(3, np.float32)], 1, {}), SpecMismatchError),
        (([np.zeros((2, 3)), np.zeros(3)], 1, {}), SpecMismatchError),
        (([np.zeros((2, 3), np.float32)], 1, {}), SpecMismatchError),
        ((start(), 0, {}), ClientResultError),
        ((start(), 1, {"m": [1]}), ClientResultError),
        ((start(), 1), ClientResultError),
        (("not arrays", 1, {}), SpecMismatchError),
        (([np.array(["a", "b"]), np.zeros(3, np.float32)], 1, {}), SpecMismatchError),
    ],
)
def test_a_bad_result_is_a_typed_error(flower_client: type, returns: Any, error: type) -> None:
    for spec in (SPEC, None):  # without a spec, the result must match what the client was given
        with pytest.raises(error):
            FlowerClientAdapter(flower_client(returns), spec).fit(start(), {})


def test_bad_parameters_are_refused_before_the_client_sees_them(flower_client: type) -> None:
    client = FlowerClientAdapter(flower_client(), SPEC)
    with pytest.raises(SpecMismatchError):
        client.fit(start()[:1], {})
    with pytest.raises(NonFiniteError):
        client.evaluate([np.full((2, 3), np.inf, np.float32), np.zeros(3, np.float32)], {})
    assert client.wrapped.seen == []


def test_something_else_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a Flower"):
        FlowerClientAdapter(object())


def test_without_flower_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    class App:
        def to_client(self) -> Any:
            raise AssertionError("not reached")

    monkeypatch.setitem(sys.modules, "flwr", None)
    with pytest.raises(ConfigError, match=r"fedchain\[flower\]"):
        FlowerClientAdapter(App())
