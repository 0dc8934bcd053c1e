"""shards: McMahan et al.'s pathological split into label-sorted shards, keeping every sample."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedchain.data.partition import ShardPartitioner, shards
from fedchain.exceptions import ConfigError


def label_runs(labels: npt.ArrayLike, part: npt.NDArray[np.int64]) -> int:
    """Maximal runs of consecutive classes (in sorted class order) among the labels a partition holds."""
    classes = np.unique(np.asarray(labels))
    held = np.searchsorted(classes, np.unique(np.asarray(labels)[part]))
    return int(1 + np.count_nonzero(np.diff(held) > 1)) if len(held) else 0


@st.composite
def problems(draw: st.DrawFn) -> tuple[list[int], int, int]:
    labels = draw(st.lists(st.integers(0, 9), min_size=1, max_size=200))
    k = draw(st.integers(1, len(labels)))
    per = draw(st.integers(1, max(1, len(labels) // k)))
    return labels, k, per


@settings(max_examples=150, deadline=None)
@given(problem=problems(), seed=st.integers(0, 2**32 - 1))
def test_every_index_once_and_at_most_one_run_per_shard(
    problem: tuple[list[int], int, int], seed: int, assert_exact_cover: Callable[..., None]
) -> None:
    labels, k, per = problem
    parts = shards(labels, k, per, seed)
    assert len(parts) == k
    assert_exact_cover(parts, len(labels))
    assert all(label_runs(labels, part) <= per for part in parts)


def test_class_pure_shards_give_each_client_at_most_its_shard_count_of_labels() -> None:
    labels = np.repeat(np.arange(10), 30)  # 10 classes x 30; 5 clients x 2 shards of 30: one class per shard
    for seed in range(5):
        parts = shards(labels, 5, 2, seed)
        assert all(len(np.unique(labels[p])) <= 2 for p in parts)
        assert sorted(len(p) for p in parts) == [60] * 5


def test_shard_sizes_differ_by_at_most_one_so_partition_sizes_by_at_most_the_shard_count() -> None:
    parts = shards(np.arange(103) % 7, 4, 3, seed=0)
    lengths = [len(p) for p in parts]
    assert sum(lengths) == 103
    assert max(lengths) - min(lengths) <= 3


def test_same_seed_same_partitions(same: Callable[..., bool]) -> None:
    labels = np.arange(200) % 10
    assert same(shards(labels, 10, 2, seed=4), shards(labels, 10, 2, seed=4))


def test_different_seeds_differ(same: Callable[..., bool]) -> None:
    labels = np.arange(200) % 10
    assert not same(shards(labels, 10, 2, seed=4), shards(labels, 10, 2, seed=5))


def test_object_matches_function(same: Callable[..., bool]) -> None:
    labels: Sequence[str] = ["a", "b", "c", "d"] * 10
    assert same(ShardPartitioner(num_partitions=4, seed=1).partition(labels), shards(labels, 4, 2, 1))


@pytest.mark.parametrize(
    ("num_partitions", "per_partition", "message"),
    [
        (0, 2, "num_partitions must be >= 1"),
        (3, 0, "num_shards_per_partition must be >= 1"),
        (5, 3, "5 partitions x 3 shards = 15 shards, more than the 10 samples"),
        (11, 1, "must not exceed the number of samples"),
        (2, 1.5, "num_shards_per_partition must be an integer"),
    ],
)
def test_bad_arguments_raise_config_error(num_partitions: int, per_partition: int, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        shards(list(range(10)), num_partitions, per_partition, seed=0)
