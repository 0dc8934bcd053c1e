"""How a partitioning looks: sizes, label histograms and how far each client is from the global mix."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fedchain.data._checks import as_labels
from fedchain.data._types import IntArray
from fedchain.exceptions import ConfigError


@dataclass(frozen=True)
class PartitionStats:
    """Per-partition sizes and label histograms, and a summary of label skew.

    The skew of a partition is the total-variation distance ``0.5 * sum_c |p_i(c) - p(c)|`` between its
    label distribution ``p_i`` and the distribution ``p`` over all partitioned samples: 0 for a perfect IID
    share, 1 when the partition holds only classes that nobody else has. Empty partitions have no
    distribution; their distance is ``nan`` and they are left out of the mean and the maximum.

    Attributes
    ----------
    classes
        The distinct labels, sorted; the columns of :attr:`label_counts`.
    label_counts
        ``label_counts[i][c]``: samples of class ``classes[c]`` in partition ``i``.

    Examples
    --------
    >>> from fedchain.data.partition import PartitionStats
    >>> stats = PartitionStats.from_partitions([0, 0, 1, 1], [[0, 1], [2, 3]])
    >>> stats.sizes, stats.mean_total_variation
    ((2, 2), 0.5)
    """

    classes: tuple[Any, ...]
    label_counts: tuple[tuple[int, ...], ...]

    @classmethod
    def from_partitions(cls, labels: npt.ArrayLike, partitions: Sequence[npt.ArrayLike]) -> PartitionStats:
        """Count the labels of each partition; ``partitions`` holds index arrays into ``labels``."""
        y = as_labels("labels", labels)
        classes, codes = np.unique(y, return_inverse=True)
        counts = []
        for part in partitions:
            index = np.asarray(part, dtype=np.int64)
            if index.ndim != 1 or (index.size and (index.min() < 0 or index.max() >= len(y))):
                raise ConfigError(f"a partition holds indices outside 0..{len(y) - 1}")
            counts.append(tuple(int(c) for c in np.bincount(codes[index], minlength=len(classes))))
        return cls(tuple(classes.tolist()), tuple(counts))

    @classmethod
    def from_labels(cls, labels_per_partition: Sequence[npt.ArrayLike]) -> PartitionStats:
        """Count the labels of partitions given by their label arrays (e.g. each client's ``y``)."""
        arrays = [np.asarray(y) for y in labels_per_partition]
        if not arrays:
            raise ConfigError("there are no partitions to describe")
        pooled = np.concatenate(arrays)
        bounds = np.cumsum([0, *(len(a) for a in arrays)])
        index = np.arange(len(pooled), dtype=np.int64)
        return cls.from_partitions(pooled, [index[a:b] for a, b in itertools.pairwise(bounds)])

    @property
    def num_partitions(self) -> int:
        """Number of partitions."""
        return len(self.label_counts)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Samples per partition."""
        return tuple(sum(row) for row in self.label_counts)

    def _counts(self) -> IntArray:
        return np.asarray(self.label_counts, dtype=np.int64).reshape(self.num_partitions, len(self.classes))

    @property
    def global_distribution(self) -> tuple[float, ...]:
        """Share of each class over all partitioned samples."""
        totals = self._counts().sum(axis=0)
        return tuple(float(t) for t in totals / max(1, int(totals.sum())))

    @property
    def total_variation(self) -> tuple[float, ...]:
        """Each partition's total-variation distance to :attr:`global_distribution` (``nan`` if empty)."""
        counts = self._counts()
        overall = np.asarray(self.global_distribution)
        out = []
        for row in counts:
            size = int(row.sum())
            out.append(float(0.5 * np.abs(row / size - overall).sum()) if size else float("nan"))
        return tuple(out)

    @property
    def mean_total_variation(self) -> float:
        """Mean :attr:`total_variation` of non-empty partitions: 0 for IID, towards 1 for disjoint labels."""
        values = [v for v in self.total_variation if not np.isnan(v)]
        return float(np.mean(values)) if values else float("nan")

    @property
    def max_total_variation(self) -> float:
        """Largest :attr:`total_variation` over non-empty partitions."""
        values = [v for v in self.total_variation if not np.isnan(v)]
        return float(max(values)) if values else float("nan")

    def describe(self) -> dict[str, Any]:
        """A JSON-ready summary for printing: sizes, histograms, classes present and the skew figures.

        Distances that are ``nan`` (empty partitions, or no non-empty partition at all) appear as ``None``.
        """
        sizes = self.sizes
        return {
            "num_partitions": self.num_partitions,
            "classes": [c if isinstance(c, int | str) else str(c) for c in self.classes],
            "sizes": list(sizes),
            "min_size": min(sizes, default=0),
            "max_size": max(sizes, default=0),
            "label_counts": [list(row) for row in self.label_counts],
            "classes_present": [sum(1 for c in row if c) for row in self.label_counts],
            "global_distribution": [round(p, 6) for p in self.global_distribution],
            "total_variation": [_rounded(v) for v in self.total_variation],
            "mean_total_variation": _rounded(self.mean_total_variation),
            "max_total_variation": _rounded(self.max_total_variation),
        }


def _rounded(value: float) -> float | None:
    return None if np.isnan(value) else round(value, 6)
