"""The sparse neighbour graph of SecAgg+ (Bell et al., CCS 2020), derived by everyone from public data.

From the round's 32-byte seed (recorded on-chain when the round opens) and the members (ordered by on-chain
index), every party computes the same graph:

1. **A keyed permutation.** ``key = HKDF-SHA256(seed, info = "fedchain-secagg/1 neighbour-graph" || n ||
   sha256(members))``; a stream of 64-bit words ``SHA-256(key || counter)`` drives a Fisher-Yates shuffle,
   each index drawn uniformly by rejection sampling (no modulo bias, no floating point, no numpy.random).
2. **A Harary ring.** Members sit on a ring in permuted order; each links to the ``k / 2`` members on either
   side. Every member has exactly ``k`` neighbours, and the graph is symmetric. When ``k >= n - 1`` the graph
   is complete (every member neighbours all others), as in the original protocol.

Examples
--------
>>> graph = neighbour_graph(bytes(32), [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31], degree=4)
>>> graph.degree, len(graph.neighbours(5))
(4, 4)
>>> all(5 in graph.neighbours(v) for v in graph.neighbours(5))
True
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

from fedchain.exceptions import ConfigError
from fedchain.privacy.secagg._degree import resolve_degree
from fedchain.privacy.secagg._encoding import check_bytes, check_member, u32
from fedchain.privacy.secagg._types import MemberIndex
from fedchain.privacy.secagg.kdf import VERSION, hkdf_sha256

SEED_BYTES = 32
"""Length of a round seed (the contract's ``bytes32 seed``)."""


@dataclass(frozen=True, slots=True)
class NeighbourGraph:
    """Who shares secrets with whom in one round: symmetric, every member with exactly ``degree`` neighbours.

    Attributes
    ----------
    members
        The members' on-chain indices, ascending.
    degree
        Neighbours per member, ``k`` (``len(members) - 1`` for a complete graph).
    ring
        The members in their seeded ring order.
    adjacency
        Each member's neighbours, ascending; aligned with ``members``.
    """

    members: tuple[MemberIndex, ...]
    degree: int
    ring: tuple[MemberIndex, ...]
    adjacency: tuple[tuple[MemberIndex, ...], ...]

    def __contains__(self, member: object) -> bool:
        return self.position(member) is not None

    def __len__(self) -> int:
        return len(self.members)

    def __iter__(self) -> Iterator[MemberIndex]:
        return iter(self.members)

    def neighbours(self, member: MemberIndex) -> tuple[MemberIndex, ...]:
        """The neighbours of ``member``, ascending.

        Raises
        ------
        ConfigError
            ``member`` is not in the graph.
        """
        position = self.position(member)
        if position is None:
            raise ConfigError(f"member {member!r} is not in this round's graph")
        return self.adjacency[position]

    def are_neighbours(self, a: MemberIndex, b: MemberIndex) -> bool:
        """Whether ``a`` and ``b`` share secrets (``False`` if either is not in the graph)."""
        position = self.position(a)
        if position is None:
            return False
        row = self.adjacency[position]
        i = bisect_left(row, b)
        return i < len(row) and row[i] == b

    def position(self, member: object) -> int | None:
        """``member``'s place in :attr:`members` (and :attr:`adjacency`), or ``None`` if not in the graph."""
        if not isinstance(member, int):
            return None
        i = bisect_left(self.members, member)
        return i if i < len(self.members) and self.members[i] == member else None


def neighbour_graph(seed: bytes, members: Sequence[MemberIndex], degree: int | None = None) -> NeighbourGraph:
    """Derive the round's neighbour graph from its seed and its members.

    Parameters
    ----------
    seed
        The round's 32-byte seed, as the contract records it.
    members
        The members' on-chain indices, strictly ascending (each in ``[0, 2**32)``).
    degree
        ``k``; ``None`` for the complete graph (a round's ``k`` comes from its
        :class:`~fedchain.privacy.secagg.config.SecAggConfig`). Values ``>= n - 1``
        give the complete graph; smaller values must be even.

    Returns
    -------
    NeighbourGraph
        The same graph for every caller with the same inputs.

    Raises
    ------
    ConfigError
        A seed that is not 32 bytes, members not strictly ascending or out of range, no members, or an
        invalid degree.

    Examples
    --------
    >>> neighbour_graph(b"\\x07" * 32, [0, 1, 2]).adjacency
    ((1, 2), (0, 2), (0, 1))
    """
    seed = check_bytes(seed, SEED_BYTES, "a round seed")
    ordered = tuple(check_member(m) for m in members)
    if any(a >= b for a, b in pairwise(ordered)):
        raise ConfigError("members must be strictly ascending on-chain indices")
    n = len(ordered)
    k = resolve_degree(n, degree)
    ring = tuple(ordered[i] for i in seeded_permutation(_graph_key(seed, ordered), n))
    if k == n - 1:
        adjacency = tuple(ordered[:i] + ordered[i + 1 :] for i in range(n))
    else:
        where = {member: position for position, member in enumerate(ring)}
        half = k // 2
        adjacency = tuple(
            tuple(
                sorted(
                    ring[(where[m] + step) % n] for offset in range(1, half + 1) for step in (offset, -offset)
                )
            )
            for m in ordered
        )
    return NeighbourGraph(members=ordered, degree=k, ring=ring, adjacency=adjacency)


def seeded_permutation(key: bytes, n: int) -> list[int]:
    """A uniformly random permutation of ``range(n)`` keyed by ``key``: Fisher-Yates over a SHA-256 stream.

    Word ``w`` of the stream is bytes ``8w .. 8w+7`` (big-endian) of ``SHA-256(key || block)``, blocks
    numbered from 0 as 8-byte big-endian integers. Step ``i = n-1 .. 1`` draws ``j`` uniform in ``[0, i]``:
    the next word below ``2**64 - 2**64 mod (i+1)``, reduced mod ``i + 1``; then swaps ``i`` and ``j``.

    Examples
    --------
    >>> seeded_permutation(bytes(32), 5)
    [2, 1, 0, 4, 3]
    """
    if type(n) is not int or n < 0:
        raise ConfigError(f"n must be a non-negative int, not {n!r}")
    words = _words(key)
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        bound = i + 1
        limit = (1 << 64) - (1 << 64) % bound
        word = next(words)
        while word >= limit:  # probability below bound / 2**64: never in practice
            word = next(words)
        j = word % bound
        order[i], order[j] = order[j], order[i]
    return order


def _graph_key(seed: bytes, members: tuple[int, ...]) -> bytes:
    digest = hashlib.sha256(b"".join(u32(m) for m in members)).digest()
    return hkdf_sha256(seed, None, VERSION + b" neighbour-graph\x00" + u32(len(members)) + digest, 32)


def _words(key: bytes) -> Iterator[int]:
    block = 0
    while True:
        out = hashlib.sha256(key + block.to_bytes(8, "big")).digest()
        for offset in range(0, 32, 8):
            yield int.from_bytes(out[offset : offset + 8], "big")
        block += 1


__all__ = ["SEED_BYTES", "NeighbourGraph", "neighbour_graph", "seeded_permutation"]
