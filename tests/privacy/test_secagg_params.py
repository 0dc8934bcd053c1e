"""Sizing SecAgg+'s k and t from a threat model: right, rigorous, monotone bounds; the cheapest sizes.

Known answers come from hand counts (the complete graph), exact enumeration (hypergeometric tails over every
subset; every ring of seven) and scipy; the Monte Carlo runs the real graph's seeded ring.
"""

from __future__ import annotations

import itertools
import math
import time
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fedchain.exceptions import ConfigError
from fedchain.privacy.secagg import default_degree, default_threshold, neighbour_graph
from fedchain.privacy.secagg.params import (
    DEFAULT_CORRUPT_FRACTION,
    DEFAULT_DROPOUT_FRACTION,
    DEFAULT_THREAT_MODEL,
    ThreatModel,
    _ring,
    _size_parameters,
    _window,
    exposure_bound,
    hypergeometric_tails,
    liveness_bound,
    simulate_exposure,
    size_parameters,
)

stats = pytest.importorskip("scipy.stats")


def degrees(n: int) -> list[int]:
    """Every degree a graph of ``n`` members can have: even below ``n - 1``, and ``n - 1``."""
    return [*range(2, n - 1, 2), n - 1]


def meets(n: int, k: int, t: int, model: ThreatModel) -> bool:
    return (
        exposure_bound(n, k, t, model) <= model.privacy_target
        and liveness_bound(n, k, t, model) <= model.liveness_target
    )


@st.composite
def models(draw: st.DrawFn, max_corrupt: float = 0.5) -> ThreatModel:
    gamma = draw(st.floats(0, max_corrupt))
    delta = draw(st.floats(0, max(0.0, min(0.6, 1 - gamma) - 1e-9)))
    return ThreatModel(gamma, delta, draw(st.integers(1, 64)), draw(st.integers(1, 40)))


# -- the threat model ----------------------------------------------------------------------------------------


def test_defaults_are_the_module_constants() -> None:
    assert ThreatModel() == DEFAULT_THREAT_MODEL
    assert ThreatModel(DEFAULT_CORRUPT_FRACTION, DEFAULT_DROPOUT_FRACTION, 40, 20) == DEFAULT_THREAT_MODEL
    assert (DEFAULT_THREAT_MODEL.privacy_target, DEFAULT_THREAT_MODEL.liveness_target) == (2**-40, 2**-20)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"corrupt_fraction": -0.1},
        {"corrupt_fraction": 1.0},
        {"corrupt_fraction": float("nan")},
        {"corrupt_fraction": "0.2"},
        {"corrupt_fraction": True},
        {"dropout_fraction": 1},
        {"dropout_fraction": float("inf")},
        {"corrupt_fraction": 0.6, "dropout_fraction": 0.5},
        {"privacy_bits": 0},
        {"privacy_bits": 40.0},
        {"privacy_bits": True},
        {"liveness_bits": -1},
        {"liveness_bits": 257},
    ],
)
def test_refuses_a_bad_model(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        ThreatModel(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("gamma", "delta", "n", "counts"),
    [
        (0.2, 0.2, 100, (20, 20)),
        (0.29, 0.07, 100, (29, 7)),  # 0.29 * 100 == 28.999999999999996 in floats
        (1 / 3, 0.1, 3, (1, 0)),
        (0.2, 0.3, 7, (1, 2)),
        (0.5, 0.5, 4, (2, 2)),  # every honest member drops out
        (0, 0, 10, (0, 0)),
    ],
)
def test_counts_are_floors_of_the_fractions(
    gamma: float, delta: float, n: int, counts: tuple[int, int]
) -> None:
    assert ThreatModel(gamma, delta).counts(n) == counts


# -- hypergeometric tails ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("population", "marked"), [(p, m) for p in range(8) for m in range(p + 1)])
def test_tails_match_an_enumeration_of_every_draw(population: int, marked: int) -> None:
    for draws in range(population + 1):
        hits = [sum(x < marked for x in c) for c in itertools.combinations(range(population), draws)]
        exact = [Fraction(sum(h >= x for h in hits), len(hits)) for x in range(draws + 2)]
        assert hypergeometric_tails(population, marked, draws).tolist() == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize(
    ("population", "marked", "draws"), [(999, 200, 300), (9999, 3333, 858), (9999, 100, 2000)]
)
def test_tails_keep_their_precision_far_below_epsilon(population: int, marked: int, draws: int) -> None:
    tails = hypergeometric_tails(population, marked, draws)
    x = np.arange(draws + 1)
    reference = stats.hypergeom.sf(x - 1, population, marked, draws)
    tiny = (reference > 1e-300) & (reference < 1e-12)
    assert tiny.sum() >= 10
    np.testing.assert_allclose(tails[: draws + 1], reference, rtol=1e-9, atol=0)


@pytest.mark.parametrize(("population", "marked", "draws"), [(5, 6, 1), (5, 1, 6), (-1, 0, 0), (5, 1.0, 1)])
def test_tails_refuse_impossible_draws(population: int, marked: int, draws: int) -> None:
    with pytest.raises(ConfigError):
        hypergeometric_tails(population, marked, draws)


# -- the bounds: known answers -------------------------------------------------------------------------------


def test_complete_graph_by_hand() -> None:
    # n = 10, C = 2 corrupt, D = 2 honest dropouts: every honest member sees both corrupt members, a survivor
    # sees C + D = 4 silent neighbours among its 9.
    model = ThreatModel(0.2, 0.2)
    assert [exposure_bound(10, 9, t, model) for t in range(1, 10)] == [1.0] * 2 + [0.0] * 7
    # liveness fails once k - t < 4, i.e. t >= 6
    assert [liveness_bound(10, 9, t, model) for t in range(1, 10)] == [0.0] * 5 + [1.0] * 4
    assert exposure_bound(10, 500, 3, model) == exposure_bound(10, 9, 3, model)  # k >= n - 1 is complete


def test_complete_graph_without_survivors_needs_one_silent_neighbour_less() -> None:
    # n = 4, C = 2, D = 2: nobody honest survives, a member sees at most 3 silent neighbours of its 3
    model = ThreatModel(0.5, 0.5)
    assert liveness_bound(4, 3, 1, model) == 1.0 and liveness_bound(4, 3, 3, model) == 1.0
    assert exposure_bound(4, 3, 3, model) == 0.0  # no P2 without two honest survivors: inherent


def test_ring_by_hand() -> None:
    # n = 6, k = 2, C = 1 (floor(0.2 * 6)), D = 1 (floor(0.2 * 6)): H = 5, S = 4, C + D = 2.
    model = ThreatModel(0.2, 0.2)
    # P1 at t = 1: 5 * P(the corrupt member is among 2 of 5) = 5 * 2/5 = 2, capped; P1 at t = 2 is impossible.
    # P2: 4 * P(both neighbours silent) = 4 * 1/C(5, 2) = 0.4.
    assert exposure_bound(6, 2, 1, model) == 1.0
    assert exposure_bound(6, 2, 2, model) == pytest.approx(0.4)
    # t = 2 tolerates no silent neighbour: 4 * P(Y >= 1) + 2 * P(Y' >= 1), Y ~ hyp(5, 2, 2), Y' ~ hyp(5, 1, 2)
    assert liveness_bound(6, 2, 2, model) == 1.0
    # t = 1 tolerates one: 4 * P(Y = 2) + 2 * 0 = 0.4
    assert liveness_bound(6, 2, 1, model) == pytest.approx(0.4)


@pytest.mark.parametrize(("n", "k", "t"), [(1, 1, 1), (10, 3, 2), (10, 4, 0), (10, 4, 5), (10, 9, 10)])
def test_bounds_refuse_impossible_rounds(n: int, k: int, t: int) -> None:
    for bound in (exposure_bound, liveness_bound):
        with pytest.raises(ConfigError):
            bound(n, k, t, DEFAULT_THREAT_MODEL)


# -- the bounds are rigorous: every ring of seven ------------------------------------------------------------


def test_every_ring_of_seven_agrees_with_the_hypergeometric_and_stays_under_the_bounds() -> None:
    n, k, t, half = 7, 4, 2, 2
    model = ThreatModel(2 / 7, 1 / 7)
    assert model.counts(n) == (2, 1)
    corrupt = {0, 1}
    honest = [m for m in range(n) if m not in corrupt]
    member_hits = {m: 0 for m in honest}  # rings in which honest member m has >= t corrupt neighbours
    exposed = unrecoverable = cases = 0
    for ring in itertools.permutations(range(n)):
        where = {m: p for p, m in enumerate(ring)}
        nbrs = {m: {ring[(where[m] + s) % n] for d in range(1, half + 1) for s in (d, -d)} for m in range(n)}
        for m in honest:
            member_hits[m] += len(nbrs[m] & corrupt) >= t
        for dropped in honest:
            cases += 1
            alive = set(honest) - {dropped}
            p1 = any(len(nbrs[m] & corrupt) >= t for m in honest)
            p2 = any(not nbrs[m] & alive for m in alive)
            exposed += p1 or p2
            unrecoverable += any(len(nbrs[m] - alive) > k - t for m in range(n))
    tail = hypergeometric_tails(n - 1, 2, k)[t]
    assert all(hits / math.factorial(n) == pytest.approx(tail, rel=1e-12) for hits in member_hits.values())
    assert exposed / cases <= exposure_bound(n, k, t, model)
    assert unrecoverable / cases <= liveness_bound(n, k, t, model)


def test_the_simulated_ring_is_the_graphs_ring() -> None:
    rng = np.random.default_rng(5)
    members = list(range(40))
    for k in (2, 6, 14):
        seed = rng.bytes(32)
        graph = neighbour_graph(seed, members, k)
        assert tuple(_ring(seed, members)) == graph.ring
        corrupt = rng.random(40) < 0.3
        in_ring_order = corrupt[np.array(graph.ring)].astype(np.int64)[None, :]
        counts = (_window(in_ring_order, k // 2, k // 2) - in_ring_order)[0]
        for p, m in enumerate(graph.ring):
            assert counts[p] == sum(corrupt[v] for v in graph.neighbours(m))


def connected(positions: list[int], n: int, half: int) -> bool:
    """Whether ring positions within ``half`` of each other link ``positions`` into one component."""
    seen, todo = {positions[0]}, [positions[0]]
    while todo:
        p = todo.pop()
        for q in positions:
            if q not in seen and min((p - q) % n, (q - p) % n) <= half:
                seen.add(q)
                todo.append(q)
    return len(seen) == len(positions)


def test_the_monte_carlo_estimates_the_exact_ring_probabilities() -> None:
    # n = 10, k = 4, C = 2, D = 2: every arrangement of the kinds on the ring is equally likely
    n, k, t, half = 10, 4, 2, 2
    model = ThreatModel(0.2, 0.2)
    exact = {"reconstructed": 0, "isolated": 0, "unrecoverable": 0, "split": 0}
    arrangements = set(itertools.permutations("CCDDSSSSSS"))
    for kinds in arrangements:
        around = [[kinds[(p + s) % n] for d in range(1, half + 1) for s in (d, -d)] for p in range(n)]
        exact["reconstructed"] += any(
            c != "C" and a.count("C") >= t for c, a in zip(kinds, around, strict=True)
        )
        exact["isolated"] += any(c == "S" and "S" not in a for c, a in zip(kinds, around, strict=True))
        exact["unrecoverable"] += any(k - a.count("S") > k - t for a in around)
        exact["split"] += not connected([p for p in range(n) if kinds[p] == "S"], n, half)
    rounds = 4000
    result = simulate_exposure(n, k, t, model, rounds, np.random.default_rng(11))
    for name, count in exact.items():
        p = count / len(arrangements)
        assert 0 < p < 1
        assert getattr(result, name) / rounds == pytest.approx(p, abs=4.5 * math.sqrt(p * (1 - p) / rounds))


# -- the issue's figures: Bell et al.'s defaults at n = 100 --------------------------------------------------


@pytest.mark.parametrize(
    ("gamma", "bound", "simulated"), [(0.2, 0.0823, (0.035, 0.065)), (0.3, 1.0, (0.53, 0.63))]
)
def test_old_defaults_expose_someone_often(
    gamma: float, bound: float, simulated: tuple[float, float]
) -> None:
    n = 100
    k = default_degree(n)
    t = default_threshold(k)
    model = ThreatModel(gamma, 0.2)
    corrupt, dropped = model.counts(n)
    assert (k, t) == (14, 8)
    p1 = (n - corrupt) * stats.hypergeom.sf(t - 1, n - 1, corrupt, k)
    p2 = (n - corrupt - dropped) * stats.hypergeom.pmf(k, n - 1, corrupt + dropped, k)
    union = p1 + p2
    assert exposure_bound(n, k, t, model) == pytest.approx(min(1.0, union), rel=1e-6)
    assert exposure_bound(n, k, t, model) == pytest.approx(bound, abs=5e-4)
    result = simulate_exposure(n, k, t, model, 2000, np.random.default_rng(2024))
    low, high = simulated
    assert low <= result.exposure_rate <= high
    assert result.exposure_rate <= exposure_bound(n, k, t, model)
    assert result.liveness_failure_rate == 1.0  # 40% silent members: k - t = 6 is never enough


# -- sized parameters ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_sized_parameters_meet_both_targets_and_the_simulation_sees_no_failure(n: int) -> None:
    k, t = size_parameters(n, DEFAULT_THREAT_MODEL)
    assert exposure_bound(n, k, t, DEFAULT_THREAT_MODEL) <= 2**-40
    assert liveness_bound(n, k, t, DEFAULT_THREAT_MODEL) <= 2**-20
    result = simulate_exposure(n, k, t, DEFAULT_THREAT_MODEL, 300, np.random.default_rng(n))
    assert (result.exposed, result.unrecoverable, result.split, result.inherent) == (0, 0, 0, 0)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 30), models())
def test_sized_parameters_are_the_cheapest(n: int, model: ThreatModel) -> None:
    k, t = size_parameters(n, model)
    feasible = [(kk, tt) for kk in degrees(n) for tt in range(1, kk + 1) if meets(n, kk, tt, model)]
    if feasible:
        assert (k, t) == min(feasible)
    else:  # privacy wins: the complete graph, where C members can reconstruct nothing
        corrupt, _ = model.counts(n)
        assert (k, t) == (n - 1, min(corrupt + 1, n - 1))


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 5000), models(max_corrupt=0.99))
def test_sizing_never_fails_and_a_complete_graph_outnumbers_the_corrupt(n: int, model: ThreatModel) -> None:
    k, t = size_parameters(n, model)
    assert k == n - 1 or (k % 2 == 0 and 2 <= k < n - 1)
    assert 1 <= t <= k
    corrupt, _ = model.counts(n)
    if k == n - 1 and corrupt <= n - 2:  # at least two honest members: privacy is possible
        assert t > corrupt
    if corrupt <= n - 2:
        assert exposure_bound(n, k, t, model) <= model.privacy_target


def test_sizing_a_round_of_ten_thousand_takes_milliseconds() -> None:
    _size_parameters.cache_clear()
    start = time.perf_counter()
    for model in (ThreatModel(0.2, 0.2), ThreatModel(1 / 3, 0.1), ThreatModel(0.45, 0.2)):
        size_parameters(10_000, model)
    assert time.perf_counter() - start < 1.0  # about 10 ms when the machine is quiet


def test_sizing_refuses_fewer_than_two_members() -> None:
    for n in (0, 1, 2.0):
        with pytest.raises(ConfigError):
            size_parameters(n)  # type: ignore[arg-type]


# -- monotonicity --------------------------------------------------------------------------------------------


@st.composite
def rounds(draw: st.DrawFn) -> tuple[int, int, int]:
    n = draw(st.integers(3, 300))
    k = draw(st.sampled_from(degrees(n)))
    return n, k, draw(st.integers(1, k))


@settings(max_examples=200, deadline=None)
@given(rounds(), st.floats(0, 0.6), st.floats(0, 1), st.floats(0, 1))
def test_more_corruption_never_lowers_either_bound(
    shape: tuple[int, int, int], delta: float, a: float, b: float
) -> None:
    n, k, t = shape
    scale = 0.999 * (1 - delta)
    low, high = ThreatModel(min(a, b) * scale, delta), ThreatModel(max(a, b) * scale, delta)
    corrupt, dropped = high.counts(n)
    assume(n - corrupt - dropped >= 2)  # below two honest survivors exposure is inherent, not counted
    assert exposure_bound(n, k, t, high) >= exposure_bound(n, k, t, low)
    assert liveness_bound(n, k, t, high) >= liveness_bound(n, k, t, low)


@settings(max_examples=200, deadline=None)
@given(rounds(), models(max_corrupt=0.99))
def test_a_larger_threshold_never_raises_exposure_nor_lowers_the_liveness_risk(
    shape: tuple[int, int, int], model: ThreatModel
) -> None:
    n, k, t = shape
    assume(t < min(k, n - 1))
    assert exposure_bound(n, k, t + 1, model) <= exposure_bound(n, k, t, model)
    assert liveness_bound(n, k, t + 1, model) >= liveness_bound(n, k, t, model)
