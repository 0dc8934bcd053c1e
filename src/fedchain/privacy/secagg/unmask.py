"""Unmask bundles: the plaintext shares a survivor publishes once the chain has fixed the survivor set.

The chain fixes ``S``, the members whose masked vectors count, before the unmask phase. Survivor ``u``
then publishes, for every neighbour ``v`` whose shares it holds, exactly one share:

* of ``v``'s self-mask seed ``b_v`` if ``v`` is in ``S`` (so ``PRG(b_v)`` can be removed), or
* of ``v``'s mask private key if ``v`` is not in ``S`` (so ``v``'s pairwise masks can be removed),

never both kinds for one member: with ``t`` shares of each, anyone could strip every mask from ``v``'s
vector. Since ``S`` is public and the same for everyone, every honest survivor reveals the same kind for
``v``; :func:`check_unmask_bundle` refuses a bundle revealing the other kind, and :class:`UnmaskBundle`
refuses to hold both kinds for one member at all. Each revealed share is checked against the commitment
its dealer published in clear in its share bundle.

Encoding, version 1 (integers big-endian, every field fixed-width)::

    "FCUB" 0x01 | context digest (32) | publisher u32 | count u32 |
    count x [ owner u32 | kind u8 (1 = self-mask seed, 2 = mask key) | share (66) ]

with owners strictly ascending: one byte string per bundle. ``45 + 71 * count`` bytes.

Examples
--------
>>> from fedchain.privacy.secagg.commitments import ShareKind
>>> bundle = UnmaskBundle(bytes(32), 3, (RevealedShare(1, ShareKind.SELF_SEED, 9),))
>>> decode_unmask_bundle(encode_unmask_bundle(bundle)) == bundle
True
>>> both = (RevealedShare(1, ShareKind.SELF_SEED, 9), RevealedShare(1, ShareKind.MASK_KEY, 4))
>>> UnmaskBundle(bytes(32), 3, both)
Traceback (most recent call last):
...
fedchain.exceptions.DoubleRevealError: unmask bundle reveals both kinds of shares of member 1
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from fedchain.exceptions import (
    ConfigError,
    DoubleRevealError,
    MalformedBundleError,
    MisaddressedShareError,
    ShareMismatchError,
)
from fedchain.privacy.secagg._encoding import MAX_MEMBER, Reader, check_member, u8, u32
from fedchain.privacy.secagg._types import MemberIndex
from fedchain.privacy.secagg.bundle import ReceivedShares, ShareBundle
from fedchain.privacy.secagg.commitments import ShareKind, share_commitment
from fedchain.privacy.secagg.round import SecAggRound
from fedchain.privacy.secagg.shamir import FIELD_BYTES, PRIME, decode_element, encode_element

UNMASK_BUNDLE_MAGIC: Final = b"FCUB"
"""First bytes of an encoded unmask bundle."""

UNMASK_BUNDLE_VERSION: Final = 1
"""Version of the unmask-bundle encoding."""

_HEADER: Final = UNMASK_BUNDLE_MAGIC + u8(UNMASK_BUNDLE_VERSION)
_ENTRY_BYTES: Final = 4 + 1 + FIELD_BYTES


@dataclass(frozen=True, slots=True)
class RevealedShare:
    """One share a survivor publishes: of ``owner``'s secret of kind ``kind``, the value at its own point."""

    owner: MemberIndex
    kind: ShareKind
    value: int


@dataclass(frozen=True, slots=True)
class UnmaskBundle:
    """Survivor ``publisher``'s revealed shares, ascending by owner, at most one per owner.

    Raises
    ------
    DoubleRevealError
        Two shares of different kinds for one owner.
    MalformedBundleError
        Anything else malformed: sizes, order, repeated owners, the publisher's own shares, bad values.
    """

    context: bytes
    publisher: MemberIndex
    shares: tuple[RevealedShare, ...]

    def __post_init__(self) -> None:
        kinds: dict[int, set[ShareKind]] = {}
        for s in self.shares:
            if isinstance(s, RevealedShare) and type(s.owner) is int and isinstance(s.kind, ShareKind):
                kinds.setdefault(s.owner, set()).add(s.kind)
        for owner, seen in sorted(kinds.items()):
            if len(seen) > 1:
                raise DoubleRevealError(
                    f"unmask bundle reveals both kinds of shares of member {owner}", member=self.publisher
                )
        ok = isinstance(self.context, bytes) and len(self.context) == 32
        ok = ok and type(self.publisher) is int and 0 <= self.publisher <= MAX_MEMBER
        previous = -1
        for s in self.shares:
            ok = (
                ok and isinstance(s, RevealedShare) and type(s.owner) is int and isinstance(s.kind, ShareKind)
            )
            ok = ok and previous < s.owner <= MAX_MEMBER and s.owner != self.publisher
            ok = ok and type(s.value) is int and 0 <= s.value < PRIME
            if not ok:
                break
            previous = s.owner
        if not ok:
            raise MalformedBundleError("malformed unmask bundle", member=self.publisher)


def build_unmask_bundle(
    rnd: SecAggRound,
    member: MemberIndex,
    received: Iterable[ReceivedShares],
    survivors: Collection[MemberIndex],
) -> UnmaskBundle:
    """The unmask bundle survivor ``member`` publishes: one share per dealer, of the kind ``survivors`` asks.

    Parameters
    ----------
    rnd
        The round.
    member
        The publishing survivor.
    received
        The shares it decrypted (:func:`~fedchain.privacy.secagg.bundle.open_share_bundle`), one per dealer.
    survivors
        ``S``, as fixed on-chain.

    Returns
    -------
    UnmaskBundle
        Self-mask seed shares of dealers in ``S``, mask-key shares of the others.

    Raises
    ------
    ConfigError
        ``member`` is not a survivor, or two entries of ``received`` come from one dealer.
    MisaddressedShareError
        Shares held for another member, or from a member that is not ``member``'s neighbour.
    """
    alive = set(survivors)
    if check_member(member) not in alive:
        raise ConfigError(f"member {member} is not a survivor: it has nothing to unmask")
    shares: dict[int, RevealedShare] = {}
    for r in received:
        if r.receiver != member or not rnd.graph.are_neighbours(member, r.sender):
            raise MisaddressedShareError(
                f"shares from {r.sender} are not {member}'s to reveal", member=r.sender
            )
        if r.sender in shares:
            raise ConfigError(f"two sets of shares from member {r.sender}")
        kind = ShareKind.SELF_SEED if r.sender in alive else ShareKind.MASK_KEY
        shares[r.sender] = RevealedShare(r.sender, kind, r.share(kind))
    return UnmaskBundle(rnd.context.digest, member, tuple(shares[v] for v in sorted(shares)))


def check_unmask_bundle(
    rnd: SecAggRound,
    bundle: UnmaskBundle,
    share_bundles: Mapping[MemberIndex, ShareBundle],
    survivors: Collection[MemberIndex],
) -> None:
    """Check every revealed share: the right kind for ``S``, a neighbour's, matching its commitment.

    Parameters
    ----------
    rnd
        The round.
    bundle
        A decoded unmask bundle.
    share_bundles
        The round's share bundles by dealer (their commitments are what the shares are checked against).
    survivors
        ``S``, as fixed on-chain.

    Raises
    ------
    ConfigError
        The publisher is not a survivor.
    MisaddressedShareError
        Another round's bundle, or a share of a member that is not the publisher's neighbour or dealt none.
    DoubleRevealError
        A mask-key share of a survivor, or a self-mask share of a member not in ``S``.
    ShareMismatchError
        A share that does not match its commitment.

    ``member`` of the error is the publisher.
    """
    publisher, ctx, alive = bundle.publisher, rnd.context, set(survivors)
    if bundle.context != ctx.digest:
        raise MisaddressedShareError("unmask bundle of another round", member=publisher)
    if publisher not in alive:
        raise ConfigError(f"unmask bundle from member {publisher}, not a survivor")
    for s in bundle.shares:
        dealt = share_bundles.get(s.owner)
        entry = None if dealt is None else dealt.entry(publisher)
        if entry is None or not rnd.graph.are_neighbours(publisher, s.owner):
            raise MisaddressedShareError(
                f"member {publisher} holds no share of member {s.owner}", member=publisher
            )
        expected = ShareKind.SELF_SEED if s.owner in alive else ShareKind.MASK_KEY
        if s.kind is not expected:
            raise DoubleRevealError(
                f"member {publisher} revealed a {s.kind.name} share of member {s.owner}", member=publisher
            )
        committed = (
            entry.seed_share_commitment if s.kind is ShareKind.SELF_SEED else entry.key_share_commitment
        )
        if share_commitment(ctx, s.kind, s.owner, publisher, s.value) != committed:
            raise ShareMismatchError("revealed share does not match its commitment", member=publisher)


def encode_unmask_bundle(bundle: UnmaskBundle) -> bytes:
    """The canonical bytes of an unmask bundle (version 1); their sha256 is what goes on-chain."""
    parts = [_HEADER, bundle.context, u32(bundle.publisher), u32(len(bundle.shares))]
    for s in bundle.shares:
        parts += [u32(s.owner), u8(int(s.kind)), encode_element(s.value)]
    return b"".join(parts)


def decode_unmask_bundle(data: bytes) -> UnmaskBundle:
    """Parse the canonical encoding of an unmask bundle.

    Raises
    ------
    DoubleRevealError
        The bundle reveals both kinds of shares of one member.
    MalformedBundleError
        Anything but the exact output of :func:`encode_unmask_bundle` for some bundle.
    """
    reader = Reader(data, "unmask bundle")
    reader.expect(_HEADER)
    context, publisher, count = reader.take(32), reader.u32(), reader.u32()
    if reader.remaining() != count * _ENTRY_BYTES:
        raise MalformedBundleError("unmask bundle length does not match its entry count", member=publisher)
    shares = []
    for _ in range(count):
        owner, kind = reader.u32(), reader.u8()
        if kind not in (ShareKind.SELF_SEED, ShareKind.MASK_KEY):
            raise MalformedBundleError(f"unknown share kind {kind}", member=publisher)
        shares.append(RevealedShare(owner, ShareKind(kind), decode_element(reader.take(FIELD_BYTES))))
    reader.finish()
    return UnmaskBundle(context, publisher, tuple(shares))


def unmask_bundle_size(count: int) -> int:
    """Bytes of an encoded unmask bundle revealing ``count`` shares: ``45 + 71 * count``."""
    return len(_HEADER) + 32 + 4 + 4 + count * _ENTRY_BYTES


__all__ = [
    "UNMASK_BUNDLE_MAGIC",
    "UNMASK_BUNDLE_VERSION",
    "RevealedShare",
    "UnmaskBundle",
    "build_unmask_bundle",
    "check_unmask_bundle",
    "decode_unmask_bundle",
    "encode_unmask_bundle",
    "unmask_bundle_size",
]
