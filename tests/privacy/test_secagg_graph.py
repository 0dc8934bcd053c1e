"""The neighbour graph: symmetric, of the configured degree, connected, and the same for every caller."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedchain.exceptions import ConfigError
from fedchain.privacy.secagg import RoundContext, SecAggConfig, SecAggRound, default_degree, neighbour_graph
from fedchain.privacy.secagg.graph import seeded_permutation
from fedchain.privacy.secagg.keys import RoundKeys

CONTEXT = RoundContext(1, bytes(20), 1, 1)
seeds = st.binary(min_size=32, max_size=32)
member_lists = st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=40, unique=True).map(sorted)


@st.composite
def graphs_inputs(draw: st.DrawFn) -> tuple[bytes, list[int], int | None]:
    members = draw(member_lists)
    n = len(members)
    degree = draw(
        st.one_of(st.none(), st.integers(1, n + 2).map(lambda k: k if k >= n - 1 else 2 * (k // 2 or 1)))
    )
    return draw(seeds), members, degree


@settings(max_examples=100, deadline=None)
@given(graphs_inputs())
def test_graph_is_symmetric_regular_connected_and_deterministic(
    inputs: tuple[bytes, list[int], int | None],
) -> None:
    seed, members, degree = inputs
    n = len(members)
    graph = neighbour_graph(seed, members, degree)
    expected = n - 1 if degree is None else min(degree, n - 1)  # no degree: the complete graph
    assert graph.degree == expected
    assert sorted(graph.ring) == members
    for m in members:
        row = graph.neighbours(m)
        assert len(row) == expected and len(set(row)) == expected
        assert m not in row and list(row) == sorted(row)
        assert all(m in graph.neighbours(v) for v in row)
    # connected (a Harary ring with k >= 2, or the complete graph)
    if n > 1:
        seen, todo = {members[0]}, [members[0]]
        while todo:
            for v in graph.neighbours(todo.pop()):
                if v not in seen:
                    seen.add(v)
                    todo.append(v)
        assert seen == set(members)
    # every caller derives the same graph
    assert neighbour_graph(bytes(seed), tuple(members), degree) == graph


def test_the_ring_links_k_over_2_members_on_each_side() -> None:
    members = list(range(0, 40, 2))
    graph = neighbour_graph(b"\x01" * 32, members, 6)
    ring, n = graph.ring, len(members)
    for position, m in enumerate(ring):
        expected = {ring[(position + d) % n] for d in (-3, -2, -1, 1, 2, 3)}
        assert set(graph.neighbours(m)) == expected


def test_a_graph_without_a_degree_is_complete_and_bells_degree_is_kept_for_comparison() -> None:
    for n in (2, 3, 4, 5, 6, 7, 9, 40):
        graph = neighbour_graph(bytes(32), list(range(n)))
        assert graph.degree == n - 1
    # Bell et al.'s semi-honest 2 * ceil(log2 n), no longer any default (docs/threat-model.md says why)
    assert [default_degree(n) for n in (8, 10, 16, 17, 100, 1024)] == [6, 8, 8, 10, 14, 20]


def test_the_graph_depends_on_the_seed() -> None:
    members = list(range(50))
    one, two = neighbour_graph(b"\x01" * 32, members, 12), neighbour_graph(b"\x02" * 32, members, 12)
    assert one.adjacency != two.adjacency


def test_every_caller_builds_the_same_round_whatever_the_order_of_the_events() -> None:
    keys = {m: RoundKeys.from_private_bytes(bytes([m + 1]) * 32, bytes([m]) * 32).public for m in range(12)}
    forward = SecAggRound.create(CONTEXT, b"\x05" * 32, keys, SecAggConfig(degree=4))
    backward = SecAggRound.create(
        CONTEXT, b"\x05" * 32, dict(reversed(list(keys.items()))), SecAggConfig(degree=4)
    )
    assert forward == backward


def test_the_seeded_permutation_is_uniform() -> None:
    # 6,000 keys over the 6 permutations of 3 elements: chi-square with 5 degrees of freedom.
    counts = Counter(
        tuple(seeded_permutation(hashlib.sha256(i.to_bytes(4, "big")).digest(), 3)) for i in range(6000)
    )
    assert len(counts) == 6
    statistic = sum((c - 1000) ** 2 / 1000 for c in counts.values())
    assert statistic < 20.52  # the 0.999 quantile of chi-square(5)


@pytest.mark.parametrize(
    ("seed", "members", "degree"),
    [
        (bytes(31), [0, 1], None),  # seed too short
        (bytes(32), [1, 0], None),  # not ascending
        (bytes(32), [0, 0, 1], None),  # repeated
        (bytes(32), [-1, 0], None),  # out of range
        (bytes(32), [], None),  # nobody
        (bytes(32), list(range(10)), 3),  # odd degree below n - 1
        (bytes(32), list(range(10)), 0),  # no neighbours
    ],
)
def test_bad_graph_inputs_are_refused(seed: bytes, members: list[int], degree: int | None) -> None:
    with pytest.raises(ConfigError):
        neighbour_graph(seed, members, degree)


def test_threshold_must_fit_the_degree() -> None:
    assert SecAggConfig().resolve(2) == (1, 1)
    # k = 4 cannot keep 20 corrupt members of 100 from some honest member's shares: the largest threshold
    assert SecAggConfig(degree=4).resolve(100) == (4, 4)
    assert SecAggConfig(degree=56).resolve(100) == (56, 21)
    with pytest.raises(ConfigError):
        SecAggConfig(degree=4, threshold=5).resolve(100)
    with pytest.raises(ConfigError):
        SecAggConfig().resolve(1)
    with pytest.raises(ConfigError):
        SecAggConfig(threshold=0)
