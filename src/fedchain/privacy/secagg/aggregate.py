"""Dropout recovery and the aggregate, re-derived by anyone from the round's public data.

Inputs are public: the advertised keys (in :class:`~fedchain.privacy.secagg.round.SecAggRound`), the share
bundles (their commitments), the survivors' masked vectors and the unmask bundles. With ``S`` the survivors
(the members with a masked vector) and ``D`` the members that shared but are not in ``S``::

    sum_{u in S} y_u = sum_{u in S} x_u + sum_{u in S} PRG(b_u) + sum_{u in S, v in D, u ~ v} ±PRG(s_uv)

since pairwise masks between two survivors cancel. :func:`unmask_aggregate` checks every input, then
reconstructs each ``b_u`` (checked against its commitment) and each needed ``mask_sk_v`` (checked against
the advertised ``mask_pk_v``), and only then removes the masks: the exact sum mod ``2**bits``, bit for bit
the same for every caller.

Recovery needs ``t`` shares of each secret: every survivor, and every dropped member with a surviving
neighbour, must have ``t`` neighbours among the unmask publishers. Otherwise
:class:`~fedchain.exceptions.TooFewNeighboursError` names the member, and the caller aborts the round;
:func:`require_recoverable` checks this from the membership sets alone, before anything is published.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np

from fedchain.exceptions import ConfigError, ShareMismatchError, TooFewNeighboursError
from fedchain.privacy.secagg._types import MemberIndex, Words
from fedchain.privacy.secagg.bundle import ShareBundle, check_share_bundle
from fedchain.privacy.secagg.commitments import ShareKind, self_seed_commitment
from fedchain.privacy.secagg.keys import public_key
from fedchain.privacy.secagg.masking import check_masked_vector, pairwise_seeds, self_mask_key
from fedchain.privacy.secagg.prg import add_masks, word_dtype
from fedchain.privacy.secagg.round import SecAggRound
from fedchain.privacy.secagg.shamir import SECRET_BYTES, Share, reconstruct_secret
from fedchain.privacy.secagg.unmask import UnmaskBundle, check_unmask_bundle


def require_recoverable(
    rnd: SecAggRound,
    shared: Collection[MemberIndex],
    survivors: Collection[MemberIndex],
    publishers: Collection[MemberIndex] | None = None,
) -> None:
    """Check every secret the round needs has ``t`` potential shares among the publishers.

    Parameters
    ----------
    rnd
        The round.
    shared
        The members that published share bundles.
    survivors
        ``S``: the members whose masked vectors count (a subset of ``shared``).
    publishers
        The survivors that publish unmask bundles; ``None`` for all of ``S``.

    Raises
    ------
    ConfigError
        Sets that are not nested as ``publishers <= survivors <= shared <= members``.
    TooFewNeighboursError
        A survivor, or a dropped member with a surviving neighbour, has fewer than ``t`` neighbours among
        the publishers (``member`` names the first such member).

    Examples
    --------
    >>> from fedchain.privacy.secagg.kdf import RoundContext
    >>> from fedchain.privacy.secagg.keys import RoundKeys
    >>> keys = {m: RoundKeys.from_private_bytes(bytes([m]) * 32, bytes([9]) * 32).public for m in range(4)}
    >>> rnd = SecAggRound.create(RoundContext(1, bytes(20), 1, 1), bytes(32), keys)  # k = 3, t = 2
    >>> require_recoverable(rnd, shared=[0, 1, 2, 3], survivors=[0, 1, 2])
    >>> require_recoverable(rnd, shared=[0, 1, 2, 3], survivors=[0, 1])
    Traceback (most recent call last):
    ...
    fedchain.exceptions.TooFewNeighboursError: member 0 has 1 live neighbour(s), 2 needed
    """
    shared_set, alive = set(shared), set(survivors)
    live = alive if publishers is None else set(publishers)
    if not live <= alive or not alive <= shared_set or not shared_set <= set(rnd.members):
        raise ConfigError("expected publishers <= survivors <= shared <= the round's members")
    for member in sorted(shared_set):
        neighbours = rnd.neighbours(member)
        if member not in alive and alive.isdisjoint(neighbours):
            continue  # dropped, and no survivor's vector carries a mask shared with it
        count = len(live.intersection(neighbours))
        if count < rnd.threshold:
            raise TooFewNeighboursError(
                f"member {member} has {count} live neighbour(s), {rnd.threshold} needed", member=member
            )


def unmask_aggregate(
    rnd: SecAggRound,
    share_bundles: Mapping[MemberIndex, ShareBundle],
    masked: Mapping[MemberIndex, Words],
    unmask_bundles: Mapping[MemberIndex, UnmaskBundle],
    *,
    length: int,
    bits: int,
) -> Words:
    """The exact sum of the survivors' unmasked vectors, mod ``2**bits``, from public data only.

    Parameters
    ----------
    rnd
        The round.
    share_bundles
        Every share bundle published on-chain, by dealer: its keys are the members that shared, the set the
        members masked with (a bundle missing here would leave its dealer's pairwise masks in the sum).
    masked
        The survivors' masked vectors, by member: its keys are ``S``.
    unmask_bundles
        The published unmask bundles, by publisher (survivors).
    length
        Words per vector.
    bits
        32 or 64: the modulus.

    Returns
    -------
    numpy.ndarray
        ``sum_{u in S} x_u mod 2**bits`` as a new ``uint{bits}`` array of ``length`` words.

    Raises
    ------
    ConfigError
        No survivors, a survivor that did not share, or a bundle filed under another member.
    MisaddressedShareError, DoubleRevealError, ShareMismatchError
        See :func:`~fedchain.privacy.secagg.bundle.check_share_bundle` and
        :func:`~fedchain.privacy.secagg.unmask.check_unmask_bundle`; also a reconstructed secret that
        does not match its commitment or advertised key (``member``: the dealer).
    MaskedVectorError
        A masked vector of the wrong length or dtype.
    TooFewNeighboursError
        Fewer than ``t`` shares of a secret the sum needs: the round cannot be unmasked.
    """
    dtype = word_dtype(bits)
    for dealer, bundle in share_bundles.items():
        if bundle.sender != dealer:
            raise ConfigError(f"share bundle of member {bundle.sender} filed under member {dealer}")
        check_share_bundle(rnd, bundle)
    alive = set(masked)
    if not alive:
        raise ConfigError("no survivors: there is nothing to aggregate")
    if not alive <= set(share_bundles):
        raise ConfigError("every survivor must have published a share bundle")
    for member in sorted(alive):
        check_masked_vector(masked[member], length, bits, member)
    for publisher, unmask in unmask_bundles.items():
        if unmask.publisher != publisher:
            raise ConfigError(f"unmask bundle of member {unmask.publisher} filed under member {publisher}")
        check_unmask_bundle(rnd, unmask, share_bundles, alive)

    revealed: dict[tuple[MemberIndex, ShareKind], list[Share]] = {}
    for publisher in sorted(unmask_bundles):
        for s in unmask_bundles[publisher].shares:
            revealed.setdefault((s.owner, s.kind), []).append(Share(publisher + 1, s.value))

    # Reconstruct and check every secret before any arithmetic: an error leaves nothing half-done.
    seeds = {u: _self_seed(rnd, u, share_bundles[u], revealed) for u in sorted(alive)}
    dropped_keys: dict[MemberIndex, bytes] = {}
    for v in sorted(set(share_bundles) - alive):
        if not alive.isdisjoint(rnd.neighbours(v)):
            dropped_keys[v] = _mask_key(rnd, v, revealed)

    total = np.zeros(length, dtype=dtype)
    for u in sorted(alive):
        total += masked[u]
    plus: list[bytes] = []
    minus = [self_mask_key(rnd.context, u, seed) for u, seed in seeds.items()]
    for v, mask_sk in dropped_keys.items():
        peers = [u for u in rnd.neighbours(v) if u in alive]
        for u, seed in zip(peers, pairwise_seeds(rnd, v, mask_sk, peers), strict=True):
            (minus if u < v else plus).append(seed)  # u added PRG(s_uv) if u < v, else subtracted it
    add_masks(total, plus, minus)
    return total


def _shares(
    rnd: SecAggRound, member: MemberIndex, kind: ShareKind, revealed: dict[tuple[int, ShareKind], list[Share]]
) -> list[Share]:
    shares = revealed.get((member, kind), [])
    if len(shares) < rnd.threshold:
        raise TooFewNeighboursError(
            f"{len(shares)} share(s) of member {member}'s {kind.name}, {rnd.threshold} needed", member=member
        )
    return shares


def _secret_bytes(value: int, member: MemberIndex) -> bytes:
    if value >= 1 << (8 * SECRET_BYTES):
        raise ShareMismatchError("shares do not reconstruct a 256-bit secret", member=member)
    return value.to_bytes(SECRET_BYTES, "big")


def _self_seed(
    rnd: SecAggRound,
    member: MemberIndex,
    bundle: ShareBundle,
    revealed: dict[tuple[int, ShareKind], list[Share]],
) -> bytes:
    shares = _shares(rnd, member, ShareKind.SELF_SEED, revealed)
    seed = _secret_bytes(reconstruct_secret(shares, rnd.threshold), member)
    if self_seed_commitment(rnd.context, member, seed) != bundle.self_seed_commitment:
        raise ShareMismatchError("reconstructed self-mask seed does not match its commitment", member=member)
    return seed


def _mask_key(
    rnd: SecAggRound, member: MemberIndex, revealed: dict[tuple[int, ShareKind], list[Share]]
) -> bytes:
    shares = _shares(rnd, member, ShareKind.MASK_KEY, revealed)
    mask_sk = _secret_bytes(reconstruct_secret(shares, rnd.threshold), member)
    if public_key(mask_sk) != rnd.public_keys(member).mask_pk:
        raise ShareMismatchError("reconstructed mask key does not match the advertised key", member=member)
    return mask_sk


__all__ = ["require_recoverable", "unmask_aggregate"]
