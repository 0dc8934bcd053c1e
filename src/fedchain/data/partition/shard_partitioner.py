"""Pathological non-IID partitioning by label-sorted shards (McMahan et al., 2017).

The samples are sorted by label (ties in a seeded random order), cut into
``num_partitions * num_shards_per_partition`` contiguous shards, and each partition receives
``num_shards_per_partition`` shards chosen at random. A shard covers a contiguous run of labels, usually a
single one, so each client sees only a few classes. Unlike Flower Datasets' ``ShardPartitioner`` no sample is
dropped: shard sizes differ by at most one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fedchain.data._checks import as_labels, check_int, check_num_partitions, check_seed
from fedchain.data._types import Partitions
from fedchain.exceptions import ConfigError


def shards(
    labels: npt.ArrayLike, num_partitions: int, num_shards_per_partition: int, seed: int
) -> Partitions:
    """Give each partition ``num_shards_per_partition`` random shards of the label-sorted samples.

    Parameters
    ----------
    labels
        One label per sample (integers or strings).
    num_partitions
        Number of partitions (clients), at least 1.
    num_shards_per_partition
        Shards per partition, at least 1; ``num_partitions * num_shards_per_partition`` must not exceed the
        number of samples (every shard holds at least one).
    seed
        Seed of :func:`numpy.random.default_rng`; the same arguments give the same partitions.

    Returns
    -------
    Partitions
        One ascending ``int64`` index array per partition; together they hold every index exactly once.
        Sorted by label, each partition's samples form at most ``num_shards_per_partition`` runs of
        consecutive classes.

    Raises
    ------
    ConfigError
        For an invalid argument, or when there are fewer samples than shards.

    Examples
    --------
    >>> from fedchain.data.partition import shards
    >>> labels = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
    >>> parts = shards(labels, num_partitions=3, num_shards_per_partition=2, seed=0)
    >>> [sorted({labels[i] for i in part}) for part in parts]
    [[0, 1], [1, 2], [0, 2]]
    """
    y = as_labels("labels", labels)
    n = len(y)
    k = check_num_partitions(num_partitions, n)
    per_partition = check_int("num_shards_per_partition", num_shards_per_partition, minimum=1)
    num_shards = k * per_partition
    if num_shards > n:
        raise ConfigError(
            f"{k} partitions x {per_partition} shards = {num_shards} shards, more than the {n} samples"
        )
    rng = np.random.default_rng(check_seed(seed))
    shuffled = rng.permutation(n).astype(np.int64)
    order = shuffled[np.argsort(y[shuffled], kind="stable")]
    pieces = np.array_split(order, num_shards)
    owners = rng.permutation(num_shards).reshape(k, per_partition)
    return tuple(np.sort(np.concatenate([pieces[s] for s in row])) for row in owners)


@dataclass(frozen=True)
class ShardPartitioner:
    """Partitioner object for :func:`shards` (Flower Datasets' ``ShardPartitioner``, keeping every sample).

    Examples
    --------
    >>> from fedchain.data.partition import ShardPartitioner
    >>> [len(p) for p in ShardPartitioner(num_partitions=2, num_shards_per_partition=2).partition(range(9))]
    [5, 4]
    """

    num_partitions: int
    num_shards_per_partition: int = 2
    seed: int = 42

    def partition(self, labels: npt.ArrayLike) -> Partitions:
        """Split the samples with :func:`shards`, the labels being Flower's ``partition_by`` column."""
        return shards(labels, self.num_partitions, self.num_shards_per_partition, self.seed)
