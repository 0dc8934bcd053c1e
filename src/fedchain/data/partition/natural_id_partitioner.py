"""Natural partitioning: one partition per distinct id (a bank, a hospital, a device, a writer)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fedchain.data._checks import as_labels
from fedchain.data._types import Partitions


def natural_id(ids: npt.ArrayLike) -> Partitions:
    """Group the samples by id: partition ``i`` holds the samples whose id is ``numpy.unique(ids)[i]``.

    Parameters
    ----------
    ids
        One id per sample (integers or strings), e.g. the bank a transaction was recorded at.

    Returns
    -------
    Partitions
        One ascending ``int64`` index array per distinct id, in sorted id order; none is empty.

    Raises
    ------
    ConfigError
        If ``ids`` is empty, not one-dimensional, or holds NaN.

    Examples
    --------
    >>> from fedchain.data.partition import natural_id
    >>> [part.tolist() for part in natural_id(["b", "a", "b", "c", "a"])]
    [[1, 4], [0, 2], [3]]
    """
    values = as_labels("ids", ids)
    _, inverse = np.unique(values, return_inverse=True)
    order = np.argsort(inverse, kind="stable").astype(np.int64)
    cuts = np.flatnonzero(np.diff(inverse[order])) + 1
    return tuple(np.split(order, cuts))


@dataclass(frozen=True)
class NaturalIdPartitioner:
    """Partitioner object for :func:`natural_id` (Flower Datasets' ``NaturalIdPartitioner``).

    It takes no parameters: the number of partitions is the number of distinct ids.

    Examples
    --------
    >>> from fedchain.data.partition import NaturalIdPartitioner
    >>> len(NaturalIdPartitioner().partition([7, 3, 7, 9]))
    3
    """

    def partition(self, labels: npt.ArrayLike) -> Partitions:
        """Group the samples with :func:`natural_id` (``labels`` is Flower's ``partition_by`` column)."""
        return natural_id(labels)
