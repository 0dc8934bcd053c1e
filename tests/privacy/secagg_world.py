"""A SecAgg+ round played out in memory for the tests: deterministic keys, every phase, any dropouts, and
dealers that cheat."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from fedchain.exceptions import SecAggError, ShareMismatchError
from fedchain.privacy.secagg import (
    ReceivedShares,
    RoundContext,
    RoundKeys,
    SecAggConfig,
    SecAggRound,
    ShareBundle,
    UnmaskBundle,
    build_unmask_bundle,
    create_share_bundle,
    default_degree,
    default_threshold,
    mask_vector,
    open_share_bundle,
)
from fedchain.privacy.secagg._types import Words
from fedchain.privacy.secagg.bundle import _seal
from fedchain.privacy.secagg.feldman import deal
from fedchain.privacy.secagg.shamir import GROUP_ORDER

CONTEXT = RoundContext.create(31337, "0x" + "c0" * 20, task_id=7, round_number=3)
ROUND_SEED = hashlib.sha256(b"round seed").digest()


def secret(*parts: object) -> bytes:
    """32 deterministic bytes named by ``parts``."""
    return hashlib.sha256(repr(parts).encode()).digest()


@dataclass
class World:
    """Every member's secrets and the public round built from them."""

    rnd: SecAggRound
    keys: dict[int, RoundKeys]
    seeds: dict[int, bytes]

    @classmethod
    def create(
        cls,
        members: Sequence[int],
        *,
        degree: int | None = None,
        threshold: int | None = None,
        salt: int = 0,
        context: RoundContext = CONTEXT,
    ) -> World:
        keys = {
            m: RoundKeys.from_private_bytes(secret("mask", salt, m), secret("enc", salt, m)) for m in members
        }
        seeds = {m: secret("b", salt, m) for m in members}
        # The mechanics under test are those of a given (k, t): Bell et al.'s semi-honest defaults, which the
        # cases were worked out with, fill in what a case leaves out (a task's own come from its threat
        # model).
        degree = default_degree(len(members)) if degree is None else degree
        threshold = default_threshold(min(degree, len(members) - 1)) if threshold is None else threshold
        config = SecAggConfig(degree=degree, threshold=threshold)
        rnd = SecAggRound.create(context, ROUND_SEED, {m: k.public for m, k in keys.items()}, config)
        return cls(rnd, keys, seeds)

    def share(self, sharers: Collection[int]) -> dict[int, ShareBundle]:
        return {m: create_share_bundle(self.rnd, m, self.keys[m], self.seeds[m]) for m in sorted(sharers)}

    def deal_off_polynomial(
        self, member: int, off: Mapping[int, tuple[int, int]], *, lie_about_key: bool = False
    ) -> ShareBundle:
        """``member``'s bundle with receiver ``j``'s shares moved off the committed polynomials by
        ``off[j] = (seed delta, key delta)``, every hash commitment matching the moved shares: each share
        checks against its own commitment, but they no longer lie on one polynomial."""
        rnd, keys = self.rnd, self.keys[member]
        neighbours = rnd.neighbours(member)
        xs = [j + 1 for j in neighbours]
        mask_sk = int.from_bytes(keys.mask_sk, "big")
        if lie_about_key:  # deals a key other than the one advertised
            mask_sk = int.from_bytes(secret("another key", member), "big") % (GROUP_ORDER - 1) + 1
        seed_shares, seed_commitments = deal(int.from_bytes(self.seeds[member], "big"), xs, rnd.threshold)
        key_shares, key_commitments = deal(mask_sk, xs, rnd.threshold)
        shares = {
            j: ((s.y + off.get(j, (0, 0))[0]) % GROUP_ORDER, (k.y + off.get(j, (0, 0))[1]) % GROUP_ORDER)
            for j, s, k in zip(neighbours, seed_shares, key_shares, strict=True)
        }
        return _seal(rnd, member, keys, seed_commitments, key_commitments, shares)

    def receive(self, member: int, bundles: Mapping[int, ShareBundle]) -> list[ReceivedShares]:
        """What an honest member keeps of its neighbours' bundles, as the node does: the shares that check
        out; a share off its dealer's polynomial but matching its hash commitment too (revealing it is
        evidence against the dealer); nothing of a bundle that fails otherwise."""
        kept = []
        for v in self.rnd.neighbours(member):
            if v not in bundles:
                continue
            try:
                kept.append(open_share_bundle(self.rnd, member, self.keys[member], bundles[v]))
            except ShareMismatchError:
                try:
                    kept.append(
                        open_share_bundle(
                            self.rnd, member, self.keys[member], bundles[v], verify_dealing=False
                        )
                    )
                except SecAggError:
                    continue
            except SecAggError:
                continue
        return kept

    def mask(self, member: int, vector: Words, shared: Collection[int]) -> Words:
        return mask_vector(self.rnd, member, self.keys[member], self.seeds[member], vector, shared)

    def unmask(
        self,
        bundles: Mapping[int, ShareBundle],
        survivors: Collection[int],
        publishers: Collection[int],
        malformed: Collection[int] = (),
    ) -> dict[int, UnmaskBundle]:
        return {
            u: build_unmask_bundle(self.rnd, u, self.receive(u, bundles), survivors, malformed=malformed)
            for u in sorted(publishers)
        }


def random_inputs(members: Collection[int], length: int, bits: int, seed: int = 0) -> dict[int, Words]:
    """Uniform words mod ``2**bits`` per member (inputs, not masks: numpy.random is fine here)."""
    rng = np.random.default_rng(seed)
    dtype = np.uint32 if bits == 32 else np.uint64
    return {m: rng.integers(0, 2**bits, size=length, dtype=dtype) for m in members}
