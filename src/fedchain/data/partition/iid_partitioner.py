"""IID partitioning: a seeded random permutation cut into near-equal parts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fedchain.data._checks import as_labels, check_int, check_num_partitions, check_seed
from fedchain.data._types import Partitions


def iid(n_samples: int, num_partitions: int, seed: int) -> Partitions:
    """Split ``range(n_samples)`` uniformly at random into ``num_partitions`` parts.

    Partition sizes differ by at most one (the first ``n_samples % num_partitions`` parts are the larger).

    Parameters
    ----------
    n_samples
        Number of samples, at least ``num_partitions``.
    num_partitions
        Number of partitions (clients), at least 1.
    seed
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same partitions.

    Returns
    -------
    Partitions
        One ascending ``int64`` index array per partition; together they hold every index exactly once.

    Raises
    ------
    ConfigError
        If ``num_partitions < 1``, ``num_partitions > n_samples`` or the seed is negative.

    Examples
    --------
    >>> from fedchain.data.partition import iid
    >>> [part.tolist() for part in iid(7, 3, seed=0)]
    [[2, 3, 4], [5, 6], [0, 1]]
    """
    n = check_int("n_samples", n_samples, minimum=1)
    k = check_num_partitions(num_partitions, n)
    rng = np.random.default_rng(check_seed(seed))
    order = rng.permutation(n).astype(np.int64)
    return tuple(np.sort(part) for part in np.array_split(order, k))


@dataclass(frozen=True)
class IidPartitioner:
    """Partitioner object for :func:`iid` (named after Flower Datasets' ``IidPartitioner``).

    Examples
    --------
    >>> from fedchain.data.partition import IidPartitioner
    >>> [len(part) for part in IidPartitioner(num_partitions=3, seed=1).partition([0, 1] * 5)]
    [4, 3, 3]
    """

    num_partitions: int
    seed: int = 42

    def partition(self, labels: npt.ArrayLike) -> Partitions:
        """Split ``len(labels)`` samples with :func:`iid`; the label values play no part."""
        return iid(len(as_labels("labels", labels)), self.num_partitions, self.seed)
