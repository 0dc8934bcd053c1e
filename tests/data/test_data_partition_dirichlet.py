"""dirichlet: label skew by per-class Dir(alpha) proportions (Hsu et al. 2019), with a minimum size."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedchain.data.partition import DirichletPartitioner, PartitionStats, dirichlet, iid
from fedchain.exceptions import ConfigError

LABELS = np.repeat(np.arange(10), 60)  # 600 samples, 10 balanced classes


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[int], int]:
    labels = draw(st.lists(st.integers(0, 5), min_size=1, max_size=200))
    return labels, draw(st.integers(1, len(labels)))


@settings(max_examples=150, deadline=None)
@given(
    problem=problems(),
    alpha=st.floats(0.05, 100.0),
    balancing=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_index_once(
    problem: tuple[list[int], int],
    alpha: float,
    balancing: bool,
    seed: int,
    assert_exact_cover: Callable[..., None],
) -> None:
    labels, k = problem
    parts = dirichlet(labels, k, alpha, seed, min_partition_size=0, self_balancing=balancing)
    assert len(parts) == k
    assert_exact_cover(parts, len(labels))


@settings(max_examples=50, deadline=None)
@given(k=st.integers(1, 8), minimum=st.integers(0, 20), seed=st.integers(0, 2**32 - 1))
def test_min_partition_size_holds_when_it_returns(k: int, minimum: int, seed: int) -> None:
    try:
        parts = dirichlet(LABELS, k, 1.0, seed, min_partition_size=minimum)
    except ConfigError as error:
        assert "was not met" in str(error)
    else:
        assert min(len(p) for p in parts) >= minimum


def test_same_seed_same_partitions(same: Callable[..., bool]) -> None:
    assert same(dirichlet(LABELS, 5, 0.5, seed=1), dirichlet(LABELS, 5, 0.5, seed=1))


def test_different_seeds_differ(same: Callable[..., bool]) -> None:
    assert not same(dirichlet(LABELS, 5, 0.5, seed=1), dirichlet(LABELS, 5, 0.5, seed=2))


def mean_skew(alpha: float, seeds: range = range(8)) -> float:
    values = []
    for seed in seeds:
        parts = dirichlet(LABELS, 10, alpha, seed, min_partition_size=0)
        values.append(PartitionStats.from_partitions(LABELS, parts).mean_total_variation)
    return float(np.mean(values))


def test_skew_grows_as_alpha_shrinks() -> None:
    skews = [mean_skew(alpha) for alpha in (1000.0, 10.0, 1.0, 0.1)]
    assert skews == sorted(skews), skews
    assert skews[0] < 0.05  # near IID
    assert skews[-1] > 0.6  # each client dominated by a few classes
    iid_skew = PartitionStats.from_partitions(LABELS, iid(len(LABELS), 10, seed=0)).mean_total_variation
    assert skews[-1] > 5 * iid_skew


def test_small_alpha_leaves_clients_few_classes() -> None:
    parts = dirichlet(LABELS, 10, 0.05, seed=3, min_partition_size=0)
    present = PartitionStats.from_partitions(LABELS, parts).describe()["classes_present"]
    assert np.mean(present) < 4


def test_self_balancing_evens_sizes() -> None:
    def spread(balancing: bool) -> float:
        sizes = [
            np.std(
                [
                    len(p)
                    for p in dirichlet(LABELS, 10, 0.3, s, min_partition_size=0, self_balancing=balancing)
                ]
            )
            for s in range(8)
        ]
        return float(np.mean(sizes))

    assert spread(True) < spread(False)


def test_per_partition_alpha_is_accepted(assert_exact_cover: Callable[..., None]) -> None:
    parts = dirichlet(LABELS, 3, [0.5, 1.0, 2.0], seed=0)
    assert_exact_cover(parts, len(LABELS))


def test_string_labels_work(assert_exact_cover: Callable[..., None]) -> None:
    labels = ["benign", "malignant", "benign"] * 20
    assert_exact_cover(dirichlet(labels, 4, 1.0, seed=0, min_partition_size=2), len(labels))


def test_object_matches_function(same: Callable[..., bool]) -> None:
    partitioner = DirichletPartitioner(
        num_partitions=4, alpha=0.3, min_partition_size=5, self_balancing=True, seed=2
    )
    expected = dirichlet(LABELS, 4, 0.3, 2, min_partition_size=5, self_balancing=True)
    assert same(partitioner.partition(LABELS), expected)


def test_unreachable_minimum_is_refused_before_drawing() -> None:
    with pytest.raises(
        ConfigError, match=r"min_partition_size=61 cannot be met: 10 partitions need at least 610"
    ):
        dirichlet(LABELS, 10, 1.0, seed=0, min_partition_size=61)


def test_minimum_missed_after_retries_is_a_clear_error() -> None:
    # 20 clients, tiny alpha: some client almost surely gets (nearly) nothing in each of 3 draws.
    with pytest.raises(
        ConfigError, match=r"min_partition_size=25 was not met in 3 Dirichlet draws.*raise alpha"
    ):
        dirichlet(LABELS, 20, 0.01, seed=0, min_partition_size=25, max_retries=2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"alpha": 0.0}, "alpha must be finite and > 0"),
        ({"alpha": -1.0}, "alpha must be finite and > 0"),
        ({"alpha": float("nan")}, "alpha must be finite and > 0"),
        ({"alpha": float("inf")}, "alpha must be finite and > 0"),
        ({"alpha": [1.0, 1.0]}, "alpha has 2 values, not one per partition"),
        ({"alpha": "1"}, "alpha must be a real number"),
        ({"num_partitions": 0}, "num_partitions must be >= 1"),
        ({"num_partitions": 601}, "must not exceed the number of samples"),
        ({"min_partition_size": -1}, "min_partition_size must be >= 0"),
        ({"max_retries": -1}, "max_retries must be >= 0"),
        ({"seed": -5}, "seed must be >= 0"),
        ({"labels": []}, "labels must not be empty"),
        ({"labels": [[0, 1], [1, 0]]}, "labels must be one-dimensional"),
        ({"labels": [0.0, float("nan")] * 10}, "labels must not contain NaN"),
        ({"self_balancing": 1}, "self_balancing must be a bool"),
    ],
)
def test_bad_arguments_raise_config_error(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "labels": LABELS,
        "num_partitions": 3,
        "alpha": 0.5,
        "seed": 0,
        "min_partition_size": 0,
    }
    arguments.update(kwargs)
    with pytest.raises(ConfigError, match=message):
        dirichlet(**arguments)  # type: ignore[arg-type]
