"""Helpers for the data tests: checks every partitioner must pass."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import pytest


def _assert_exact_cover(parts: Sequence[npt.NDArray[np.int64]], n_samples: int) -> None:
    """Every index ``0 .. n_samples - 1`` is in exactly one partition; partitions are ascending int64."""
    for part in parts:
        assert part.dtype == np.int64
        assert part.ndim == 1
        assert np.all(np.diff(part) > 0), "a partition is not strictly ascending"
    joined = np.concatenate(list(parts)) if parts else np.empty(0, np.int64)
    assert len(joined) == n_samples
    assert np.array_equal(np.sort(joined), np.arange(n_samples))


@pytest.fixture(scope="session")
def assert_exact_cover() -> Callable[[Sequence[npt.NDArray[np.int64]], int], None]:
    """Return the exact-cover check for partitions of ``n_samples`` samples."""
    return _assert_exact_cover


def same_partitions(left: Sequence[npt.NDArray[np.int64]], right: Sequence[npt.NDArray[np.int64]]) -> bool:
    """Whether two partitionings are identical, partition by partition."""
    return len(left) == len(right) and all(np.array_equal(a, b) for a, b in zip(left, right, strict=True))


@pytest.fixture(scope="session")
def same() -> Callable[[Sequence[npt.NDArray[np.int64]], Sequence[npt.NDArray[np.int64]]], bool]:
    """Return the partition-by-partition equality check."""
    return same_partitions
