"""Strategy state: save after round k, restore into a fresh strategy, round k + 1 gives identical bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedchain.codec import decode, encode
from fedchain.codec._types import NDArray
from fedchain.exceptions import ConfigError, NonFiniteError, SpecMismatchError
from fedchain.fl.strategies import (
    ROUND_KEY,
    FedAdagrad,
    FedAdam,
    FedAvg,
    FedAvgM,
    FedProx,
    FedYogi,
    FitResult,
    Strategy,
)

FACTORIES: dict[str, Callable[[], Strategy]] = {
    "FedAvg": FedAvg,
    "FedProx": lambda: FedProx(proximal_mu=0.5),
    "FedAvgM": lambda: FedAvgM(server_learning_rate=0.7, server_momentum=0.9),
    "FedAdam": FedAdam,
    "FedAdamNoBias": lambda: FedAdam(bias_correction=False),
    "FedYogi": FedYogi,
    "FedAdagrad": FedAdagrad,
}
STATEFUL = ["FedAvgM", "FedAdam", "FedAdamNoBias", "FedYogi", "FedAdagrad"]


def model(rng: np.random.Generator, dtype: type[np.floating]) -> dict[str, NDArray]:
    return {
        "dense.kernel": rng.standard_normal((3, 2)).astype(dtype),
        "dense.bias": rng.standard_normal(2).astype(dtype),
    }


def results_for(rng: np.random.Generator, dtype: type[np.floating], count: int) -> list[FitResult]:
    return [(model(rng, dtype), int(rng.integers(1, 1000))) for _ in range(count)]


def digest(named: dict[str, NDArray]) -> str:
    return hashlib.sha256(encode(named)).hexdigest()


def run(
    strategy: Strategy, glob: dict[str, NDArray], rounds: list[list[FitResult]], first: int = 1
) -> dict[str, NDArray]:
    for offset, results in enumerate(rounds):
        glob = strategy.aggregate(glob, results, first + offset)
    return glob


@pytest.mark.parametrize("name", sorted(FACTORIES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_restored_state_continues_bit_for_bit(name: str, dtype: type[np.floating]) -> None:
    rng = np.random.default_rng(11)
    glob0 = model(rng, dtype)
    rounds = [results_for(rng, dtype, 3) for _ in range(4)]

    original = FACTORIES[name]()
    glob_k = run(original, glob0, rounds[:3])
    blob = encode(original.state_dict())  # what an aggregator would store, and a verifier fetch

    restored = FACTORIES[name]()
    restored.load_state_dict(decode(blob))
    assert encode(restored.state_dict()) == blob
    assert digest(restored.aggregate(glob_k, rounds[3], 4)) == digest(
        original.aggregate(glob_k, rounds[3], 4)
    )
    assert encode(restored.state_dict()) == encode(original.state_dict())

    # ...and a verifier replaying the whole history from scratch reaches the same model and state.
    replay = FACTORIES[name]()
    assert digest(run(replay, glob0, rounds)) == digest(run(FACTORIES[name](), glob0, rounds))


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_the_order_of_the_results_does_not_matter(name: str) -> None:
    rng = np.random.default_rng(5)
    glob0 = model(rng, np.float32)
    rounds = [results_for(rng, np.float32, 5) for _ in range(3)]
    forward = run(FACTORIES[name](), glob0, rounds)
    backward = run(FACTORIES[name](), glob0, [list(reversed(r)) for r in rounds])
    assert digest(forward) == digest(backward)


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(STATEFUL),
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 3),
    permutation=st.permutations(range(4)),
)
def test_save_restore_and_any_result_order_give_identical_bytes(
    name: str, seed: int, k: int, permutation: list[int]
) -> None:
    rng = np.random.default_rng(seed)
    glob0 = model(rng, np.float32)
    rounds = [results_for(rng, np.float32, 4) for _ in range(k + 1)]
    original = FACTORIES[name]()
    glob_k = run(original, glob0, rounds[:k])
    restored = FACTORIES[name]()
    restored.load_state_dict(original.state_dict())
    shuffled = [rounds[k][i] for i in permutation]
    assert digest(restored.aggregate(glob_k, shuffled, k + 1)) == digest(
        original.aggregate(glob_k, rounds[k], k + 1)
    )
    assert digest(restored.state_dict()) == digest(original.state_dict())


def test_state_dict_layout() -> None:
    strategy = FedAdam()
    assert strategy.state_dict() == {ROUND_KEY: np.array(0)}
    strategy.aggregate({"w": np.zeros(2)}, [({"w": np.ones(2)}, 1)], 7)
    state = strategy.state_dict()
    assert sorted(state) == ["m_t/w", ROUND_KEY, "v_t/w"]
    assert state[ROUND_KEY].dtype == np.int64 and int(state[ROUND_KEY]) == 7
    state["m_t/w"][0] = 123.0  # a copy: the strategy is unaffected
    assert strategy.state_dict()["m_t/w"][0] != 123.0


def test_loading_state_sets_the_last_round() -> None:
    strategy = FedYogi()
    strategy.aggregate({"w": np.zeros(2)}, [({"w": np.ones(2)}, 1)], 4)
    fresh = FedYogi()
    fresh.load_state_dict(strategy.state_dict())
    with pytest.raises(ConfigError, match="already aggregated round 4"):
        fresh.aggregate({"w": np.zeros(2)}, [({"w": np.ones(2)}, 1)], 4)


@pytest.mark.parametrize("name", ["FedAvg", "FedProx"])
def test_stateless_strategies_have_empty_state(name: str) -> None:
    strategy = FACTORIES[name]()
    assert strategy.state_dict() == {}
    strategy.load_state_dict({})
    with pytest.raises(ConfigError, match="stateless"):
        strategy.load_state_dict({ROUND_KEY: np.array(1)})


@pytest.mark.parametrize(
    ("state", "error"),
    [
        ({}, ConfigError),  # no server_round
        ({ROUND_KEY: np.array([1])}, ConfigError),  # not 0-d
        ({ROUND_KEY: np.array(1.0)}, ConfigError),  # not an integer
        ({ROUND_KEY: np.array(-1)}, ConfigError),
        ({ROUND_KEY: np.array(1), "momentum_vector/w": np.zeros(2)}, ConfigError),  # another strategy's slot
        ({ROUND_KEY: np.array(1), "m_t": np.zeros(2)}, ConfigError),
        ({ROUND_KEY: np.array(1), "m_t/": np.zeros(2)}, ConfigError),
        ({ROUND_KEY: np.array(1), "m_t/w": np.zeros(2, np.int64)}, SpecMismatchError),
        ({ROUND_KEY: np.array(1), "m_t/w": np.array([np.nan, 0.0])}, NonFiniteError),
    ],
)
def test_malformed_state_is_refused_and_leaves_the_state_unchanged(
    state: dict[str, NDArray], error: type
) -> None:
    strategy = FedAdam()
    strategy.aggregate({"w": np.zeros(2)}, [({"w": np.ones(2)}, 1)], 1)
    before = encode(strategy.state_dict())
    with pytest.raises(error):
        strategy.load_state_dict(state)
    assert encode(strategy.state_dict()) == before


@pytest.mark.parametrize(
    "state",
    [
        {ROUND_KEY: np.array(1), "m_t/w": np.zeros(3), "v_t/w": np.zeros(3)},  # other shape
        {ROUND_KEY: np.array(1), "m_t/w": np.zeros(2, np.float32), "v_t/w": np.zeros(2)},  # other dtype
        {ROUND_KEY: np.array(1), "m_t/x": np.zeros(2), "v_t/x": np.zeros(2)},  # other tensor
    ],
)
def test_state_that_does_not_fit_the_model_is_refused_at_aggregation(state: dict[str, NDArray]) -> None:
    strategy = FedAdam()
    strategy.load_state_dict(state)
    with pytest.raises(SpecMismatchError, match="state"):
        strategy.aggregate({"w": np.zeros(2)}, [({"w": np.ones(2)}, 1)], 2)
    assert encode(strategy.state_dict()) == encode(state)
