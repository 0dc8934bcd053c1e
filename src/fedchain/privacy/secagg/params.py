"""SecAgg+'s degree ``k`` and threshold ``t`` sized from a stated threat model, and the exposure they leave.

The model
---------
A round has ``n`` members in its neighbour graph (those that advertised keys). The graph is
:func:`~fedchain.privacy.secagg.graph.neighbour_graph`: a Harary ring over a uniformly random permutation,
each member linked to the ``k / 2`` nearest on either side, or complete when ``k >= n - 1``. Its seed is
drawn on-chain after the members are fixed, so the graph is independent of who is corrupt.

* **Corruption.** The adversary statically corrupts ``C = max(1, floor(gamma * n))`` members (none if
  ``gamma = 0``), who pool their secrets
  and the shares they hold with a malicious aggregator, and may refuse to send any message.
* **Dropouts.** ``D = floor(delta * n)`` of the ``H = n - C`` honest members drop out, independently of the
  graph; ``S = H - D`` honest members survive. Counts are floors that forgive float rounding (``0.29 * 100``
  counts 29), and ``gamma + delta <= 1``.
* **Exposure** of an honest member ``i`` (a privacy failure) is either of

  - **P1**: at least ``t`` of its ``k`` neighbours are corrupt: they reconstruct both of ``i``'s secrets;
  - **P2**: ``i`` survives but none of its neighbours is an honest survivor (each is corrupt, whose masks the
    adversary knows, or an honest dropout, whose mask key the survivors reveal), so all of ``i``'s masks are
    known. When ``S < 2`` the sum itself is one member's update: that is inherent, not counted as exposure.
* **Liveness failure**: some member has more than ``k - t`` neighbours that do not publish (corrupt or
  dropped), so its secret cannot be recovered and the round cannot be unmasked.

The ring's permutation is uniform, so one member's neighbours are a uniform ``k``-subset of the other
``n - 1``: an honest member's corrupt-neighbour count is hypergeometric ``(N = n - 1, K = C, draws = k)``
exactly, an honest survivor's bad-neighbour count (corrupt or dropped) hypergeometric ``(n - 1, C + D, k)``,
and a corrupt or dropped member's ``(n - 1, C + D - 1, k)``. The per-round bounds are union bounds over the
members (P1 over the ``H`` honest ones, P2 over the ``S`` survivors, liveness over all ``n``), capped at 1:
rigorous upper bounds. For the complete graph everything is deterministic and the bounds are exact (0 or 1).

Outside the model: the chain fixes one survivor set for everyone, so the aggregator cannot ask some
neighbours for a member's self-mask shares and others for its key shares; adaptive corruption (after the seed)
and dropouts that depend on the graph are not covered; and honest survivors that fall into several components
of the graph leak each component's partial sum, which P2 counts only for components of one member
(:func:`simulate_exposure` counts such rounds as ``split``).

Examples
--------
>>> model = ThreatModel(corrupt_fraction=0.2, dropout_fraction=0.2)
>>> round(exposure_bound(100, 14, 8, model), 4)  # Bell et al.'s defaults at n = 100
0.0823
>>> size_parameters(100, model), size_parameters(1000, model)
((56, 21), (202, 84))
>>> k, t = size_parameters(1000, model)
>>> exposure_bound(1000, k, t, model) <= 2**-40, liveness_bound(1000, k, t, model) <= 2**-20
(True, True)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln

from fedchain.exceptions import ConfigError
from fedchain.privacy.secagg._degree import resolve_degree
from fedchain.privacy.secagg.graph import _graph_key, seeded_permutation

DEFAULT_CORRUPT_FRACTION = 0.2
"""``gamma``: the fraction of a round's members the adversary corrupts (to be settled by the threat model)."""

DEFAULT_DROPOUT_FRACTION = 0.2
"""``delta``: the fraction of a round's members (all honest) that drop out (to be settled likewise)."""

DEFAULT_PRIVACY_BITS = 40
"""Exposure of any honest member in a round at most ``2**-40``."""

DEFAULT_LIVENESS_BITS = 20
"""A round that cannot be unmasked at most ``2**-20``."""

MAX_BITS = 256
"""Targets below ``2**-256`` are refused: far beyond any use, and the float tails stay precise above it."""

_SLACK = 1e-9  # floor(fraction * n) forgives float rounding: 0.29 * 100 == 28.999999999999996

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ThreatModel:
    """Who the adversary is and how many members drop out, with the failure probabilities a round may have.

    Parameters
    ----------
    corrupt_fraction
        ``gamma`` in ``[0, 1)``: the adversary corrupts ``floor(gamma * n)`` of a round's ``n`` members.
    dropout_fraction
        ``delta`` in ``[0, 1)``: ``floor(delta * n)`` honest members drop out; ``gamma + delta <= 1``.
    privacy_bits
        Exposure of some honest member in a round at most ``2**-privacy_bits`` (an int in ``[1, 256]``).
    liveness_bits
        A round that cannot be unmasked at most ``2**-liveness_bits`` (an int in ``[1, 256]``).

    Raises
    ------
    ConfigError
        A fraction outside ``[0, 1)`` or not a real number, fractions summing above 1, or bits that are not
        an int in ``[1, 256]``.

    Examples
    --------
    >>> ThreatModel(0.3, 0.1).counts(100)
    (30, 10)
    """

    corrupt_fraction: float = DEFAULT_CORRUPT_FRACTION
    dropout_fraction: float = DEFAULT_DROPOUT_FRACTION
    privacy_bits: int = DEFAULT_PRIVACY_BITS
    liveness_bits: int = DEFAULT_LIVENESS_BITS

    def __post_init__(self) -> None:
        for name in ("corrupt_fraction", "dropout_fraction"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
                raise ConfigError(f"{name} must be a real number in [0, 1), not {value!r}")
            object.__setattr__(self, name, float(value))
        if self.corrupt_fraction + self.dropout_fraction > 1:
            raise ConfigError(
                f"corrupt ({self.corrupt_fraction}) and dropout ({self.dropout_fraction}) fractions of the "
                "same members cannot sum above 1"
            )
        for name in ("privacy_bits", "liveness_bits"):
            value = getattr(self, name)
            if type(value) is not int or not 1 <= value <= MAX_BITS:
                raise ConfigError(f"{name} must be an int in [1, {MAX_BITS}], not {value!r}")

    def counts(self, n: int) -> tuple[int, int]:
        """``(C, D)``: corrupt members and honest dropouts in a round of ``n`` members.

        With any corruption assumed at all, at least one member is counted corrupt: in a round too small for
        ``gamma * n`` to reach 1, no single member may still see another's update.
        """
        corrupt = math.floor(self.corrupt_fraction * n + _SLACK)
        corrupt = min(n - 1, max(corrupt, 1 if self.corrupt_fraction > 0 else 0))
        return corrupt, min(n - corrupt, math.floor(self.dropout_fraction * n + _SLACK))

    @property
    def privacy_target(self) -> float:
        """``2**-privacy_bits``."""
        return 2.0**-self.privacy_bits

    @property
    def liveness_target(self) -> float:
        """``2**-liveness_bits``."""
        return 2.0**-self.liveness_bits


DEFAULT_THREAT_MODEL = ThreatModel()
"""``gamma = DEFAULT_CORRUPT_FRACTION``, ``delta = DEFAULT_DROPOUT_FRACTION``, ``2**-40`` and ``2**-20``."""


def hypergeometric_tails(population: int, marked: int, draws: int) -> Floats:
    """Upper tails ``P(X >= x)`` for ``x = 0 .. draws + 1``, ``X`` hypergeometric.

    ``X`` counts the ``marked`` items among ``draws`` taken without replacement from ``population``. The
    tails are summed from the largest ``x`` down, so tails far below machine epsilon keep their precision.

    Raises
    ------
    ConfigError
        Not ints with ``0 <= marked <= population`` and ``0 <= draws <= population``.

    Examples
    --------
    >>> [round(p, 6) for p in hypergeometric_tails(4, 2, 2).tolist()]  # two of four marked: P(X = 2) = 1/6
    [1.0, 0.833333, 0.166667, 0.0]
    """
    for name, value in (("population", population), ("marked", marked), ("draws", draws)):
        if type(value) is not int or value < 0:
            raise ConfigError(f"{name} must be a non-negative int, not {value!r}")
    if marked > population or draws > population:
        raise ConfigError(f"marked {marked} and draws {draws} cannot exceed the population {population}")
    low, high = max(0, draws - (population - marked)), min(draws, marked)
    x = np.arange(low, high + 1, dtype=np.float64)
    log_pmf = (
        _log_binom(marked, x) + _log_binom(population - marked, draws - x) - _log_binom(population, draws)
    )
    pmf = np.zeros(draws + 2)
    pmf[low : high + 1] = np.exp(log_pmf)
    tails: Floats = np.minimum(np.cumsum(pmf[::-1])[::-1], 1.0)
    return tails


def _log_binom(n: float, k: float | Floats) -> Floats:
    return np.asarray(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1), dtype=np.float64)


class _Terms(NamedTuple):
    """A round's bounds for every threshold: ``exposure[t]``, ``liveness[t]`` for ``t = 0 .. k``."""

    exposure: Floats
    liveness: Floats
    reconstruction: Floats  # the P1 term alone, H * P(X >= t), uncapped
    silent: Floats  # liveness by the number m = k - t of silent neighbours tolerated


def _terms(n: int, k: int, model: ThreatModel) -> _Terms:
    corrupt, dropped = model.counts(n)
    honest, bad = n - corrupt, corrupt + dropped
    survivors = honest - dropped
    t = np.arange(k + 1)
    if k >= n - 1:  # complete: every honest member sees C corrupt neighbours, a survivor C + D silent ones
        reconstruction = np.where(corrupt >= t, 1.0, 0.0)
        worst = bad if survivors else bad - 1
        silent = np.where(worst > t, 1.0, 0.0)  # indexed by m = k - t
        return _Terms(reconstruction, silent[k - t], reconstruction, silent)
    corrupt_tails = hypergeometric_tails(n - 1, corrupt, k)
    bad_tails = hypergeometric_tails(n - 1, bad, k)
    others_tails = hypergeometric_tails(n - 1, bad - 1, k) if bad else np.zeros(k + 2)
    reconstruction = honest * corrupt_tails[t]
    isolation = survivors * bad_tails[k] if survivors >= 2 else 0.0
    silent = np.minimum(survivors * bad_tails[t + 1] + bad * others_tails[t + 1], 1.0)
    return _Terms(np.minimum(reconstruction + isolation, 1.0), silent[k - t], reconstruction, silent)


def _check_round(n: int, k: int, t: int) -> int:
    if type(n) is not int or n < 2:
        raise ConfigError(f"secure aggregation needs at least 2 members, not {n!r}")
    k = resolve_degree(n, k)
    if type(t) is not int or not 1 <= t <= k:
        raise ConfigError(f"threshold must be an int in [1, {k}], not {t!r}")
    return k


def exposure_bound(n: int, k: int, t: int, model: ThreatModel) -> float:
    """Union bound on the probability that some honest member is exposed (P1 or P2) in one round.

    Parameters
    ----------
    n
        Members in the round's neighbour graph (at least 2).
    k
        Neighbours per member: even below ``n - 1``; ``>= n - 1`` is the complete graph.
    t
        The Shamir threshold, in ``[1, k]`` (``k`` after capping at ``n - 1``).
    model
        Corruption and dropouts.

    Returns
    -------
    float
        ``min(1, H * P(X >= t) + S * P(Y = k))`` (the P2 term only when ``S >= 2``); for the complete graph
        exactly 1 when ``C >= t``, else 0.

    Raises
    ------
    ConfigError
        ``n < 2``, an odd degree below ``n - 1``, or a threshold outside ``[1, k]``.

    Examples
    --------
    >>> exposure_bound(10, 9, 2, ThreatModel(0.2, 0.2)), exposure_bound(10, 9, 3, ThreatModel(0.2, 0.2))
    (1.0, 0.0)
    """
    k = _check_round(n, k, t)
    return float(_terms(n, k, model).exposure[t])


def liveness_bound(n: int, k: int, t: int, model: ThreatModel) -> float:
    """Union bound on the probability that some member has more than ``k - t`` silent neighbours.

    Parameters and errors as :func:`exposure_bound`; for the complete graph the answer is exact (0 or 1).

    Examples
    --------
    >>> liveness_bound(10, 9, 5, ThreatModel(0.2, 0.2)), liveness_bound(10, 9, 6, ThreatModel(0.2, 0.2))
    (0.0, 1.0)
    """
    k = _check_round(n, k, t)
    return float(_terms(n, k, model).liveness[t])


def size_parameters(n: int, model: ThreatModel = DEFAULT_THREAT_MODEL) -> tuple[int, int]:
    """The cheapest ``(k, t)`` meeting both of the model's targets, or the complete graph if none does.

    The smallest degree (even below ``n - 1``, or ``n - 1``) for which some threshold has
    ``exposure_bound <= 2**-privacy_bits`` and ``liveness_bound <= 2**-liveness_bits``, with the smallest such
    threshold (the most dropouts tolerated). Privacy wins over liveness: when no pair meets both, the complete
    graph with ``t = C + 1`` (no ``C`` members can reconstruct anything). With fewer than two honest members
    no threshold helps (the sum is the honest update); the answer is then ``(n - 1, n - 1)``. Memoized.

    Degrees are scanned upward, skipping degrees that cannot work: with ``t_lo(k)`` the smallest ``t`` whose
    P1 term meets the target and ``m_lo(k)`` the fewest silent neighbours to tolerate, both nondecreasing in
    ``k`` (one more draw only raises a hypergeometric tail), ``g(k) = k - t_lo(k) - m_lo(k)`` rises by at most
    2 per step of 2, and ``k`` is feasible only if ``g(k) >= 0``. At ``n = 10,000`` a first call takes a few
    milliseconds (tens near the edge of feasibility, where ``k`` runs into the thousands).

    Raises
    ------
    ConfigError
        ``n`` is not an int of at least 2.

    Examples
    --------
    >>> size_parameters(10), size_parameters(10_000)
    ((8, 3), (280, 116))
    """
    if type(n) is not int or n < 2:
        raise ConfigError(f"secure aggregation needs at least 2 members, not {n!r}")
    if not isinstance(model, ThreatModel):
        raise ConfigError(f"model must be a ThreatModel, not {model!r}")
    return _size_parameters(n, model)


@functools.lru_cache(maxsize=1024)
def _size_parameters(n: int, model: ThreatModel) -> tuple[int, int]:
    privacy, liveness = model.privacy_target, model.liveness_target
    k = 2
    while k <= n - 2:
        terms = _terms(n, k, model)
        t_lo = _first(terms.reconstruction[1:] <= privacy, default=k) + 1  # t = k + 1 always meets P1
        m_lo = _first(terms.silent <= liveness, default=k)
        gap = k - t_lo - m_lo
        if gap < 0:
            k += 2 * ((1 - gap) // 2)
            continue
        t = _first(terms.exposure[1:] <= privacy, default=k) + 1
        if t <= k and terms.liveness[t] <= liveness:
            return k, t
        k += 2
    corrupt, _ = model.counts(n)
    return n - 1, min(corrupt + 1, n - 1)


def private_threshold(n: int, k: int, model: ThreatModel = DEFAULT_THREAT_MODEL) -> int:
    """The smallest ``t`` with ``exposure_bound(n, k, t) <= 2**-privacy_bits`` (``k`` if none does).

    Examples
    --------
    >>> private_threshold(100, 99), private_threshold(100, 56)
    (21, 21)
    """
    k = _check_round(n, k, 1)
    return _first(_terms(n, k, model).exposure[1:] <= model.privacy_target, default=k - 1) + 1


def _first(mask: npt.NDArray[np.bool_], default: int) -> int:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else default


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    """Rounds in which each failure of the model happened (a round may count under several).

    Attributes
    ----------
    rounds
        Rounds simulated.
    reconstructed
        P1: some honest member had ``t`` or more corrupt neighbours.
    isolated
        P2: some honest survivor had no honest surviving neighbour (only when ``S >= 2``).
    exposed
        P1 or P2.
    unrecoverable
        Liveness failures: some member had more than ``k - t`` silent neighbours.
    split
        The honest survivors fell into two or more components of the graph, so the adversary learns the sum
        of a proper subset of them (outside the model's bounds; implied by P2).
    inherent
        Rounds with fewer than 2 honest survivors, where the sum itself reveals an update (not exposure).
    """

    rounds: int
    reconstructed: int
    isolated: int
    exposed: int
    unrecoverable: int
    split: int
    inherent: int

    @property
    def exposure_rate(self) -> float:
        """``exposed / rounds``."""
        return self.exposed / self.rounds

    @property
    def liveness_failure_rate(self) -> float:
        """``unrecoverable / rounds``."""
        return self.unrecoverable / self.rounds


_BATCH = 64  # rounds whose rings are processed as one array


def simulate_exposure(
    n: int, k: int, t: int, model: ThreatModel, rounds: int, rng: np.random.Generator
) -> MonteCarloResult:
    """Count the model's failures over ``rounds`` rounds of the real neighbour graph.

    The adversary's ``C`` members are drawn once (static corruption: fixed before any seed); each round draws
    a fresh 32-byte seed, builds the ring :func:`~fedchain.privacy.secagg.graph.neighbour_graph` derives from
    it for members ``0 .. n-1`` (its seeded permutation; the adjacency tuples are not materialised), and
    draws ``D`` of the honest members as dropouts. Neighbour counts are window sums along the rings, with
    numpy over a batch of rounds. The complete graph needs no sampling: every round is alike.

    Parameters
    ----------
    n, k, t, model
        As :func:`exposure_bound`.
    rounds
        Rounds to simulate (a positive int).
    rng
        The analysis's randomness (seeds, corrupt set, dropouts); not protocol randomness.

    Raises
    ------
    ConfigError
        As :func:`exposure_bound`, or ``rounds`` not a positive int.

    Examples
    --------
    >>> result = simulate_exposure(100, 14, 8, ThreatModel(0.3, 0.2), 200, np.random.default_rng(1))
    >>> 0.4 < result.exposure_rate < 0.8, result.rounds
    (True, 200)
    """
    k = _check_round(n, k, t)
    if type(rounds) is not int or rounds < 1:
        raise ConfigError(f"rounds must be a positive int, not {rounds!r}")
    corrupt, dropped = model.counts(n)
    survivors = n - corrupt - dropped
    inherent = rounds if survivors < 2 else 0
    if k == n - 1:
        worst = corrupt + dropped if survivors else corrupt + dropped - 1
        reconstructed = rounds if corrupt >= t else 0
        unrecoverable = rounds if worst > k - t else 0
        return MonteCarloResult(rounds, reconstructed, 0, reconstructed, unrecoverable, 0, inherent)
    members = tuple(range(n))
    kind = np.zeros(n, dtype=np.int8)  # 0 honest survivor, 1 corrupt, 2 dropped
    kind[rng.choice(n, size=corrupt, replace=False)] = 1
    honest = np.flatnonzero(kind == 0)
    counts = np.zeros(5, dtype=np.int64)
    for start in range(0, rounds, _BATCH):
        batch = min(_BATCH, rounds - start)
        rings = np.array([_ring(rng.bytes(32), members) for _ in range(batch)], dtype=np.intp)
        kinds = np.tile(kind, (batch, 1))
        chosen = rng.permuted(np.tile(honest, (batch, 1)), axis=1)[:, :dropped]
        np.put_along_axis(kinds, chosen, 2, axis=1)
        counts += _failures(np.take_along_axis(kinds, rings, axis=1), k, t, survivors)
    reconstructed, isolated, exposed, unrecoverable, split = (int(c) for c in counts)
    return MonteCarloResult(rounds, reconstructed, isolated, exposed, unrecoverable, split, inherent)


def _ring(seed: bytes, members: Sequence[int]) -> list[int]:
    """``neighbour_graph(seed, members, k).ring`` for any ``k < n - 1``, as positions in ``members``."""
    return seeded_permutation(_graph_key(seed, tuple(members)), len(members))


def _window(x: npt.NDArray[np.int64], before: int, after: int) -> npt.NDArray[np.int64]:
    """Per ring position ``p``, the sum of ``x`` over positions ``p - before .. p + after`` (circular)."""
    n = x.shape[1]
    padded = np.concatenate([x[:, n - before :], x, x[:, :after]], axis=1)
    cumulative = np.concatenate([np.zeros((x.shape[0], 1), dtype=np.int64), padded.cumsum(axis=1)], axis=1)
    window: npt.NDArray[np.int64] = cumulative[:, before + after + 1 :] - cumulative[:, :n]
    return window


def _failures(kinds: npt.NDArray[np.int8], k: int, t: int, survivors: int) -> npt.NDArray[np.int64]:
    """Rounds with P1, P2, exposure, liveness failure, split; ``kinds`` in ring order, one row per round."""
    half = k // 2
    corrupt = (kinds == 1).astype(np.int64)
    alive = (kinds == 0).astype(np.int64)
    silent = 1 - alive
    corrupt_neighbours = _window(corrupt, half, half) - corrupt
    alive_neighbours = _window(alive, half, half) - alive
    silent_neighbours = _window(silent, half, half) - silent
    reconstructed = ((corrupt_neighbours >= t) & (corrupt == 0)).any(axis=1)
    isolated = ((alive_neighbours == 0) & (alive == 1)).any(axis=1) & (survivors >= 2)
    unrecoverable = (silent_neighbours > k - t).any(axis=1)
    # a survivor followed by half non-survivors ends a component (no edge spans more than half positions)
    breaks = ((_window(alive, 0, half) - alive == 0) & (alive == 1)).sum(axis=1)
    split = (breaks >= 2) & (survivors >= 2)
    rows = (reconstructed, isolated, reconstructed | isolated, unrecoverable, split)
    return np.array([row.sum() for row in rows], dtype=np.int64)


__all__ = [
    "DEFAULT_CORRUPT_FRACTION",
    "DEFAULT_DROPOUT_FRACTION",
    "DEFAULT_LIVENESS_BITS",
    "DEFAULT_PRIVACY_BITS",
    "DEFAULT_THREAT_MODEL",
    "MAX_BITS",
    "MonteCarloResult",
    "ThreatModel",
    "exposure_bound",
    "hypergeometric_tails",
    "liveness_bound",
    "private_threshold",
    "simulate_exposure",
    "size_parameters",
]
