"""The interface every partitioner object satisfies (Flower Datasets calls it ``Partitioner`` too)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy.typing as npt

from fedchain.data._types import Partitions


@runtime_checkable
class Partitioner(Protocol):
    """Splits the samples of a dataset into ``num_partitions`` disjoint index sets.

    Unlike Flower's partitioners, which hold a Hugging Face dataset and a ``partition_by`` column name, a
    fedchain partitioner is a frozen value: :meth:`partition` receives the ``partition_by`` column itself (the
    labels, or the natural ids) and returns every partition at once.
    """

    def partition(self, labels: npt.ArrayLike) -> Partitions:
        """Return one ascending ``int64`` index array per partition; every sample is in exactly one."""
        ...
