"""Partitioners: split a dataset's samples over federated clients, as seeded pure functions.

Every partitioner returns one ascending ``int64`` index array per partition, and every sample lands in
exactly one partition. The same arguments and seed always give the same partitions
(:func:`numpy.random.default_rng`). Names and parameters follow Flower Datasets where they fit; each function
has a frozen partitioner object of the same name as Flower's (``dirichlet`` and ``DirichletPartitioner``).

Examples
--------
>>> import numpy as np
>>> from fedchain.data.partition import PartitionStats, dirichlet, iid
>>> labels = np.repeat(np.arange(5), 50)
>>> parts = dirichlet(labels, 5, alpha=0.1, seed=1, min_partition_size=0)
>>> skewed = PartitionStats.from_partitions(labels, parts)
>>> uniform = PartitionStats.from_partitions(labels, iid(len(labels), 5, seed=1))
>>> skewed.mean_total_variation > uniform.mean_total_variation
True
"""

from fedchain.data._types import Partitions
from fedchain.data.partition.dirichlet_partitioner import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_MIN_PARTITION_SIZE,
    DirichletPartitioner,
    dirichlet,
)
from fedchain.data.partition.iid_partitioner import IidPartitioner, iid
from fedchain.data.partition.natural_id_partitioner import NaturalIdPartitioner, natural_id
from fedchain.data.partition.partitioner import Partitioner
from fedchain.data.partition.shard_partitioner import ShardPartitioner, shards
from fedchain.data.partition.stats import PartitionStats

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MIN_PARTITION_SIZE",
    "DirichletPartitioner",
    "IidPartitioner",
    "NaturalIdPartitioner",
    "PartitionStats",
    "Partitioner",
    "Partitions",
    "ShardPartitioner",
    "dirichlet",
    "iid",
    "natural_id",
    "shards",
]
