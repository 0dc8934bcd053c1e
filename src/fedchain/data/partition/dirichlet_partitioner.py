"""Label-skewed partitioning by per-class Dirichlet proportions (Hsu, Qi and Brown, 2019).

For every class ``c`` a vector ``p_c ~ Dir(alpha)`` over the partitions is drawn and the samples of ``c``
are cut in those proportions. A small ``alpha`` gives each client few classes (strong skew); a large one
approaches an IID split. The procedure follows Flower Datasets' ``DirichletPartitioner``: classes are taken
in sorted order, ``self_balancing`` stops feeding a partition once it holds more than ``n / num_partitions``
samples, and the whole draw is repeated while a partition is smaller than ``min_partition_size``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from fedchain.data._checks import as_labels, check_int, check_num_partitions, check_positive, check_seed
from fedchain.data._types import FloatArray, IntArray, Partitions
from fedchain.exceptions import ConfigError

DEFAULT_MIN_PARTITION_SIZE: Final = 10
"""Smallest partition :func:`dirichlet` accepts unless told otherwise (Flower's default)."""

DEFAULT_MAX_RETRIES: Final = 10
"""Redraws :func:`dirichlet` attempts after the first when a partition is too small (Flower's limit)."""


def dirichlet(
    labels: npt.ArrayLike,
    num_partitions: int,
    alpha: float | Sequence[float],
    seed: int,
    *,
    min_partition_size: int = DEFAULT_MIN_PARTITION_SIZE,
    self_balancing: bool = False,
    max_retries: int = DEFAULT_MAX_RETRIES,
) -> Partitions:
    """Split samples so that each class is spread over the partitions in ``Dir(alpha)`` proportions.

    Parameters
    ----------
    labels
        One label per sample (integers or strings).
    num_partitions
        Number of partitions (clients), between 1 and ``len(labels)``.
    alpha
        Concentration, > 0: one value for every partition, or one per partition. Smaller is more skewed.
    seed
        Seed of :func:`numpy.random.default_rng`; the same arguments give the same partitions.
    min_partition_size
        Every partition must end with at least this many samples; the draw is repeated otherwise.
    self_balancing
        Stop giving samples to a partition once it holds more than the average ``n / num_partitions``.
    max_retries
        Redraws allowed after the first draw before giving up.

    Returns
    -------
    Partitions
        One ascending ``int64`` index array per partition; together they hold every index exactly once.

    Raises
    ------
    ConfigError
        For an invalid argument, if ``num_partitions * min_partition_size`` exceeds the number of samples,
        or if no draw within ``1 + max_retries`` attempts met ``min_partition_size``.

    Examples
    --------
    >>> import numpy as np
    >>> from fedchain.data.partition import dirichlet
    >>> labels = np.repeat([0, 1, 2], 40)
    >>> parts = dirichlet(labels, num_partitions=4, alpha=0.5, seed=0, min_partition_size=5)
    >>> sum(len(p) for p in parts), min(len(p) for p in parts) >= 5
    (120, True)
    """
    y = as_labels("labels", labels)
    n = len(y)
    k = check_num_partitions(num_partitions, n)
    concentration = _check_alpha(alpha, k)
    minimum = check_int("min_partition_size", min_partition_size, minimum=0)
    retries = check_int("max_retries", max_retries, minimum=0)
    if not isinstance(self_balancing, bool):
        raise ConfigError(f"self_balancing must be a bool, not {type(self_balancing).__name__}")
    if k * minimum > n:
        raise ConfigError(
            f"min_partition_size={minimum} cannot be met: {k} partitions need at least {k * minimum} "
            f"samples, there are {n}"
        )
    rng = np.random.default_rng(check_seed(seed))
    by_class = [np.flatnonzero(y == value).astype(np.int64) for value in np.unique(y)]
    smallest = 0
    for _ in range(1 + retries):
        parts = _draw(by_class, concentration, n / k if self_balancing else None, rng)
        smallest = min(len(p) for p in parts)
        if smallest >= minimum:
            return parts
    raise ConfigError(
        f"min_partition_size={minimum} was not met in {1 + retries} Dirichlet draws (alpha={alpha}, "
        f"{k} partitions, smallest partition {smallest} samples); raise alpha, lower min_partition_size, "
        "use fewer partitions or allow more max_retries"
    )


def _check_alpha(alpha: float | Sequence[float], num_partitions: int) -> FloatArray:
    if isinstance(alpha, np.ndarray):
        alpha = alpha.tolist()
    if isinstance(alpha, Sequence):
        values = [check_positive("alpha", a) for a in alpha]
        if len(values) != num_partitions:
            raise ConfigError(f"alpha has {len(values)} values, not one per partition ({num_partitions})")
        return np.asarray(values, dtype=np.float64)
    return np.full(num_partitions, check_positive("alpha", alpha), dtype=np.float64)


def _draw(
    by_class: list[IntArray], alpha: FloatArray, cap: float | None, rng: np.random.Generator
) -> Partitions:
    """One pass over the classes: cut each class's (shuffled) indices by a fresh ``Dir(alpha)`` vector."""
    k = len(alpha)
    assigned: list[list[IntArray]] = [[] for _ in range(k)]
    sizes = np.zeros(k, dtype=np.int64)
    for indices in by_class:
        shares = rng.dirichlet(alpha)
        if cap is not None:
            open_ = sizes <= cap
            shares = np.where(open_, shares, 0.0)
            total = shares.sum()
            shares = shares / total if total > 0 else open_ / open_.sum()
        cuts = (np.cumsum(shares)[:-1] * len(indices)).astype(np.int64)
        for i, piece in enumerate(np.split(rng.permutation(indices), cuts)):
            assigned[i].append(piece)
            sizes[i] += len(piece)
    return tuple(np.sort(np.concatenate(pieces)) for pieces in assigned)


@dataclass(frozen=True)
class DirichletPartitioner:
    """Partitioner object for :func:`dirichlet`, with Flower Datasets' parameter names and defaults.

    Examples
    --------
    >>> from fedchain.data.partition import DirichletPartitioner
    >>> partitioner = DirichletPartitioner(num_partitions=2, alpha=1.0, min_partition_size=2, seed=3)
    >>> sum(len(p) for p in partitioner.partition([0, 1] * 10))
    20
    """

    num_partitions: int
    alpha: float | tuple[float, ...]
    min_partition_size: int = DEFAULT_MIN_PARTITION_SIZE
    self_balancing: bool = False
    seed: int = 42
    max_retries: int = DEFAULT_MAX_RETRIES

    def partition(self, labels: npt.ArrayLike) -> Partitions:
        """Split the samples with :func:`dirichlet`, the labels being Flower's ``partition_by`` column."""
        return dirichlet(
            labels,
            self.num_partitions,
            self.alpha,
            self.seed,
            min_partition_size=self.min_partition_size,
            self_balancing=self.self_balancing,
            max_retries=self.max_retries,
        )
