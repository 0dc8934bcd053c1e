"""Round parameters of SecAgg+: the neighbour graph's degree ``k`` and the Shamir threshold ``t``.

Defaults follow Bell et al. (CCS 2020): ``k = 2 * ceil(log2 n)`` neighbours, every other member when that
reaches ``n - 1`` (small rounds run the original, complete-graph protocol of Bonawitz et al.), and a threshold
of a strict majority of the neighbours, ``t = floor(k / 2) + 1``. A member does **not** keep a share of its
own secrets: its ``k`` shares go to its ``k`` neighbours, so ``1 <= t <= k``. Any ``t - 1`` neighbours learn
nothing about its secrets; its secrets can be recovered while ``t`` of its neighbours publish unmask bundles.
With the defaults a member tolerates ``k - t = ceil(k / 2) - 1`` silent neighbours.

Examples
--------
>>> [default_degree(n) for n in (2, 3, 5, 9, 10, 100, 1024)]
[1, 2, 4, 8, 8, 14, 20]
>>> SecAggConfig().resolve(100), SecAggConfig(degree=6, threshold=3).resolve(100)
((14, 8), (6, 3))
"""

from __future__ import annotations

from dataclasses import dataclass

from fedchain.exceptions import ConfigError


def default_degree(n: int) -> int:
    """``min(n - 1, 2 * ceil(log2 n))``: Bell et al.'s logarithmic degree, complete for small ``n``."""
    if type(n) is not int or n < 1:
        raise ConfigError(f"the number of members must be a positive int, not {n!r}")
    return min(n - 1, 2 * (n - 1).bit_length())


def default_threshold(degree: int) -> int:
    """``floor(k / 2) + 1``: a strict majority of a member's ``k`` neighbours (1 when ``k <= 1``)."""
    return degree // 2 + 1


def resolve_degree(n: int, degree: int | None) -> int:
    """The degree a graph of ``n`` members gets: ``n - 1`` (complete) when ``degree >= n - 1``.

    Raises
    ------
    ConfigError
        ``n < 1``, or a degree below ``n - 1`` that is not an even int of at least 2 (Bell et al.'s ring
        links ``k / 2`` members on each side).
    """
    if degree is None:
        return default_degree(n)
    default_degree(n)  # validates n
    if type(degree) is not int or degree < 1:
        raise ConfigError(f"degree must be a positive int, not {degree!r}")
    if degree >= n - 1:
        return n - 1
    if degree % 2:
        raise ConfigError(f"degree {degree} < n - 1 = {n - 1} must be even (k/2 neighbours on each side)")
    return degree


@dataclass(frozen=True, slots=True)
class SecAggConfig:
    """The degree and threshold every member, the aggregator and verifiers use for a task's rounds.

    Parameters
    ----------
    degree
        Neighbours per member, ``k``; ``None`` for :func:`default_degree`. Values ``>= n - 1`` mean everyone.
    threshold
        Shares needed to reconstruct, ``t``; ``None`` for :func:`default_threshold` of the actual degree.

    Raises
    ------
    ConfigError
        A degree or threshold that is not a positive int (checked against ``n`` by :meth:`resolve`).
    """

    degree: int | None = None
    threshold: int | None = None

    def __post_init__(self) -> None:
        for name in ("degree", "threshold"):
            value = getattr(self, name)
            if value is not None and (type(value) is not int or value < 1):
                raise ConfigError(f"{name} must be None or a positive int, not {value!r}")

    def resolve(self, n: int) -> tuple[int, int]:
        """``(k, t)`` for a round of ``n`` members.

        Raises
        ------
        ConfigError
            ``n < 2``, an odd degree below ``n - 1``, or a threshold above the degree.
        """
        if type(n) is not int or n < 2:
            raise ConfigError(f"secure aggregation needs at least 2 members, not {n!r}")
        k = resolve_degree(n, self.degree)
        t = default_threshold(k) if self.threshold is None else self.threshold
        if t > k:
            raise ConfigError(f"threshold {t} exceeds the degree {k}: no member could ever be recovered")
        return k, t


DEFAULT_SECAGG_CONFIG = SecAggConfig()
"""Bell et al.'s defaults: ``k = min(n - 1, 2 * ceil(log2 n))``, ``t = floor(k / 2) + 1``."""

__all__ = [
    "DEFAULT_SECAGG_CONFIG",
    "SecAggConfig",
    "default_degree",
    "default_threshold",
    "resolve_degree",
]
