"""iid: a seeded uniform split into near-equal parts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedchain.data.partition import IidPartitioner, iid
from fedchain.exceptions import ConfigError


@st.composite
def sizes(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(1, 300))
    return n, draw(st.integers(1, n))


@settings(max_examples=150, deadline=None)
@given(shape=sizes(), seed=st.integers(0, 2**32 - 1))
def test_every_index_once_and_sizes_differ_by_at_most_one(
    shape: tuple[int, int], seed: int, assert_exact_cover: Callable[..., None]
) -> None:
    n, k = shape
    parts = iid(n, k, seed)
    assert len(parts) == k
    assert_exact_cover(parts, n)
    lengths = [len(p) for p in parts]
    assert max(lengths) - min(lengths) <= 1


def test_same_seed_same_partitions(same: Callable[..., bool]) -> None:
    assert same(iid(100, 7, seed=5), iid(100, 7, seed=5))


def test_different_seeds_differ(same: Callable[..., bool]) -> None:
    assert not same(iid(100, 7, seed=5), iid(100, 7, seed=6))


def test_one_partition_holds_everything() -> None:
    (only,) = iid(10, 1, seed=0)
    assert only.tolist() == list(range(10))


def test_object_matches_function(same: Callable[..., bool]) -> None:
    assert same(IidPartitioner(num_partitions=4, seed=9).partition(list(range(50))), iid(50, 4, seed=9))


@pytest.mark.parametrize(
    ("n_samples", "num_partitions", "seed", "message"),
    [
        (10, 0, 0, "num_partitions must be >= 1"),
        (10, -1, 0, "num_partitions must be >= 1"),
        (10, 11, 0, "must not exceed the number of samples"),
        (0, 1, 0, "n_samples must be >= 1"),
        (10, 2, -1, "seed must be >= 0"),
        (10, 2.0, 0, "num_partitions must be an integer"),
        (10, True, 0, "num_partitions must be an integer"),
        ("10", 2, 0, "n_samples must be an integer"),
    ],
)
def test_bad_arguments_raise_config_error(
    n_samples: object, num_partitions: object, seed: object, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        iid(n_samples, num_partitions, seed)  # type: ignore[arg-type]
