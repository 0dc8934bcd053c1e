"""Federated data: partitioners that split samples over clients, and ready-made federated data sets.

Pure numpy, no chain code. Partitioners (:mod:`fedchain.data.partition`) are seeded pure functions with
Flower Datasets' names (``iid``/``IidPartitioner``, ``dirichlet``/``DirichletPartitioner``,
``shards``/``ShardPartitioner``, ``natural_id``/``NaturalIdPartitioner``). Loaders
(:mod:`fedchain.data.datasets`) return a :class:`FederatedDataset`: each client's records, a held-out global
test set, and the public metadata a task spec needs (feature names, classes, feature scaling).

Examples
--------
>>> from fedchain.data import hospitals
>>> data = hospitals(3, partitioner="dirichlet", alpha=0.5, seed=0)
>>> data.client_names
('Aurora General', 'Bayside Clinic', 'Cedar Medical')
>>> x, y = data.centralized()      # the pooled baseline
>>> alone = data.client("Bayside Clinic")  # one hospital on its own
>>> x.shape[1] == alone.x.shape[1] == 30
True
"""

from fedchain.data._types import FloatArray, IntArray, Partitions
from fedchain.data.datasets import (
    ClientData,
    FeatureScaling,
    FederatedDataset,
    TaskType,
    digits,
    fraud,
    hospitals,
)
from fedchain.data.partition import (
    DirichletPartitioner,
    IidPartitioner,
    NaturalIdPartitioner,
    Partitioner,
    PartitionStats,
    ShardPartitioner,
    dirichlet,
    iid,
    natural_id,
    shards,
)

__all__ = [
    "ClientData",
    "DirichletPartitioner",
    "FeatureScaling",
    "FederatedDataset",
    "FloatArray",
    "IidPartitioner",
    "IntArray",
    "NaturalIdPartitioner",
    "PartitionStats",
    "Partitioner",
    "Partitions",
    "ShardPartitioner",
    "TaskType",
    "digits",
    "dirichlet",
    "fraud",
    "hospitals",
    "iid",
    "natural_id",
    "shards",
]
