"""Share bundles: a member's verifiable shares for its neighbours, encrypted, in one canonical blob.

Member ``i`` deals its self-mask seed ``b_i`` and its mask private key ``mask_sk_i`` (each read as a
big-endian integer in ``[1, q)``, ``q`` the order of secp256k1) with Feldman VSS
(:mod:`~fedchain.privacy.secagg.feldman`), threshold ``t``, among its ``k`` neighbours, neighbour ``j``
receiving the points at ``x = j + 1``. For each neighbour ``j`` the plaintext ``i || j || share(b_i) ||
share(mask_sk_i)`` (4 + 4 + 32 + 32 bytes) is sealed with ChaCha20-Poly1305 (RFC 8439):

* key: ``HKDF(X25519(enc_sk_i, enc_pk_j), salt = context digest, info = "share-encryption" || i || j ||
  enc_pk_i || enc_pk_j)``; ``j`` derives the same key from ``X25519(enc_sk_j, enc_pk_i)``;
* nonce: twelve zero bytes, safe because each key seals exactly one message;
* associated data: ``"fedchain-secagg/1 share" || context digest || i || j``.

The blob publishes, in clear, the ``t`` Feldman commitments of each of the two polynomials (``C_0`` of the
seed polynomial is the commitment to ``b_i``, ``C_0`` of the key polynomial the one to ``mask_sk_i``) and,
for each recipient, a hash commitment to each of its two shares
(:mod:`~fedchain.privacy.secagg.commitments`). Its sha256 goes on-chain with ``shareKeys``. A recipient
checks its shares against both (:func:`open_share_bundle`); anyone checks the commitments are points
(:func:`check_share_bundle`).

Encoding, version 2 (integers big-endian, every field fixed-width)::

    "FCSB" 0x02 | context digest (32) | sender u32 | t u32 |
    t x seed-polynomial commitment (33) | t x key-polynomial commitment (33) | count u32 |
    count x [ receiver u32 | seed-share commitment (32) | key-share commitment (32) | ciphertext (88) ]

with commitments compressed SEC 1 points and receivers strictly ascending: one byte string per bundle.
:func:`decode_share_bundle` accepts nothing else. A bundle for ``k`` neighbours and threshold ``t`` is
``49 + 66 t + 156 k`` bytes. (Version 1, Shamir over ``GF(2**521 - 1)`` with a hash commitment to ``b_i``
and no polynomial commitments, was ``77 + 224 k``; it is refused.)

Examples
--------
>>> from fedchain.privacy.secagg.kdf import RoundContext
>>> from fedchain.privacy.secagg.keys import RoundKeys
>>> from fedchain.privacy.secagg.round import SecAggRound
>>> keys = {m: RoundKeys.from_private_bytes(bytes([m]) * 32, bytes([m + 9]) * 32) for m in (1, 2, 4)}
>>> public = {m: k.public for m, k in keys.items()}
>>> rnd = SecAggRound.create(RoundContext(1, bytes(20), 1, 1), bytes(32), public)
>>> blob = encode_share_bundle(create_share_bundle(rnd, 1, keys[1], b"\\x05" * 32))
>>> len(blob), open_share_bundle(rnd, 4, keys[4], decode_share_bundle(blob)).sender  # k = 2, t = 2
(493, 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from coincurve import PublicKey
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from fedchain.exceptions import (
    InvalidKeyError,
    MalformedBundleError,
    MisaddressedShareError,
    ShareAuthenticationError,
    ShareMismatchError,
)
from fedchain.privacy.secagg._encoding import MAX_MEMBER, Reader, check_bytes, check_member, u8, u32
from fedchain.privacy.secagg._types import MemberIndex
from fedchain.privacy.secagg.commitments import COMMITMENT_BYTES, ShareKind, share_commitment
from fedchain.privacy.secagg.feldman import POINT_BYTES, deal, decode_commitments, verify_share
from fedchain.privacy.secagg.kdf import LABEL_SHARE_ENCRYPTION, VERSION, RoundContext, derive_key
from fedchain.privacy.secagg.keys import RoundKeys, x25519
from fedchain.privacy.secagg.round import SecAggRound
from fedchain.privacy.secagg.shamir import (
    FIELD_BYTES,
    SECRET_BYTES,
    Share,
    decode_element,
    encode_element,
    secret_value,
)

SHARE_BUNDLE_MAGIC: Final = b"FCSB"
"""First bytes of an encoded share bundle."""

SHARE_BUNDLE_VERSION: Final = 2
"""Version of the share-bundle encoding."""

PLAINTEXT_BYTES: Final = 4 + 4 + 2 * FIELD_BYTES
"""Sender, receiver and the two shares."""

CIPHERTEXT_BYTES: Final = PLAINTEXT_BYTES + 16
"""The sealed plaintext and its Poly1305 tag."""

ENTRY_BYTES: Final = 4 + 2 * COMMITMENT_BYTES + CIPHERTEXT_BYTES
"""One recipient's entry in an encoded bundle."""

_HEADER: Final = SHARE_BUNDLE_MAGIC + u8(SHARE_BUNDLE_VERSION)
_NONCE: Final = bytes(12)


@dataclass(frozen=True, slots=True)
class ShareEntry:
    """One recipient's part of a share bundle: the hash commitments in clear, the shares sealed."""

    receiver: MemberIndex
    seed_share_commitment: bytes
    key_share_commitment: bytes
    ciphertext: bytes


@dataclass(frozen=True, slots=True)
class ShareBundle:
    """Member ``sender``'s encrypted shares for its neighbours, ascending by receiver.

    Attributes
    ----------
    context
        The round's context digest.
    sender
        The dealer.
    seed_commitments, key_commitments
        The Feldman commitments ``C_0 .. C_{t-1}`` of the self-seed and mask-key polynomials, compressed.
    entries
        One per receiver, ascending.

    Raises
    ------
    MalformedBundleError
        Fields of the wrong size, no commitments or not as many of each kind, receivers not strictly
        ascending, or a share addressed to the sender. (Whether the commitments are points, and as many as
        the round's threshold, is :func:`check_share_bundle`'s to say.)
    """

    context: bytes
    sender: MemberIndex
    seed_commitments: tuple[bytes, ...]
    key_commitments: tuple[bytes, ...]
    entries: tuple[ShareEntry, ...]

    def __post_init__(self) -> None:
        _require(_sized(self.context, 32) and type(self.sender) is int and 0 <= self.sender <= MAX_MEMBER)
        _require(isinstance(self.seed_commitments, tuple) and isinstance(self.key_commitments, tuple))
        _require(0 < len(self.seed_commitments) == len(self.key_commitments))
        _require(all(_sized(c, POINT_BYTES) for c in self.seed_commitments + self.key_commitments))
        previous = -1
        for e in self.entries:
            _require(isinstance(e, ShareEntry) and type(e.receiver) is int)
            _require(previous < e.receiver <= MAX_MEMBER and e.receiver != self.sender)
            _require(_sized(e.seed_share_commitment, COMMITMENT_BYTES))
            _require(
                _sized(e.key_share_commitment, COMMITMENT_BYTES) and _sized(e.ciphertext, CIPHERTEXT_BYTES)
            )
            previous = e.receiver

    @property
    def threshold(self) -> int:
        """``t``, as many as there are commitments of each polynomial."""
        return len(self.seed_commitments)

    @property
    def receivers(self) -> tuple[MemberIndex, ...]:
        """The members holding a share, ascending."""
        return tuple(e.receiver for e in self.entries)

    def commitments(self, kind: ShareKind) -> tuple[bytes, ...]:
        """The Feldman commitments of the polynomial of the given kind."""
        return self.seed_commitments if kind is ShareKind.SELF_SEED else self.key_commitments

    def entry(self, receiver: MemberIndex) -> ShareEntry | None:
        """The entry addressed to ``receiver``, if any."""
        return next((e for e in self.entries if e.receiver == receiver), None)

    def share_commitment(self, kind: ShareKind, receiver: MemberIndex) -> bytes | None:
        """The hash commitment to the share of the given kind dealt to ``receiver``, if any."""
        e = self.entry(receiver)
        if e is None:
            return None
        return e.seed_share_commitment if kind is ShareKind.SELF_SEED else e.key_share_commitment


@dataclass(frozen=True, slots=True, repr=False)
class ReceivedShares:
    """The two shares ``receiver`` holds of ``sender``'s secrets (field elements); ``repr`` hides them."""

    sender: MemberIndex
    receiver: MemberIndex
    seed_share: int
    key_share: int

    def share(self, kind: ShareKind) -> int:
        """The share of the given kind."""
        return self.seed_share if kind is ShareKind.SELF_SEED else self.key_share

    def __repr__(self) -> str:
        return f"ReceivedShares(sender={self.sender}, receiver={self.receiver})"


def create_share_bundle(
    rnd: SecAggRound, member: MemberIndex, keys: RoundKeys, self_seed: bytes
) -> ShareBundle:
    """Deal ``self_seed`` and ``keys.mask_sk`` to ``member``'s neighbours, commit, seal each pair of shares.

    Parameters
    ----------
    rnd
        The round.
    member
        The dealer's index.
    keys
        The dealer's private keys (their public keys must be the ones it advertised).
    self_seed
        The dealer's fresh self-mask seed ``b_i``: 32 bytes, in ``[1, q)`` read big-endian (draw it with
        :func:`~fedchain.privacy.secagg.shamir.random_secret`).

    Returns
    -------
    ShareBundle
        The commitments and one entry per neighbour; encode it with :func:`encode_share_bundle`.

    Raises
    ------
    ConfigError
        ``member`` is not in the round, or the seed is not 32 bytes in ``[1, q)``.
    InvalidKeyError
        ``keys`` are not the keys ``member`` advertised.
    """
    seed = secret_value(check_bytes(self_seed, SECRET_BYTES, "a self-mask seed"))
    advertised = rnd.public_keys(check_member(member))
    if keys.public != advertised:
        raise InvalidKeyError("the keys differ from the ones advertised", member=member)
    neighbours = rnd.neighbours(member)
    xs = [j + 1 for j in neighbours]
    seed_shares, seed_commitments = deal(seed, xs, rnd.threshold)
    key_shares, key_commitments = deal(int.from_bytes(keys.mask_sk, "big"), xs, rnd.threshold)
    shares = {j: (s.y, k.y) for j, s, k in zip(neighbours, seed_shares, key_shares, strict=True)}
    return _seal(rnd, member, keys, seed_commitments, key_commitments, shares)


def check_share_bundle(rnd: SecAggRound, bundle: ShareBundle) -> None:
    """Check a bundle belongs to this round, is addressed to exactly its sender's neighbours, and commits.

    Anyone can run this on a published bundle; it needs no key.

    Raises
    ------
    MisaddressedShareError
        Another round's bundle, a sender outside the round, or receivers other than the sender's neighbours.
    MalformedBundleError
        Not ``t`` commitments per polynomial, or one that is not a canonical compressed point of secp256k1.

    ``member`` of the error is the sender.
    """
    _checked_points(rnd, bundle)


def open_share_bundle(
    rnd: SecAggRound,
    member: MemberIndex,
    keys: RoundKeys,
    bundle: ShareBundle,
    *,
    verify_dealing: bool = True,
) -> ReceivedShares:
    """Decrypt and check the shares ``bundle`` holds for ``member``.

    Parameters
    ----------
    rnd
        The round.
    member
        The recipient's index.
    keys
        The recipient's private keys.
    bundle
        The sender's decoded bundle.
    verify_dealing
        Check the shares against the dealer's Feldman commitments (``t - 1`` scalar multiplications per
        share). ``False`` returns shares that match their hash commitments even if they are off the
        dealer's polynomial: revealed later, such a share is public evidence against the dealer
        (:func:`~fedchain.privacy.secagg.aggregate.unmask_aggregate` reports it), and revealing it exposes
        nothing of the recipient.

    Returns
    -------
    ReceivedShares
        Shares matching the hash commitments in the bundle (and its polynomials, if ``verify_dealing``).

    Raises
    ------
    MisaddressedShareError, MalformedBundleError
        See :func:`check_share_bundle`; no entry for ``member``, or a sealed share naming other members or
        that is not a field element.
    ShareAuthenticationError
        The entry fails authentication (forged, damaged, or sealed for another key).
    ShareMismatchError
        A decrypted share that does not match its hash commitment, or (``verify_dealing``) that is not on
        the dealer's committed polynomial.
    InvalidKeyError
        ``keys`` are not the keys ``member`` advertised.

    In every case ``member`` of the error is the sender.
    """
    seed_points, key_points = _checked_points(rnd, bundle)
    sender, ctx = bundle.sender, rnd.context
    if keys.public != rnd.public_keys(member):
        raise InvalidKeyError("the keys differ from the ones advertised", member=member)
    entry = bundle.entry(member)
    if entry is None:
        raise MisaddressedShareError(
            f"member {sender}'s bundle holds no share for member {member}", member=sender
        )
    cipher = ChaCha20Poly1305(_share_key(rnd, keys.enc_sk, sender, member, peer=sender))
    try:
        plaintext = cipher.decrypt(_NONCE, entry.ciphertext, _aad(ctx, sender, member))
    except InvalidTag:
        raise ShareAuthenticationError("share failed authentication", member=sender) from None
    if plaintext[:8] != u32(sender) + u32(member):
        raise MisaddressedShareError(f"member {sender} sealed a share naming other members", member=sender)
    try:
        seed_share = decode_element(plaintext[8 : 8 + FIELD_BYTES])
        key_share = decode_element(plaintext[8 + FIELD_BYTES :])
    except MalformedBundleError as exc:
        raise MalformedBundleError(str(exc), member=sender) from None
    if entry.seed_share_commitment != share_commitment(
        ctx, ShareKind.SELF_SEED, sender, member, seed_share
    ) or entry.key_share_commitment != share_commitment(ctx, ShareKind.MASK_KEY, sender, member, key_share):
        raise ShareMismatchError("share does not match its commitment", member=sender)
    if verify_dealing and not (
        verify_share(seed_points, Share(member + 1, seed_share))
        and verify_share(key_points, Share(member + 1, key_share))
    ):
        raise ShareMismatchError("share is not on the dealer's committed polynomial", member=sender)
    return ReceivedShares(sender, member, seed_share, key_share)


def encode_share_bundle(bundle: ShareBundle) -> bytes:
    """The canonical bytes of a bundle (version 2); their sha256 is what goes on-chain."""
    parts = [_HEADER, bundle.context, u32(bundle.sender), u32(bundle.threshold)]
    parts += [*bundle.seed_commitments, *bundle.key_commitments, u32(len(bundle.entries))]
    for e in bundle.entries:
        parts += [u32(e.receiver), e.seed_share_commitment, e.key_share_commitment, e.ciphertext]
    return b"".join(parts)


def decode_share_bundle(data: bytes) -> ShareBundle:
    """Parse the canonical encoding of a share bundle.

    Raises
    ------
    MalformedBundleError
        Anything but the exact output of :func:`encode_share_bundle` for some bundle.
    """
    reader = Reader(data, "share bundle")
    reader.expect(_HEADER)
    context, sender, threshold = reader.take(32), reader.u32(), reader.u32()
    if reader.remaining() < 2 * threshold * POINT_BYTES + 4:
        raise MalformedBundleError("truncated share bundle", member=sender)
    seed_commitments = tuple(reader.take(POINT_BYTES) for _ in range(threshold))
    key_commitments = tuple(reader.take(POINT_BYTES) for _ in range(threshold))
    count = reader.u32()
    if reader.remaining() != count * ENTRY_BYTES:
        raise MalformedBundleError("share bundle length does not match its entry count", member=sender)
    entries = tuple(
        ShareEntry(
            reader.u32(),
            reader.take(COMMITMENT_BYTES),
            reader.take(COMMITMENT_BYTES),
            reader.take(CIPHERTEXT_BYTES),
        )
        for _ in range(count)
    )
    reader.finish()
    return ShareBundle(context, sender, seed_commitments, key_commitments, entries)


def share_bundle_size(degree: int, threshold: int) -> int:
    """Bytes of an encoded bundle with ``degree`` entries and ``threshold`` commitments per polynomial:
    ``49 + 66 * threshold + 156 * degree``."""
    return len(_HEADER) + 32 + 4 + 4 + 2 * threshold * POINT_BYTES + 4 + degree * ENTRY_BYTES


def _checked_points(
    rnd: SecAggRound, bundle: ShareBundle
) -> tuple[tuple[PublicKey, ...], tuple[PublicKey, ...]]:
    """:func:`check_share_bundle`, returning the parsed commitments of the two polynomials."""
    sender = bundle.sender
    if bundle.context != rnd.context.digest:
        raise MisaddressedShareError("share bundle of another round", member=sender)
    if sender not in rnd.graph:
        raise MisaddressedShareError(f"share bundle from member {sender}, not in the round", member=sender)
    if bundle.receivers != rnd.neighbours(sender):
        raise MisaddressedShareError(
            f"member {sender}'s shares are not addressed to exactly its neighbours", member=sender
        )
    try:
        return (
            decode_commitments(bundle.seed_commitments, rnd.threshold),
            decode_commitments(bundle.key_commitments, rnd.threshold),
        )
    except MalformedBundleError as exc:
        raise MalformedBundleError(f"member {sender}'s bundle: {exc}", member=sender) from None


def _seal(
    rnd: SecAggRound,
    member: MemberIndex,
    keys: RoundKeys,
    seed_commitments: tuple[bytes, ...],
    key_commitments: tuple[bytes, ...],
    shares: Mapping[MemberIndex, tuple[int, int]],
) -> ShareBundle:
    """The dealer's last step: hash-commit and seal each receiver's ``(seed share, key share)``.

    Private, and deliberately unchecked: the tests use it to play a dealer that deals off its polynomial.
    """
    ctx = rnd.context
    entries = []
    for j in sorted(shares):
        seed_y, key_y = shares[j]
        plaintext = u32(member) + u32(j) + encode_element(seed_y) + encode_element(key_y)
        cipher = ChaCha20Poly1305(_share_key(rnd, keys.enc_sk, member, j, peer=j))
        entries.append(
            ShareEntry(
                receiver=j,
                seed_share_commitment=share_commitment(ctx, ShareKind.SELF_SEED, member, j, seed_y),
                key_share_commitment=share_commitment(ctx, ShareKind.MASK_KEY, member, j, key_y),
                ciphertext=cipher.encrypt(_NONCE, plaintext, _aad(ctx, member, j)),
            )
        )
    return ShareBundle(ctx.digest, member, seed_commitments, key_commitments, tuple(entries))


def _share_key(
    rnd: SecAggRound, own_sk: bytes, sender: MemberIndex, receiver: MemberIndex, peer: MemberIndex
) -> bytes:
    """The key sealing ``sender``'s shares for ``receiver``; either computes it (``peer``: the other one)."""
    shared = x25519(own_sk, rnd.public_keys(peer).enc_pk)
    sender_pk, receiver_pk = rnd.public_keys(sender).enc_pk, rnd.public_keys(receiver).enc_pk
    return derive_key(
        rnd.context, LABEL_SHARE_ENCRYPTION, shared, u32(sender), u32(receiver), sender_pk, receiver_pk
    )


def _aad(ctx: RoundContext, sender: MemberIndex, receiver: MemberIndex) -> bytes:
    return VERSION + b" share" + ctx.digest + u32(sender) + u32(receiver)


def _sized(value: object, size: int) -> bool:
    return isinstance(value, bytes) and len(value) == size


def _require(condition: bool) -> None:
    if not condition:
        raise MalformedBundleError("malformed share bundle")


__all__ = [
    "CIPHERTEXT_BYTES",
    "ENTRY_BYTES",
    "PLAINTEXT_BYTES",
    "SHARE_BUNDLE_MAGIC",
    "SHARE_BUNDLE_VERSION",
    "ReceivedShares",
    "ShareBundle",
    "ShareEntry",
    "check_share_bundle",
    "create_share_bundle",
    "decode_share_bundle",
    "encode_share_bundle",
    "open_share_bundle",
    "share_bundle_size",
]
