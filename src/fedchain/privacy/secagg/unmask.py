"""Unmask bundles: the plaintext shares a survivor publishes once the chain has fixed the survivor set.

The chain fixes ``S``, the members that revealed (called ``reveal``), before the unmask phase. Survivor
``u`` then publishes, for every neighbour ``v`` whose shares it holds:

* a share of ``v``'s self-mask seed ``b_v`` if ``v`` is in ``S`` (so ``PRG(b_v)`` can be removed), or
* a share of ``v``'s mask private key if ``v`` is not in ``S`` (so ``v``'s pairwise masks can be removed),

and **never both kinds for a member whose masked vector is well-formed**: with ``t`` shares of each,
anyone could strip every mask from ``v``'s vector. Which kind ``u`` reveals depends on ``S`` alone, never on
which blobs ``u`` could fetch, so every honest survivor reveals the same kind for ``v``.

One exception is safe: a survivor whose published masked vector is *provably* malformed (content-addressed
bytes, matching their on-chain hash, that do not decode) has no usable vector, so its mask key is needed
too. Its mask-key shares may then be revealed as well as its self-seed shares: it misbehaved, and exposing
its secrets exposes nothing of an honest member (it is as if it were corrupt). A survivor that cannot fetch
that vector simply does not reveal the extra kind. :func:`build_unmask_bundle` follows these rules, and
:func:`check_unmask_bundle` refuses any other kind. Each revealed share is checked against the hash
commitment its dealer published in clear in its share bundle; whether it is on the dealer's polynomial is
the dealer's responsibility, checked by :func:`~fedchain.privacy.secagg.aggregate.unmask_aggregate`.

Encoding, version 2 (integers big-endian, every field fixed-width)::

    "FCUB" 0x02 | context digest (32) | publisher u32 | count u32 |
    count x [ owner u32 | kind u8 (1 = self-mask seed, 2 = mask key) | share (32) ]

with ``(owner, kind)`` strictly ascending: one byte string per bundle. ``45 + 37 * count`` bytes. (Version 1,
with 66-byte shares of ``GF(2**521 - 1)`` and at most one kind per owner, is refused.)

Examples
--------
>>> from fedchain.privacy.secagg.commitments import ShareKind
>>> bundle = UnmaskBundle(bytes(32), 3, (RevealedShare(1, ShareKind.SELF_SEED, 9),))
>>> decode_unmask_bundle(encode_unmask_bundle(bundle)) == bundle
True
>>> len(encode_unmask_bundle(bundle)) == unmask_bundle_size(1) == 82
True
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
from fedchain.privacy.secagg.shamir import FIELD_BYTES, GROUP_ORDER, decode_element, encode_element

UNMASK_BUNDLE_MAGIC: Final = b"FCUB"
"""First bytes of an encoded unmask bundle."""

UNMASK_BUNDLE_VERSION: Final = 2
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
    """Survivor ``publisher``'s revealed shares, ascending by ``(owner, kind)``, at most one of each.

    A bundle may hold both kinds for one owner; whether that is allowed depends on the survivor set, which
    is :func:`check_unmask_bundle`'s to say.

    Raises
    ------
    MalformedBundleError
        Anything malformed: sizes, order, repeated ``(owner, kind)``, the publisher's own shares, bad values.
    """

    context: bytes
    publisher: MemberIndex
    shares: tuple[RevealedShare, ...]

    def __post_init__(self) -> None:
        ok = isinstance(self.context, bytes) and len(self.context) == 32
        ok = ok and type(self.publisher) is int and 0 <= self.publisher <= MAX_MEMBER
        ok = ok and isinstance(self.shares, tuple)
        previous = (-1, 0)
        for s in self.shares if ok else ():
            ok = isinstance(s, RevealedShare) and type(s.owner) is int and isinstance(s.kind, ShareKind)
            ok = ok and previous < (s.owner, int(s.kind)) and s.owner <= MAX_MEMBER
            ok = ok and s.owner != self.publisher and type(s.value) is int and 0 <= s.value < GROUP_ORDER
            if not ok:
                break
            previous = (s.owner, int(s.kind))
        if not ok:
            raise MalformedBundleError("malformed unmask bundle", member=self.publisher)


def reveal_kinds(
    owner: MemberIndex, survivors: Collection[MemberIndex], malformed: Collection[MemberIndex] = ()
) -> tuple[ShareKind, ...]:
    """The kinds of share of ``owner`` an honest survivor reveals, given ``S`` and the malformed survivors.

    Examples
    --------
    >>> [[k.name for k in reveal_kinds(v, survivors={1, 2}, malformed={2})] for v in (1, 2, 3)]
    [['SELF_SEED'], ['SELF_SEED', 'MASK_KEY'], ['MASK_KEY']]
    """
    if owner in malformed:
        return (ShareKind.SELF_SEED, ShareKind.MASK_KEY)
    return (ShareKind.SELF_SEED,) if owner in survivors else (ShareKind.MASK_KEY,)


def build_unmask_bundle(
    rnd: SecAggRound,
    member: MemberIndex,
    received: Iterable[ReceivedShares],
    survivors: Collection[MemberIndex],
    *,
    malformed: Collection[MemberIndex] = (),
) -> UnmaskBundle:
    """The unmask bundle survivor ``member`` publishes: for each dealer, the kinds ``S`` asks for.

    Parameters
    ----------
    rnd
        The round.
    member
        The publishing survivor.
    received
        The shares it decrypted (:func:`~fedchain.privacy.secagg.bundle.open_share_bundle`), one per dealer.
    survivors
        ``S``, as fixed on-chain (the members that revealed).
    malformed
        The survivors whose masked vector ``member`` fetched (bytes matching the on-chain hash) and found
        not to decode; a subset of ``S``. Leave out any it could not fetch.

    Returns
    -------
    UnmaskBundle
        Self-mask seed shares of dealers in ``S``, mask-key shares of the others, and mask-key shares of
        the dealers in ``malformed`` as well.

    Raises
    ------
    ConfigError
        ``member`` is not a survivor, ``malformed`` is not a subset of ``S``, or two entries of ``received``
        come from one dealer.
    MisaddressedShareError
        Shares held for another member, or from a member that is not ``member``'s neighbour.
    """
    alive, bad = set(survivors), set(malformed)
    if check_member(member) not in alive:
        raise ConfigError(f"member {member} is not a survivor: it has nothing to unmask")
    if not bad <= alive:
        raise ConfigError("malformed vectors must be survivors' vectors")
    shares: dict[int, list[RevealedShare]] = {}
    for r in received:
        if r.receiver != member or not rnd.graph.are_neighbours(member, r.sender):
            raise MisaddressedShareError(
                f"shares from {r.sender} are not {member}'s to reveal", member=r.sender
            )
        if r.sender in shares:
            raise ConfigError(f"two sets of shares from member {r.sender}")
        kinds = reveal_kinds(r.sender, alive, bad)
        shares[r.sender] = [RevealedShare(r.sender, kind, r.share(kind)) for kind in kinds]
    return UnmaskBundle(rnd.context.digest, member, tuple(s for v in sorted(shares) for s in shares[v]))


def check_unmask_bundle(
    rnd: SecAggRound,
    bundle: UnmaskBundle,
    share_bundles: Mapping[MemberIndex, ShareBundle],
    survivors: Collection[MemberIndex],
    *,
    malformed: Collection[MemberIndex] = (),
) -> None:
    """Check the publisher's part of every revealed share: the right kind, a neighbour's, as committed.

    Whether the share is on its dealer's polynomial is not checked here: a share that matches its hash
    commitment is what the dealer dealt, and if it is off the polynomial the dealer is at fault (see
    :func:`~fedchain.privacy.secagg.aggregate.unmask_aggregate`).

    Parameters
    ----------
    rnd
        The round.
    bundle
        A decoded unmask bundle.
    share_bundles
        The round's well-formed share bundles by dealer (their hash commitments are what the shares are
        checked against).
    survivors
        ``S``, as fixed on-chain.
    malformed
        The survivors whose masked vector is provably malformed: both kinds are accepted for them.

    Raises
    ------
    ConfigError
        The publisher is not a survivor, or ``malformed`` is not a subset of ``S``.
    MisaddressedShareError
        Another round's bundle, or a share of a member that is not the publisher's neighbour or dealt none.
    DoubleRevealError
        A mask-key share of a survivor not in ``malformed``, or a self-mask share of a member not in ``S``.
    ShareMismatchError
        A share that does not match its hash commitment.

    ``member`` of the error is the publisher.
    """
    publisher, ctx, alive, bad = bundle.publisher, rnd.context, set(survivors), set(malformed)
    if bundle.context != ctx.digest:
        raise MisaddressedShareError("unmask bundle of another round", member=publisher)
    if publisher not in alive:
        raise ConfigError(f"unmask bundle from member {publisher}, not a survivor")
    if not bad <= alive:
        raise ConfigError("malformed vectors must be survivors' vectors")
    for s in bundle.shares:
        dealt = share_bundles.get(s.owner)
        committed = None if dealt is None else dealt.share_commitment(s.kind, publisher)
        if committed is None or not rnd.graph.are_neighbours(publisher, s.owner):
            raise MisaddressedShareError(
                f"member {publisher} holds no share of member {s.owner}", member=publisher
            )
        if s.kind not in reveal_kinds(s.owner, alive, bad):
            raise DoubleRevealError(
                f"member {publisher} revealed a {s.kind.name} share of member {s.owner}", member=publisher
            )
        if share_commitment(ctx, s.kind, s.owner, publisher, s.value) != committed:
            raise ShareMismatchError("revealed share does not match its commitment", member=publisher)


def encode_unmask_bundle(bundle: UnmaskBundle) -> bytes:
    """The canonical bytes of an unmask bundle (version 2); their sha256 is what goes on-chain."""
    parts = [_HEADER, bundle.context, u32(bundle.publisher), u32(len(bundle.shares))]
    for s in bundle.shares:
        parts += [u32(s.owner), u8(int(s.kind)), encode_element(s.value)]
    return b"".join(parts)


def decode_unmask_bundle(data: bytes) -> UnmaskBundle:
    """Parse the canonical encoding of an unmask bundle.

    Raises
    ------
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
        try:
            value = decode_element(reader.take(FIELD_BYTES))
        except MalformedBundleError as exc:
            raise MalformedBundleError(str(exc), member=publisher) from None
        shares.append(RevealedShare(owner, ShareKind(kind), value))
    reader.finish()
    return UnmaskBundle(context, publisher, tuple(shares))


def unmask_bundle_size(count: int) -> int:
    """Bytes of an encoded unmask bundle revealing ``count`` shares: ``45 + 37 * count``."""
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
    "reveal_kinds",
    "unmask_bundle_size",
]
