"""Dropout recovery and the aggregate, re-derived by anyone from the round's public data, with blame.

Inputs are public: the advertised keys (in :class:`~fedchain.privacy.secagg.round.SecAggRound`), the share
bundles (their commitments), the masked vectors and the unmask bundles. With ``U2`` the members that shared
(well-formed share bundles), ``S`` the survivors fixed on-chain (the members that revealed), ``M`` the
survivors with a usable masked vector and ``D = U2 - M``::

    sum_{u in M} y_u = sum_{u in M} x_u + sum_{u in M} PRG(b_u) + sum_{u in M, v in D, u ~ v} ±PRG(s_uv)

since pairwise masks between two members of ``M`` cancel. So the sum needs ``b_u`` for every ``u`` in
``M`` and ``mask_sk_v`` for every ``v`` in ``D`` with a neighbour in ``M`` (a dropped member, or a survivor
whose vector is malformed: see :mod:`~fedchain.privacy.secagg.unmask`).

:func:`unmask_aggregate` never lets one member stop the round or skew the sum:

1. An unmask bundle with any bad share (of another round, of a member its publisher holds none of, of the
   wrong kind for ``S``, or failing its hash commitment) is ignored whole, its publisher reported
   :attr:`Fault.BAD_UNMASK`.
2. Every other revealed share matches what its dealer committed to dealing; it is checked against the
   dealer's Feldman commitments (one batched check per dealer and kind, see
   :func:`~fedchain.privacy.secagg.feldman.verify_shares`). A share off the polynomial is discarded and its
   dealer reported :attr:`Fault.BAD_DEALING`; so is a dealer whose reconstructed mask key is not the one it
   advertised.
3. Each needed secret is reconstructed from ``t`` valid shares (any ``t`` give the same secret) and checked
   against ``C_0``; then the masks are removed: the exact sum mod ``2**bits``, bit for bit the same for
   every caller.

If a needed secret has fewer than ``t`` valid shares, :class:`~fedchain.exceptions.UnrecoverableError`
names the members and carries the faults found: never a wrong sum. :func:`require_recoverable` checks from
the membership sets alone whether enough neighbours publish at all, before anything is unmasked.

The faults are public evidence: anyone re-running :func:`unmask_aggregate` on the same on-chain blobs finds
the same faults (up to the ``2**-128`` chance that a batched check misses a bad share; a missed share still
cannot produce a wrong sum, as the reconstructed secret is checked against ``C_0``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import Flag, auto
from types import MappingProxyType

import numpy as np
from coincurve import PublicKey

from fedchain.exceptions import (
    ConfigError,
    DoubleRevealError,
    MisaddressedShareError,
    ShareMismatchError,
    TooFewNeighboursError,
    UnrecoverableError,
)
from fedchain.privacy.secagg._types import MemberIndex, Words
from fedchain.privacy.secagg.bundle import ShareBundle, _checked_points
from fedchain.privacy.secagg.commitments import ShareKind
from fedchain.privacy.secagg.feldman import secret_matches, verify_shares
from fedchain.privacy.secagg.keys import public_key
from fedchain.privacy.secagg.masking import check_masked_vector, pairwise_seeds, self_mask_key
from fedchain.privacy.secagg.prg import add_masks, word_dtype
from fedchain.privacy.secagg.round import SecAggRound
from fedchain.privacy.secagg.shamir import SECRET_BYTES, Share, reconstruct_secret
from fedchain.privacy.secagg.unmask import UnmaskBundle, check_unmask_bundle


class Fault(Flag):
    """What public data proves a member did wrong in a round (flags: one member may do both)."""

    BAD_DEALING = auto()
    """A dealer: a revealed share matching its hash commitment is off its Feldman polynomial, or its
    reconstructed mask key is not the key it advertised."""

    BAD_UNMASK = auto()
    """A publisher: its unmask bundle is of another round, reveals a share of a member it holds none of or
    of the wrong kind for ``S``, or a share failing its hash commitment. The whole bundle is ignored."""


@dataclass(frozen=True, slots=True, eq=False)
class UnmaskResult:
    """The unmasked sum and who, by the public data, misbehaved.

    Attributes
    ----------
    total
        ``sum_{u in M} x_u mod 2**bits``, a new ``uint{bits}`` array.
    faults
        The members at fault, ascending, each with its :class:`Fault` flags.
    used
        The publishers whose unmask bundles were accepted, ascending (every share in them checked out
        against its hash commitment and the survivor set).
    """

    total: Words
    faults: Mapping[MemberIndex, Fault]
    used: tuple[MemberIndex, ...]


def require_recoverable(
    rnd: SecAggRound,
    shared: Collection[MemberIndex],
    survivors: Collection[MemberIndex],
    publishers: Collection[MemberIndex] | None = None,
    *,
    malformed: Collection[MemberIndex] = (),
) -> None:
    """Check every secret the round needs has ``t`` potential shares among the publishers.

    Parameters
    ----------
    rnd
        The round.
    shared
        ``U2``: the members whose share bundles are well-formed.
    survivors
        ``S``: the members that revealed on-chain.
    publishers
        The survivors that publish unmask bundles; ``None`` for all of ``S``.
    malformed
        The survivors whose masked vector is provably malformed (their mask keys are needed too).

    Raises
    ------
    ConfigError
        Sets that are not nested as ``publishers <= survivors``, ``malformed <= survivors`` and
        ``survivors, shared <= members``.
    TooFewNeighboursError
        A member whose secret the sum needs (the self seed of a member of ``M = (S & U2) - malformed``, the
        mask key of a member of ``U2 - M`` with a neighbour in ``M``) has fewer than ``t`` neighbours among
        the publishers (``member`` names the first such member).

    Examples
    --------
    >>> from fedchain.privacy.secagg.kdf import RoundContext
    >>> from fedchain.privacy.secagg.keys import RoundKeys
    >>> keys = {m: RoundKeys.from_private_bytes(bytes([m + 1]) * 32, bytes(32)).public for m in range(4)}
    >>> from fedchain.privacy.secagg.config import SecAggConfig
    >>> rnd = SecAggRound.create(RoundContext(1, bytes(20), 1, 1), bytes(32), keys, SecAggConfig(3, 2))
    >>> require_recoverable(rnd, shared=[0, 1, 2, 3], survivors=[0, 1, 2])
    >>> require_recoverable(rnd, shared=[0, 1, 2, 3], survivors=[0, 1])
    Traceback (most recent call last):
    ...
    fedchain.exceptions.TooFewNeighboursError: member 0 has 1 live neighbour(s), 2 needed
    """
    shared_set, alive, bad = set(shared), set(survivors), set(malformed)
    live = alive if publishers is None else set(publishers)
    members = set(rnd.members)
    if not live <= alive or not bad <= alive or not alive <= members or not shared_set <= members:
        raise ConfigError(
            "expected publishers <= survivors, malformed <= survivors, survivors and shared <= the members"
        )
    usable = (alive & shared_set) - bad
    for member in sorted(shared_set):
        neighbours = rnd.neighbours(member)
        if member not in usable and usable.isdisjoint(neighbours):
            continue  # no usable vector carries a mask shared with it
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
    survivors: Collection[MemberIndex],
    length: int,
    bits: int,
) -> UnmaskResult:
    """The exact sum of the usable masked vectors' inputs, mod ``2**bits``, and the faults found on the way.

    Parameters
    ----------
    rnd
        The round.
    share_bundles
        ``U2``: the well-formed share bundles (:func:`~fedchain.privacy.secagg.bundle.check_share_bundle`),
        by dealer: the set the members masked with (a bundle missing here would leave its dealer's pairwise
        masks in the sum).
    masked
        ``M``: the usable masked vectors, by member. Its keys are survivors with a share bundle; every
        survivor left out is taken to have a provably malformed vector (pass every vector that decodes: a
        survivor whose vector could not be fetched needs its mask key, which honest members do not reveal,
        and makes the round unrecoverable).
    unmask_bundles
        The published unmask bundles, by publisher (survivors, as the chain enforces), decoded; each may be
        bad in any way.
    survivors
        ``S``: the members that revealed on-chain.
    length
        Words per vector.
    bits
        32 or 64: the modulus.

    Returns
    -------
    UnmaskResult
        The sum, the faults (:class:`Fault` by member) and the publishers whose bundles were used.

    Raises
    ------
    ConfigError
        No usable vector, a usable vector of a non-survivor or of a member without a share bundle, a
        survivor or publisher outside the round's members or ``S``, or a share bundle filed under another
        member. (These are the caller's inputs, not a member's.)
    MisaddressedShareError, MalformedBundleError
        A share bundle that is not well-formed
        (see :func:`~fedchain.privacy.secagg.bundle.check_share_bundle`).
    MaskedVectorError
        A masked vector of the wrong length or dtype.
    UnrecoverableError
        Fewer than ``t`` valid shares of a secret the sum needs; ``members`` names whose, ``faults`` the
        faults found.
    """
    dtype = word_dtype(bits)
    points: dict[tuple[MemberIndex, ShareKind], Sequence[PublicKey]] = {}
    for dealer, bundle in share_bundles.items():
        if bundle.sender != dealer:
            raise ConfigError(f"share bundle of member {bundle.sender} filed under member {dealer}")
        seed_points, key_points = _checked_points(rnd, bundle)  # check_share_bundle, keeping the points
        points[dealer, ShareKind.SELF_SEED], points[dealer, ShareKind.MASK_KEY] = seed_points, key_points
    alive, usable = set(survivors), set(masked)
    if not usable:
        raise ConfigError("no usable masked vector: there is nothing to aggregate")
    if not alive <= set(rnd.members):
        raise ConfigError("every survivor must be a member of the round")
    if not usable <= alive & set(share_bundles):
        raise ConfigError("every usable masked vector must be a survivor's, with a share bundle")
    for member in sorted(usable):
        check_masked_vector(masked[member], length, bits, member)

    faults: dict[MemberIndex, Fault] = {}
    accepted = _accepted(rnd, share_bundles, unmask_bundles, alive, alive - usable, faults)
    valid = _valid_shares(points, accepted, faults)

    # Reconstruct and check every needed secret before any arithmetic: an error leaves nothing half-done.
    seeds: dict[MemberIndex, bytes] = {}
    keys: dict[MemberIndex, bytes] = {}
    missing: list[MemberIndex] = []
    for u in sorted(usable):
        seed = _recover(rnd, u, ShareKind.SELF_SEED, points, valid, faults)
        if seed is None:
            missing.append(u)
        else:
            seeds[u] = seed
    for v in sorted(set(share_bundles) - usable):
        if usable.isdisjoint(rnd.neighbours(v)):
            continue  # no usable vector carries a mask shared with it
        key = _recover(rnd, v, ShareKind.MASK_KEY, points, valid, faults)
        if key is not None and public_key(key) != rnd.public_keys(v).mask_pk:
            _blame(faults, v, Fault.BAD_DEALING)  # it shared a key other than the one it advertised
            key = None
        if key is None:
            missing.append(v)
        else:
            keys[v] = key
    if missing:
        shown = ", ".join(map(str, sorted(missing)))
        raise UnrecoverableError(
            f"fewer than {rnd.threshold} valid shares of the secrets of member(s) {shown}",
            members=sorted(missing),
            faults=_sorted(faults),
        )

    total = np.zeros(length, dtype=dtype)
    for u in sorted(usable):
        total += masked[u]
    plus: list[bytes] = []
    minus = [self_mask_key(rnd.context, u, seed) for u, seed in seeds.items()]
    for v, mask_sk in keys.items():
        peers = [u for u in rnd.neighbours(v) if u in usable]
        for u, seed in zip(peers, pairwise_seeds(rnd, v, mask_sk, peers), strict=True):
            (minus if u < v else plus).append(seed)  # u added PRG(s_uv) if u < v, else subtracted it
    add_masks(total, plus, minus)
    return UnmaskResult(total, _sorted(faults), tuple(sorted(accepted)))


def _accepted(
    rnd: SecAggRound,
    share_bundles: Mapping[MemberIndex, ShareBundle],
    unmask_bundles: Mapping[MemberIndex, UnmaskBundle],
    alive: set[MemberIndex],
    malformed: set[MemberIndex],
    faults: dict[MemberIndex, Fault],
) -> dict[MemberIndex, UnmaskBundle]:
    """The unmask bundles whose every share checks out; the others' publishers are blamed."""
    accepted = {}
    for publisher in sorted(unmask_bundles):
        bundle = unmask_bundles[publisher]
        if publisher not in alive:
            raise ConfigError(f"unmask bundle filed under member {publisher}, not a survivor")
        try:
            if bundle.publisher != publisher:
                raise MisaddressedShareError("unmask bundle naming another publisher", member=publisher)
            check_unmask_bundle(rnd, bundle, share_bundles, alive, malformed=malformed)
        except (MisaddressedShareError, DoubleRevealError, ShareMismatchError):
            _blame(faults, publisher, Fault.BAD_UNMASK)
            continue
        accepted[publisher] = bundle
    return accepted


def _valid_shares(
    points: Mapping[tuple[MemberIndex, ShareKind], Sequence[PublicKey]],
    accepted: Mapping[MemberIndex, UnmaskBundle],
    faults: dict[MemberIndex, Fault],
) -> dict[tuple[MemberIndex, ShareKind], list[Share]]:
    """The revealed shares on their dealers' polynomials, by dealer and kind; the dealers of others blamed."""
    revealed: dict[tuple[MemberIndex, ShareKind], list[Share]] = {}
    for publisher in sorted(accepted):
        for s in accepted[publisher].shares:
            revealed.setdefault((s.owner, s.kind), []).append(Share(publisher + 1, s.value))
    valid = {}
    for (owner, kind), shares in sorted(revealed.items()):
        verdicts = verify_shares(points[owner, kind], shares)
        if not all(verdicts):
            _blame(faults, owner, Fault.BAD_DEALING)
        valid[owner, kind] = [s for s, ok in zip(shares, verdicts, strict=True) if ok]
    return valid


def _recover(
    rnd: SecAggRound,
    dealer: MemberIndex,
    kind: ShareKind,
    points: Mapping[tuple[MemberIndex, ShareKind], Sequence[PublicKey]],
    valid: Mapping[tuple[MemberIndex, ShareKind], list[Share]],
    faults: dict[MemberIndex, Fault],
) -> bytes | None:
    """The dealer's secret of ``kind`` from ``t`` valid shares, checked against ``C_0``; ``None`` if short."""
    shares = valid.get((dealer, kind), [])
    if len(shares) < rnd.threshold:
        return None
    secret = reconstruct_secret(shares, rnd.threshold)
    if not secret_matches(points[dealer, kind], secret):  # unreachable if the shares verified
        _blame(faults, dealer, Fault.BAD_DEALING)
        return None
    return secret.to_bytes(SECRET_BYTES, "big")


def _blame(faults: dict[MemberIndex, Fault], member: MemberIndex, fault: Fault) -> None:
    faults[member] = faults[member] | fault if member in faults else fault


def _sorted(faults: Mapping[MemberIndex, Fault]) -> Mapping[MemberIndex, Fault]:
    return MappingProxyType(dict(sorted(faults.items())))


__all__ = ["Fault", "UnmaskResult", "require_recoverable", "unmask_aggregate"]
