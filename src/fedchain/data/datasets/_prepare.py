"""Steps the loaders share: seeds, a stratified held-out split, partitioner choice, scaling, assembly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt

from fedchain.data._checks import check_fraction, check_int, check_positive, check_seed
from fedchain.data._types import FloatArray, IntArray, Partitions
from fedchain.data.datasets.federated_dataset import ClientData, FeatureScaling, FederatedDataset, TaskType
from fedchain.data.partition import (
    DEFAULT_MIN_PARTITION_SIZE,
    DirichletPartitioner,
    IidPartitioner,
    Partitioner,
    ShardPartitioner,
)
from fedchain.exceptions import ConfigError

ArrayT = TypeVar("ArrayT", FloatArray, IntArray)

PARTITIONER_NAMES: Final = ("dirichlet", "iid", "shard")
"""Partitioners a loader accepts by name; any :class:`Partitioner` object is accepted as well."""


def split_seeds(seed: int) -> tuple[int, int, int]:
    """Three independent seeds derived from one: held-out split, partitioning, data generation."""
    state = np.random.SeedSequence(check_seed(seed)).generate_state(3, dtype=np.uint32)
    return int(state[0]), int(state[1]), int(state[2])


def stratified_holdout(groups: npt.ArrayLike, test_size: float, seed: int) -> tuple[IntArray, IntArray]:
    """Ascending ``(train, test)`` indices; each group gives ``round(test_size * count)`` records to test."""
    fraction = check_fraction("test_size", test_size)
    codes = np.unique(np.asarray(groups), return_inverse=True)[1]
    rng = np.random.default_rng(seed)
    test: list[IntArray] = []
    for code in range(int(codes.max()) + 1):
        members = rng.permutation(np.flatnonzero(codes == code)).astype(np.int64)
        test.append(members[: round(fraction * len(members))])
    test_idx = np.sort(np.concatenate(test))
    train_mask = np.ones(len(codes), dtype=bool)
    train_mask[test_idx] = False
    return np.flatnonzero(train_mask).astype(np.int64), test_idx


def resolve_partitioner(
    partitioner: str | Partitioner, num_clients: int, alpha: float, seed: int
) -> Partitioner:
    """The partitioner object a loader uses: built from a name, or the given object as is."""
    if isinstance(partitioner, str):
        if partitioner == "dirichlet":
            check_positive("alpha", alpha)
            return DirichletPartitioner(num_clients, alpha, DEFAULT_MIN_PARTITION_SIZE, seed=seed)
        if partitioner == "iid":
            return IidPartitioner(num_clients, seed=seed)
        if partitioner == "shard":
            return ShardPartitioner(num_clients, seed=seed)
        raise ConfigError(f"unknown partitioner {partitioner!r}; choose one of {list(PARTITIONER_NAMES)}")
    if not isinstance(partitioner, Partitioner):
        raise ConfigError(f"partitioner must be a name or a Partitioner, not {type(partitioner).__name__}")
    return partitioner


def standardize(x_train: FloatArray) -> FeatureScaling:
    """Per-feature mean and standard deviation of the training records (a constant feature keeps scale 1)."""
    scale = x_train.std(axis=0)
    return FeatureScaling(offset=x_train.mean(axis=0), scale=np.where(scale > 0, scale, 1.0))


def client_names(base: Sequence[str], count: int) -> tuple[str, ...]:
    """``count`` distinct names: ``base`` first, then ``base`` again with a ``#2``, ``#3`` ... suffix."""
    return tuple(
        base[i] if i < len(base) else f"{base[i % len(base)]} #{i // len(base) + 1}" for i in range(count)
    )


def assemble(
    *,
    name: str,
    x_raw: FloatArray,
    y: IntArray,
    train: IntArray,
    test: IntArray,
    parts: Partitions,
    names: Sequence[str],
    feature_names: Sequence[str],
    class_names: Sequence[str],
    task: TaskType,
    scaling: FeatureScaling,
    partitioning: str,
) -> FederatedDataset:
    """Build the :class:`FederatedDataset`: ``parts`` index into ``train``; features pass ``scaling``."""
    if len(parts) != len(names):
        raise ConfigError(f"the partitioner made {len(parts)} partitions for {len(names)} clients")
    if any(len(p) == 0 for p in parts):
        raise ConfigError("the partitioner left a client without records; use fewer clients or another split")
    used = np.sort(np.concatenate(parts))
    if not np.array_equal(used, np.arange(len(train))):
        raise ConfigError("the partitions must hold every training record exactly once")
    clients = tuple(
        ClientData(client, frozen(scaling.transform(x_raw[train[p]])), frozen(y[train[p]]))
        for client, p in zip(names, parts, strict=True)
    )
    return FederatedDataset(
        name=name,
        clients=clients,
        x_test=frozen(scaling.transform(x_raw[test])),
        y_test=frozen(y[test]),
        feature_names=tuple(feature_names),
        class_names=tuple(class_names),
        task=task,
        scaling=scaling,
        partitioning=partitioning,
    )


def frozen(array: ArrayT) -> ArrayT:
    """Mark ``array`` read-only and return it: a frozen data set's arrays stay as loaded."""
    array.flags.writeable = False
    return array


def check_num_clients(num_clients: object, n_train: int) -> int:
    """``num_clients`` between 1 and the number of training records."""
    return check_int("num_clients", num_clients, minimum=1, maximum=n_train)
