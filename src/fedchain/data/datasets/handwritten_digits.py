"""Digits: scikit-learn's 8x8 handwritten digits (1,797 images, 10 classes) split over devices.

The data ships inside scikit-learn; nothing is downloaded. Pixels (0..16) are divided by 16, a fixed public
scaling that needs no statistics of anyone's data.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from sklearn.datasets import load_digits

from fedchain.data.datasets._prepare import (
    assemble,
    check_num_clients,
    client_names,
    resolve_partitioner,
    split_seeds,
    stratified_holdout,
)
from fedchain.data.datasets.breast_cancer import DEFAULT_ALPHA, DEFAULT_TEST_SIZE
from fedchain.data.datasets.federated_dataset import FeatureScaling, FederatedDataset
from fedchain.data.partition import Partitioner

PIXEL_MAX: Final = 16.0
"""Largest pixel value of the 8x8 digits; features are ``pixel / PIXEL_MAX`` in ``[0, 1]``."""


def digits(
    num_clients: int = 10,
    *,
    partitioner: str | Partitioner = "dirichlet",
    alpha: float = DEFAULT_ALPHA,
    seed: int = 0,
    test_size: float = DEFAULT_TEST_SIZE,
) -> FederatedDataset:
    """Handwritten digits (10 classes, 64 pixel features in ``[0, 1]``) split over ``num_clients`` devices.

    A stratified ``test_size`` share is held out as the global test set; the rest is split by the
    partitioner. ``result.scaling`` is the fixed map ``pixel / 16``.

    Parameters
    ----------
    num_clients
        Number of devices; they are named ``device-00``, ``device-01``, ...
    partitioner
        ``"dirichlet"`` (label skew with ``alpha``, at least 10 records each), ``"iid"``, ``"shard"``
        (2 label-sorted shards each, as McMahan et al. split MNIST), or any
        :class:`~fedchain.data.partition.Partitioner` object (its own parameters and seed then apply).
    alpha
        Dirichlet concentration for ``partitioner="dirichlet"``; smaller is more skewed.
    seed
        Seeds the held-out split and the partitioning; the same seed gives the same data set.
    test_size
        Share of records held out, strictly between 0 and 1.

    Returns
    -------
    FederatedDataset
        Task ``"multiclass"``, classes ``"0"`` to ``"9"``.

    Raises
    ------
    ConfigError
        For an invalid argument, or if the partitioner cannot give every device records.

    Examples
    --------
    >>> from fedchain.data import digits
    >>> data = digits(5, partitioner="shard", seed=0)
    >>> data.num_classes, data.num_features, float(data.x_test.max()) <= 1.0
    (10, 64, True)
    >>> data.stats().mean_total_variation > 0.5
    True
    """
    raw = load_digits()
    x = np.asarray(raw.data, dtype=np.float64)
    y = np.asarray(raw.target, dtype=np.int64)
    split_seed, partition_seed, _ = split_seeds(seed)
    train, test = stratified_holdout(y, test_size, split_seed)
    k = check_num_clients(num_clients, len(train))
    chosen = resolve_partitioner(partitioner, k, alpha, partition_seed)
    width = max(2, len(str(k - 1)))
    return assemble(
        name="digits",
        x_raw=x,
        y=y,
        train=train,
        test=test,
        parts=chosen.partition(y[train]),
        names=client_names([f"device-{i:0{width}d}" for i in range(k)], k),
        feature_names=tuple(str(f) for f in raw.feature_names),
        class_names=tuple(str(c) for c in raw.target_names),
        task="multiclass",
        scaling=FeatureScaling(offset=np.zeros(x.shape[1]), scale=np.full(x.shape[1], PIXEL_MAX)),
        partitioning=repr(chosen),
    )
