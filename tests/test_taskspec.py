"""The task spec: canonical bytes, every hyper-parameter spelled out, refused when malformed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fedchain.codec import ModelSpec, TensorSpec
from fedchain.exceptions import BlobNotFoundError, ConfigError
from fedchain.fl.strategies import STRATEGIES, FedAdam
from fedchain.storage import LocalDirectoryStore
from fedchain.taskspec import TaskSpec, fetch_task_spec, publish_task_spec

MODEL = ModelSpec((TensorSpec("coef", "float32", (1, 30)), TensorSpec("intercept", "float32", (1,))))


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_round_trips_with_the_same_hash(name: str) -> None:
    spec = TaskSpec(MODEL, name)
    again = TaskSpec.from_json(spec.canonical_json())
    assert again == spec and again.spec_hash() == spec.spec_hash()
    assert type(again.build_strategy()) is STRATEGIES[name]


def test_overrides_are_kept_and_defaults_spelled_out() -> None:
    spec = TaskSpec(MODEL, "FedAdam", {"eta": 0.05, "bias_correction": False})
    strategy = spec.build_strategy()
    assert isinstance(strategy, FedAdam) and strategy.eta == 0.05
    assert spec.strategy == "fedadam" and spec.strategy_params["tau"] == 1e-9
    assert spec.spec_hash() != TaskSpec(MODEL, "fedadam").spec_hash()  # hyper-parameters are in the hash
    assert TaskSpec(MODEL, "fedadam", {"eta": 0.1}).spec_hash() == TaskSpec(MODEL, "fedadam").spec_hash()


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("fedmagic", {}, "unknown strategy"),
        ("fedavg", {"eta": 1.0}, "no hyper-parameter"),
        ("fedadam", {"eta": "fast"}, "finite number"),
        ("fedadam", {"eta": float("nan")}, "finite number"),
        ("fedadam", {"bias_correction": 1.0}, "true or false"),
        ("fedadam", {"beta_1": 2.0}, "beta_1"),  # the class's own range check
    ],
)
def test_bad_strategies_are_refused(name: str, params: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        TaskSpec(MODEL, name, params)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d | {"format": "fedchain-task-spec/9"},
        lambda d: d | {"extra": 1},
        lambda d: {k: v for k, v in d.items() if k != "strategy"},
        lambda d: d | {"strategy": {"name": "fedavg"}},
        lambda d: d | {"model": {"format": "nope"}},
    ],
)
def test_malformed_documents_are_config_errors(mutate: object) -> None:
    doc = mutate(TaskSpec(MODEL, "fedavg").to_dict())  # type: ignore[operator]
    with pytest.raises(ConfigError):
        TaskSpec.from_json(json.dumps(doc))
    with pytest.raises(ConfigError):
        TaskSpec.from_json(b"\xff not json")


def test_published_spec_is_fetched_by_hash_and_a_missing_one_is_named(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)
    spec = TaskSpec(MODEL, "fedprox")
    ref = publish_task_spec(store, spec)
    assert ref.sha256 == spec.spec_hash()
    assert fetch_task_spec(store, ref.sha256) == spec
    with pytest.raises(BlobNotFoundError):
        fetch_task_spec(store, bytes(32))
