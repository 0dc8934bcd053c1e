"""Round parameters of SecAgg+: the neighbour graph's degree ``k`` and the Shamir threshold ``t``.

By default both are sized from the task's threat model (:class:`~fedchain.privacy.secagg.params.ThreatModel`,
``docs/threat-model.md``): the cheapest ``(k, t)`` for which, per round, no honest member is exposed except
with
probability ``2**-40`` (fewer than ``t`` corrupt neighbours, and at least one honest surviving neighbour) and
the round can be unmasked except with probability ``2**-20``, for the stated fractions of corrupt members and
dropouts (:func:`~fedchain.privacy.secagg.params.size_parameters`). Small rounds get (nearly) the complete
graph of Bonawitz et al.; large ones Bell et al.'s sparse graph, with a degree far above their
honest-but-curious ``2 * ceil(log2 n)``. A member does **not** keep a share of its own secrets: its ``k``
shares
go to its ``k`` neighbours, so ``1 <= t <= k``.

An explicit ``degree`` is honoured (``>= n - 1`` means complete); an explicit ``threshold`` too. With a degree
and no threshold, ``t`` is the smallest meeting the privacy target for that degree.

Examples
--------
>>> SecAggConfig().resolve(100), SecAggConfig().resolve(1000)
((56, 21), (202, 84))
>>> SecAggConfig(degree=6, threshold=3).resolve(100)
(6, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fedchain.exceptions import ConfigError
from fedchain.privacy.secagg._degree import default_degree, resolve_degree
from fedchain.privacy.secagg.params import (
    DEFAULT_THREAT_MODEL,
    ThreatModel,
    private_threshold,
    size_parameters,
)


def default_threshold(degree: int) -> int:
    """``floor(k / 2) + 1``: Bell et al.'s semi-honest threshold (kept for comparison only)."""
    return degree // 2 + 1


@dataclass(frozen=True, slots=True)
class SecAggConfig:
    """The degree and threshold every member, the aggregator and verifiers use for a task's rounds.

    Parameters
    ----------
    degree
        Neighbours per member, ``k``; ``None`` to size it from ``threat``. Values ``>= n - 1`` mean everyone.
    threshold
        Shares needed to reconstruct, ``t``; ``None`` to size it from ``threat``.
    threat
        Who may be corrupt, how many drop out, and the failure probabilities a round may have.

    Raises
    ------
    ConfigError
        A degree or threshold that is not a positive int (checked against ``n`` by :meth:`resolve`).
    """

    degree: int | None = None
    threshold: int | None = None
    threat: ThreatModel = field(default=DEFAULT_THREAT_MODEL)

    def __post_init__(self) -> None:
        for name in ("degree", "threshold"):
            value = getattr(self, name)
            if value is not None and (type(value) is not int or value < 1):
                raise ConfigError(f"{name} must be None or a positive int, not {value!r}")
        if not isinstance(self.threat, ThreatModel):
            raise ConfigError(f"threat must be a ThreatModel, not {self.threat!r}")

    def resolve(self, n: int) -> tuple[int, int]:
        """``(k, t)`` for a round of ``n`` members.

        Raises
        ------
        ConfigError
            ``n < 2``, an odd degree below ``n - 1``, or a threshold above the degree.
        """
        if type(n) is not int or n < 2:
            raise ConfigError(f"secure aggregation needs at least 2 members, not {n!r}")
        if self.degree is None and self.threshold is None:
            return size_parameters(n, self.threat)
        k = size_parameters(n, self.threat)[0] if self.degree is None else resolve_degree(n, self.degree)
        t = private_threshold(n, k, self.threat) if self.threshold is None else self.threshold
        if t > k:
            raise ConfigError(f"threshold {t} exceeds the degree {k}: no member could ever be recovered")
        return k, t


DEFAULT_SECAGG_CONFIG = SecAggConfig()
"""``(k, t)`` sized from :data:`~fedchain.privacy.secagg.params.DEFAULT_THREAT_MODEL`."""

__all__ = [
    "DEFAULT_SECAGG_CONFIG",
    "SecAggConfig",
    "default_degree",
    "default_threshold",
    "resolve_degree",
]
