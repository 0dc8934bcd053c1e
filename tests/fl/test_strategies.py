"""Server strategies: known answers, Flower's update rules, round configuration, refusals."""

from __future__ import annotations

import doctest
import importlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import fedchain.fl.strategies
from fedchain.codec._types import NDArray
from fedchain.exceptions import ConfigError, NonFiniteError, SpecMismatchError
from fedchain.fl.fixedpoint import FixedPointConfig, aggregate_fixed_point
from fedchain.fl.strategies import (
    FedAdagrad,
    FedAdam,
    FedAvg,
    FedAvgM,
    FedProx,
    FedYogi,
    FixedPointOverflowError,
    Strategy,
)
from fedchain.fl.strategies.fedopt import int_power

MODULES = [
    "fedchain.fl.strategies",
    "fedchain.fl.strategies.base",
    "fedchain.fl.strategies.fedadagrad",
    "fedchain.fl.strategies.fedadam",
    "fedchain.fl.strategies.fedavg",
    "fedchain.fl.strategies.fedavgm",
    "fedchain.fl.strategies.fedopt",
    "fedchain.fl.strategies.fedprox",
    "fedchain.fl.strategies.fedyogi",
]

FACTORIES: dict[str, Callable[[], Strategy]] = {
    "FedAvg": FedAvg,
    "FedProx": lambda: FedProx(proximal_mu=0.5),
    "FedAvgM": lambda: FedAvgM(server_learning_rate=0.7, server_momentum=0.9),
    "FedAdam": FedAdam,
    "FedYogi": FedYogi,
    "FedAdagrad": FedAdagrad,
}


def isort_key(name: str) -> tuple[int, str]:
    """Ruff's RUF022 order: CONSTANTS, then Classes, then functions; each alphabetical."""
    kind = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return kind, name


def test_all_is_sorted_unique_and_importable() -> None:
    names = fedchain.fl.strategies.__all__
    assert names == sorted(names, key=isort_key)
    assert len(set(names)) == len(names)
    assert all(getattr(fedchain.fl.strategies, name) is not None for name in names)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name: str) -> None:
    assert doctest.testmod(importlib.import_module(module_name)).failed == 0


# -- defaults: the names and values Flower users know --------------------------------------------------


def test_defaults_match_flower() -> None:
    adam, yogi, adagrad, avgm = FedAdam(), FedYogi(), FedAdagrad(), FedAvgM()
    assert (adam.eta, adam.eta_l, adam.beta_1, adam.beta_2, adam.tau) == (0.1, 0.1, 0.9, 0.99, 1e-9)
    assert adam.bias_correction is True
    assert (yogi.eta, yogi.eta_l, yogi.beta_1, yogi.beta_2, yogi.tau) == (0.01, 0.0316, 0.9, 0.99, 1e-3)
    assert (adagrad.eta, adagrad.eta_l, adagrad.beta_1, adagrad.beta_2, adagrad.tau) == (
        0.1,
        0.1,
        0.0,
        0.0,
        1e-9,
    )
    assert (avgm.server_learning_rate, avgm.server_momentum) == (1.0, 0.0)
    with pytest.raises(TypeError):
        FedProx()  # type: ignore[call-arg]  # proximal_mu is required, as in Flower


def test_repr_shows_the_hyperparameters() -> None:
    assert "proximal_mu=0.5" in repr(FedProx(proximal_mu=0.5))
    assert repr(FedAdam()).startswith("FedAdam(eta=0.1, eta_l=0.1, beta_1=0.9, beta_2=0.99, tau=1e-09")


# -- known answers, one step each (hand-computed, exact in binary) -------------------------------------


def one_client(
    value: list[float], weight: int = 4, dtype: Any = np.float64
) -> list[tuple[dict[str, NDArray], int]]:
    return [({"w": np.array(value, dtype=dtype)}, weight)]


def test_fedavg_known_answer() -> None:
    results = [({"w": np.array([1.0, -1.0])}, 1), ({"w": np.array([2.0, 1.0])}, 3)]
    assert FedAvg().aggregate({"w": np.zeros(2)}, results, 1)["w"].tolist() == [1.75, 0.5]


def test_fedprox_aggregates_like_fedavg() -> None:
    results = [({"w": np.array([0.1, -1.0])}, 7), ({"w": np.array([2.0, 0.3])}, 3)]
    glob = {"w": np.zeros(2)}
    expected = FedAvg().aggregate(glob, results, 1)["w"].tobytes()
    assert FedProx(proximal_mu=1.0).aggregate(glob, results, 1)["w"].tobytes() == expected


def test_fedavgm_known_answer_two_rounds() -> None:
    strategy = FedAvgM(server_learning_rate=0.5, server_momentum=0.5)
    # g = [1, -2]; v = g; x - 0.5 v
    first = strategy.aggregate({"w": np.array([1.0, -1.0])}, one_client([0.0, 1.0]), 1)
    assert first["w"].tolist() == [0.5, 0.0]
    # g = [0.5, -1]; v = 0.5 * [1, -2] + g = [1, -2]; x - 0.5 v
    second = strategy.aggregate(first, one_client([0.0, 1.0]), 2)
    assert second["w"].tolist() == [0.0, 1.0]
    assert strategy.state_dict()["momentum_vector/w"].tolist() == [1.0, -2.0]


def test_fedavgm_without_server_optimisation_is_fedavg() -> None:
    results = [({"w": np.array([0.1, -1.0])}, 7), ({"w": np.array([2.0, 0.3])}, 3)]
    glob = {"w": np.array([5.0, 5.0])}
    strategy = FedAvgM()
    assert (
        strategy.aggregate(glob, results, 1)["w"].tobytes()
        == FedAvg().aggregate(glob, results, 1)["w"].tobytes()
    )
    assert strategy.state_dict() == {"server_round": np.array(1)}


def test_fedadam_known_answer_without_bias_correction() -> None:
    strategy = FedAdam(eta=0.1, beta_1=0.5, beta_2=0.75, tau=0.5, bias_correction=False)
    # delta = 1; m = 0.5; v = 0.25; x + 0.1 * 0.5 / (0.5 + 0.5)
    out = strategy.aggregate({"w": np.array([0.0])}, one_client([1.0]), 1)
    assert out["w"].tolist() == [0.05]
    state = strategy.state_dict()
    assert (state["m_t/w"].tolist(), state["v_t/w"].tolist()) == ([0.5], [0.25])


def test_fedadam_known_answer_with_bias_correction() -> None:
    strategy = FedAdam(eta=0.1, beta_1=0.5, beta_2=0.5, tau=0.5)
    # round 1 uses the exponent 2 (Flower): eta_t = 0.1 * sqrt(1 - 0.25) / (1 - 0.25); m = 0.5; v = 0.5
    out = strategy.aggregate({"w": np.array([0.0])}, one_client([1.0]), 1)
    eta_t = 0.1 * math.sqrt(0.75) / 0.75
    assert out["w"].tolist() == [eta_t * 0.5 / (math.sqrt(0.5) + 0.5)]


def test_fedyogi_known_answer() -> None:
    strategy = FedYogi(eta=0.5, beta_1=0.5, beta_2=0.75, tau=1.0)
    # delta = 2; m = 1; v = 0 - 0.25 * 4 * sign(0 - 4) = 1; x + 0.5 * 1 / (1 + 1)
    out = strategy.aggregate({"w": np.array([0.0])}, one_client([2.0]), 1)
    assert out["w"].tolist() == [0.25]
    state = strategy.state_dict()
    assert (state["m_t/w"].tolist(), state["v_t/w"].tolist()) == ([1.0], [1.0])


def test_fedadagrad_known_answer_two_rounds() -> None:
    strategy = FedAdagrad(eta=0.5, tau=1.0)
    # delta = 3; v = 9; x + 0.5 * 3 / (3 + 1)
    first = strategy.aggregate({"w": np.array([1.0])}, one_client([4.0]), 1)
    assert first["w"].tolist() == [1.375]
    # delta = 4 - 1.375 = 2.625; v = 9 + 6.890625 = 15.890625; sqrt not exact: compare to the formula
    second = strategy.aggregate(first, one_client([4.0]), 2)
    assert second["w"].tolist() == [1.375 + 0.5 * 2.625 / (math.sqrt(15.890625) + 1.0)]
    assert sorted(strategy.state_dict()) == ["server_round", "v_t/w"]


def test_int_power_known_answers() -> None:
    assert [int_power(0.5, k) for k in range(5)] == [1.0, 0.5, 0.25, 0.125, 0.0625]
    assert int_power(0.9, 2) == 0.9 * 0.9
    assert int_power(0.99, 1000) == pytest.approx(0.99**1000, rel=1e-13)
    with pytest.raises(ValueError):
        int_power(0.5, -1)


# -- Flower's update rules, written as Flower writes them, over several rounds --------------------------


def flower_fedavgm(
    x: NDArray, avg: NDArray, momentum: NDArray | None, lr: float, beta: float, rnd: int
) -> tuple[NDArray, NDArray | None]:
    pseudo_gradient = x - avg
    if beta > 0.0:
        momentum = beta * momentum + pseudo_gradient if rnd > 1 and momentum is not None else pseudo_gradient
        pseudo_gradient = momentum
    return x - lr * pseudo_gradient, momentum


def flower_fedopt(
    kind: str, x: NDArray, avg: NDArray, m: NDArray | None, v: NDArray | None, hp: dict[str, float], rnd: int
) -> tuple[NDArray, NDArray, NDArray]:
    delta = avg - x
    m = np.zeros_like(delta) if m is None else m
    v = np.zeros_like(delta) if v is None else v
    b1, b2 = hp["beta_1"], hp["beta_2"]
    if kind == "adagrad":
        m = delta
        v = v + np.multiply(delta, delta)
        return x + hp["eta"] * m / (np.sqrt(v) + hp["tau"]), m, v
    m = np.multiply(b1, m) + (1 - b1) * delta
    if kind == "adam":
        v = b2 * v + (1 - b2) * np.multiply(delta, delta)
        eta = hp["eta"] * np.sqrt(1 - np.power(b2, rnd + 1.0)) / (1 - np.power(b1, rnd + 1.0))
        return x + eta * m / (np.sqrt(v) + hp["tau"]), m, v
    v = v - (1.0 - b2) * np.multiply(delta, delta) * np.sign(v - np.multiply(delta, delta))
    return x + hp["eta"] * m / (np.sqrt(v) + hp["tau"]), m, v


def random_round(rng: np.random.Generator) -> list[tuple[dict[str, NDArray], int]]:
    return [
        ({"w": rng.standard_normal((3, 4))}, int(rng.integers(1, 100)))
        for _ in range(int(rng.integers(1, 5)))
    ]


def test_fedavgm_follows_flower_bit_for_bit() -> None:
    rng = np.random.default_rng(1)
    strategy = FedAvgM(server_learning_rate=0.7, server_momentum=0.9)
    ours, theirs, momentum = {"w": rng.standard_normal((3, 4))}, rng.standard_normal((3, 4)), None
    theirs = ours["w"].copy()
    for rnd in range(1, 6):
        results = random_round(rng)
        avg = aggregate_fixed_point(results)["w"]
        ours = strategy.aggregate(ours, results, rnd)
        theirs, momentum = flower_fedavgm(theirs, avg, momentum, 0.7, 0.9, rnd)
        assert ours["w"].tobytes() == theirs.tobytes()


@pytest.mark.parametrize(
    ("kind", "factory"),
    [
        ("adagrad", lambda: FedAdagrad(eta=0.3, tau=1e-3)),
        ("yogi", lambda: FedYogi(eta=0.3, beta_1=0.8, beta_2=0.9, tau=1e-3)),
        ("adam", lambda: FedAdam(eta=0.3, beta_1=0.8, beta_2=0.9, tau=1e-3)),
    ],
)
def test_fedopt_family_follows_flower(kind: str, factory: Callable[[], Strategy]) -> None:
    rng = np.random.default_rng(2)
    strategy = factory()
    hp = {"eta": 0.3, "beta_1": 0.8, "beta_2": 0.9, "tau": 1e-3}
    ours = {"w": rng.standard_normal((3, 4))}
    theirs, m, v = ours["w"].copy(), None, None
    for rnd in range(1, 6):
        results = random_round(rng)
        avg = aggregate_fixed_point(results)["w"]
        ours = strategy.aggregate(ours, results, rnd)
        theirs, m, v = flower_fedopt(kind, theirs, avg, m, v, hp, rnd)
        if kind == "adam":  # Flower's np.power vs our int_power may differ in the last bit
            np.testing.assert_allclose(ours["w"], theirs, rtol=1e-13, atol=0)
            theirs = ours["w"].copy()
        else:
            assert np.array_equal(ours["w"], theirs)


# -- dtypes ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FACTORIES))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_every_strategy_keeps_the_model_dtype(name: str, dtype: Any) -> None:
    strategy = FACTORIES[name]()
    glob = {"w": np.full((2, 2), 0.5, dtype), "b": np.zeros((), dtype)}
    results = [({"w": np.full((2, 2), 0.25, dtype), "b": np.ones((), dtype)}, 3)]
    for rnd in (1, 2):
        glob = strategy.aggregate(glob, results, rnd)
        assert {k: (type(v), v.dtype, v.shape) for k, v in glob.items()} == {
            "b": (np.ndarray, np.dtype(dtype), ()),
            "w": (np.ndarray, np.dtype(dtype), (2, 2)),
        }
    assert all(array.dtype == np.dtype(dtype) for key, array in strategy.state_dict().items() if "/" in key)


def test_fixed_point_format_is_a_parameter() -> None:
    results = [({"w": np.array([0.3])}, 1)]
    out = FedAvg(fixed_point=FixedPointConfig(frac_bits=2)).aggregate({"w": np.zeros(1)}, results, 1)
    assert out["w"].tolist() == [0.25]
    with pytest.raises(ConfigError):
        FedAvg(fixed_point=(24, 64))  # type: ignore[arg-type]


# -- configure_fit ----------------------------------------------------------------------------------------


def test_configure_fit_merges_static_values_the_round_function_and_the_strategy() -> None:
    strategy = FedProx(
        proximal_mu=0.01,
        fit_config={"local_epochs": 1, "proximal_mu": 99.0},
        on_fit_config_fn=lambda rnd: {"lr": 0.5 / rnd, "local_epochs": rnd},
    )
    assert strategy.configure_fit(2) == {"local_epochs": 2, "proximal_mu": 0.01, "lr": 0.25}
    config = strategy.configure_fit(1)
    config["local_epochs"] = 100
    assert strategy.configure_fit(1)["local_epochs"] == 1


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_configure_fit_defaults(name: str) -> None:
    expected = {"proximal_mu": 0.5} if name == "FedProx" else {}
    assert FACTORIES[name]().configure_fit(1) == expected


@pytest.mark.parametrize("server_round", [0, -1, True, 1.0, "1", None])
def test_bad_rounds_are_refused(server_round: Any) -> None:
    with pytest.raises(ConfigError):
        FedAvg().configure_fit(server_round)
    with pytest.raises(ConfigError):
        FedAvg().aggregate({"w": np.zeros(1)}, one_client([1.0]), server_round)


def test_on_fit_config_fn_must_be_callable() -> None:
    with pytest.raises(ConfigError):
        FedAvg(on_fit_config_fn=3)  # type: ignore[arg-type]


# -- hyper-parameters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: FedProx(proximal_mu=-0.1),
        lambda: FedProx(proximal_mu=math.nan),
        lambda: FedProx(proximal_mu="0.1"),  # type: ignore[arg-type]
        lambda: FedAvgM(server_learning_rate=0.0),
        lambda: FedAvgM(server_momentum=-0.5),
        lambda: FedAvgM(server_momentum=math.inf),
        lambda: FedAdam(eta=0.0),
        lambda: FedAdam(eta_l=-1.0),
        lambda: FedAdam(beta_1=1.0),
        lambda: FedAdam(beta_2=-0.1),
        lambda: FedAdam(tau=0.0),
        lambda: FedYogi(beta_1=True),
        lambda: FedAdagrad(tau=-1e-9),
    ],
)
def test_bad_hyperparameters_are_refused(make: Callable[[], Strategy]) -> None:
    with pytest.raises(ConfigError):
        make()


# -- refusals during aggregation ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_results_that_do_not_match_the_global_model_are_refused(name: str) -> None:
    strategy = FACTORIES[name]()
    glob = {"w": np.zeros(3)}
    for results in (
        [({"v": np.zeros(3)}, 1)],
        [({"w": np.zeros(4)}, 1)],
        [({"w": np.zeros(3, np.float32)}, 1)],
        [({"w": np.zeros(3), "extra": np.zeros(1)}, 1)],
    ):
        with pytest.raises(SpecMismatchError):
            strategy.aggregate(glob, results, 1)
    assert strategy.state_dict() == FACTORIES[name]().state_dict()  # nothing was stored


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_bad_inputs_are_refused_by_every_strategy(name: str) -> None:
    strategy = FACTORIES[name]()
    glob = {"w": np.zeros(3)}
    with pytest.raises(ConfigError):
        strategy.aggregate(glob, [], 1)
    with pytest.raises(ConfigError):
        strategy.aggregate(glob, [({"w": np.ones(3)}, 0)], 1)
    with pytest.raises(NonFiniteError):
        strategy.aggregate(glob, [({"w": np.array([1.0, np.nan, 0.0])}, 1)], 1)
    with pytest.raises(NonFiniteError):
        strategy.aggregate({"w": np.array([np.inf, 0.0, 0.0])}, [({"w": np.ones(3)}, 1)], 1)
    with pytest.raises(SpecMismatchError):
        strategy.aggregate({"w": np.zeros(3, np.int64)}, [({"w": np.ones(3)}, 1)], 1)
    with pytest.raises(FixedPointOverflowError):
        strategy.aggregate(glob, [({"w": np.full(3, 2.0**45)}, 1)], 1)


@pytest.mark.parametrize("name", ["FedAvgM", "FedAdam", "FedYogi", "FedAdagrad"])
def test_stateful_strategies_refuse_a_round_already_aggregated(name: str) -> None:
    strategy = FACTORIES[name]()
    glob = strategy.aggregate({"w": np.zeros(2)}, one_client([1.0, 2.0]), 3)
    for server_round in (3, 2):
        with pytest.raises(ConfigError, match="already aggregated round 3"):
            strategy.aggregate(glob, one_client([1.0, 2.0]), server_round)
    strategy.aggregate(glob, one_client([1.0, 2.0]), 5)  # rounds may be skipped


def test_stateless_strategies_may_re_derive_any_round() -> None:
    strategy = FedAvg()
    first = strategy.aggregate({"w": np.zeros(2)}, one_client([1.0, 2.0]), 5)
    assert (
        strategy.aggregate({"w": np.zeros(2)}, one_client([1.0, 2.0]), 2)["w"].tobytes()
        == first["w"].tobytes()
    )


def test_a_step_that_overflows_is_refused_and_leaves_the_state_unchanged() -> None:
    strategy = FedAvgM(server_learning_rate=1e38, server_momentum=0.5)
    glob = {"w": np.zeros(2, np.float32)}
    glob = strategy.aggregate(glob, one_client([1e-30, 0.0], dtype=np.float32), 1)  # 0 quanta
    before = {k: v.tobytes() for k, v in strategy.state_dict().items()}
    with pytest.raises(NonFiniteError):
        strategy.aggregate(
            glob, one_client([100.0, 0.0], dtype=np.float32), 2
        )  # 1e38 * ~100 is Inf in float32
    assert {k: v.tobytes() for k, v in strategy.state_dict().items()} == before
