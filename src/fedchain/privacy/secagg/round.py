"""The public parameters of one SecAgg+ round, derived identically by members, aggregator and verifiers.

After the advertise phase everybody holds the same chain data: the round's context and seed, and the keys
each member advertised (``KeysAdvertised`` events). :meth:`SecAggRound.create` turns them into the graph over
the advertisers and the threshold; every other function of the protocol takes the resulting object.

An advertiser whose key is of low order (every X25519 exchange with it would be all zeros) is left out of
the round and listed in :attr:`SecAggRound.skipped`: one bad advertiser cannot stop the round for everyone,
and everyone leaves out the same members since the keys are on-chain.

Examples
--------
>>> from fedchain.privacy.secagg.kdf import RoundContext
>>> from fedchain.privacy.secagg.keys import PublicKeys, RoundKeys
>>> keys = {m: RoundKeys.from_private_bytes(bytes([m]) * 32, bytes([m + 9]) * 32).public for m in (1, 2, 4)}
>>> rnd = SecAggRound.create(RoundContext(1, bytes(20), 1, 1), bytes(32), keys)
>>> rnd.members, rnd.graph.degree, rnd.threshold, rnd.skipped  # any one of 3 may be corrupt: t = 2
((1, 2, 4), 2, 2, ())
>>> keys[7] = PublicKeys(bytes(32), keys[1].enc_pk)  # u = 0: a low-order mask key
>>> rnd = SecAggRound.create(RoundContext(1, bytes(20), 1, 1), bytes(32), keys)
>>> rnd.members, rnd.skipped
((1, 2, 4), (7,))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fedchain.exceptions import ConfigError, InvalidKeyError
from fedchain.privacy.secagg._types import MemberIndex
from fedchain.privacy.secagg.config import DEFAULT_SECAGG_CONFIG, SecAggConfig
from fedchain.privacy.secagg.graph import NeighbourGraph, neighbour_graph
from fedchain.privacy.secagg.kdf import RoundContext
from fedchain.privacy.secagg.keys import PublicKeys, check_public_key


@dataclass(frozen=True, slots=True)
class SecAggRound:
    """A round's context, neighbour graph, threshold and advertised public keys.

    Attributes
    ----------
    context
        Chain, coordinator, task and round.
    graph
        The neighbour graph over the members that advertised keys.
    threshold
        Shares needed to reconstruct a secret, ``1 <= t <= graph.degree``.
    keys
        The advertised public keys, aligned with ``graph.members``.
    skipped
        The advertisers left out of the round for a low-order key, ascending.
    """

    context: RoundContext
    graph: NeighbourGraph
    threshold: int
    keys: tuple[PublicKeys, ...]
    skipped: tuple[MemberIndex, ...] = ()

    def __post_init__(self) -> None:
        if len(self.keys) != len(self.graph.members):
            raise ConfigError("one advertised key pair per member of the graph is needed")
        if any(m in self.graph for m in self.skipped) or list(self.skipped) != sorted(set(self.skipped)):
            raise ConfigError("skipped advertisers must be ascending and outside the graph")
        if type(self.threshold) is not int or not 1 <= self.threshold <= self.graph.degree:
            raise ConfigError(f"threshold must be an int in [1, {self.graph.degree}], not {self.threshold!r}")

    @classmethod
    def create(
        cls,
        context: RoundContext,
        seed: bytes,
        advertised: Mapping[MemberIndex, PublicKeys],
        config: SecAggConfig = DEFAULT_SECAGG_CONFIG,
    ) -> SecAggRound:
        """Build the round from chain data: its context and seed, and the keys members advertised.

        Parameters
        ----------
        context
            The round's context.
        seed
            The round's 32-byte seed from the chain.
        advertised
            Member index to the public keys it advertised this round (at least two members).
        config
            The task's degree and threshold.

        Returns
        -------
        SecAggRound
            The round over the advertisers with usable keys; the others are in :attr:`skipped`.

        Raises
        ------
        ConfigError
            Fewer than two members with usable keys, a bad seed, member index or configuration.
        """
        members, skipped = [], []
        for member in sorted(advertised):
            keys = advertised[member]
            try:
                check_public_key(keys.mask_pk)
                check_public_key(keys.enc_pk)
            except InvalidKeyError:
                skipped.append(member)  # a low-order key: left out, so it cannot stop the round
                continue
            members.append(member)
        degree, threshold = config.resolve(len(members))
        graph = neighbour_graph(seed, members, degree)
        return cls(context, graph, threshold, tuple(advertised[m] for m in members), tuple(skipped))

    @property
    def members(self) -> tuple[MemberIndex, ...]:
        """The members that advertised keys, ascending."""
        return self.graph.members

    def public_keys(self, member: MemberIndex) -> PublicKeys:
        """The keys ``member`` advertised.

        Raises
        ------
        ConfigError
            ``member`` did not advertise keys this round, or was skipped for a low-order key.
        """
        position = self.graph.position(member)
        if position is None:
            why = "was skipped for a low-order key" if member in self.skipped else "did not advertise keys"
            raise ConfigError(f"member {member!r} {why} this round")
        return self.keys[position]

    def neighbours(self, member: MemberIndex) -> tuple[MemberIndex, ...]:
        """``member``'s neighbours in the graph, ascending."""
        return self.graph.neighbours(member)


__all__ = ["SecAggRound"]
