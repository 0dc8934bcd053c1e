"""Hospitals: scikit-learn's breast-cancer records (Wisconsin diagnostic, 569 patients) split over hospitals.

The data ships inside scikit-learn; nothing is downloaded. Labels follow scikit-learn: 0 = malignant,
1 = benign.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from sklearn.datasets import load_breast_cancer

from fedchain.data.datasets._prepare import (
    assemble,
    check_num_clients,
    client_names,
    resolve_partitioner,
    split_seeds,
    standardize,
    stratified_holdout,
)
from fedchain.data.datasets.federated_dataset import FederatedDataset
from fedchain.data.partition import Partitioner

DEFAULT_ALPHA: Final = 0.5
"""Dirichlet concentration the loaders use unless told otherwise (marked label skew)."""

DEFAULT_TEST_SIZE: Final = 0.2
"""Share of the records held out, per class, as the global test set."""

HOSPITAL_NAMES: Final = (
    "Aurora General",
    "Bayside Clinic",
    "Cedar Medical",
    "Delta University Hospital",
    "Elm Street Infirmary",
    "Fjord Regional",
    "Granite Children's",
    "Harbor Oncology",
    "Iris Women's Health",
    "Juniper Valley Hospital",
    "Kestrel Cancer Centre",
    "Lakeside Memorial",
)
"""Client names of :func:`hospitals`, in order (more clients repeat them with a ``#2`` suffix)."""


def hospitals(
    num_clients: int = 3,
    *,
    partitioner: str | Partitioner = "dirichlet",
    alpha: float = DEFAULT_ALPHA,
    seed: int = 0,
    test_size: float = DEFAULT_TEST_SIZE,
) -> FederatedDataset:
    """Breast-cancer diagnosis (binary, 30 features) split over ``num_clients`` hospitals.

    A stratified ``test_size`` share is held out as the global test set; the rest is split by the
    partitioner. Features are standardised with the mean and standard deviation of the pooled training
    records; those constants are ``result.scaling`` and belong to the public task spec.

    Parameters
    ----------
    num_clients
        Number of hospitals.
    partitioner
        ``"dirichlet"`` (label skew with ``alpha``, at least 10 records each), ``"iid"``, ``"shard"``
        (2 label-sorted shards each), or any :class:`~fedchain.data.partition.Partitioner` object (its own
        parameters and seed then apply).
    alpha
        Dirichlet concentration for ``partitioner="dirichlet"``; smaller is more skewed.
    seed
        Seeds the held-out split and the partitioning; the same seed gives the same data set.
    test_size
        Share of records held out, strictly between 0 and 1.

    Returns
    -------
    FederatedDataset
        Task ``"binary"``, classes ``("malignant", "benign")``.

    Raises
    ------
    ConfigError
        For an invalid argument, or if the partitioner cannot give every hospital records.

    Examples
    --------
    >>> from fedchain.data import hospitals
    >>> data = hospitals(4, seed=7)
    >>> data.client_names
    ('Aurora General', 'Bayside Clinic', 'Cedar Medical', 'Delta University Hospital')
    >>> len(data.y_test), sum(len(c) for c in data.clients)
    (113, 456)
    """
    raw = load_breast_cancer()
    x = np.asarray(raw.data, dtype=np.float64)
    y = np.asarray(raw.target, dtype=np.int64)
    split_seed, partition_seed, _ = split_seeds(seed)
    train, test = stratified_holdout(y, test_size, split_seed)
    k = check_num_clients(num_clients, len(train))
    chosen = resolve_partitioner(partitioner, k, alpha, partition_seed)
    return assemble(
        name="hospitals",
        x_raw=x,
        y=y,
        train=train,
        test=test,
        parts=chosen.partition(y[train]),
        names=client_names(HOSPITAL_NAMES, k),
        feature_names=tuple(str(f) for f in raw.feature_names),
        class_names=tuple(str(c) for c in raw.target_names),
        task="binary",
        scaling=standardize(x[train]),
        partitioning=repr(chosen),
    )
