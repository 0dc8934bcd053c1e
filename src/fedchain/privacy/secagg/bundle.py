"""Share bundles: a member's Shamir shares for its neighbours, encrypted, in one canonical blob.

Member ``i`` splits its self-mask seed ``b_i`` and its mask private key ``mask_sk_i`` (each read as a 256-bit
big-endian integer) with threshold ``t`` among its ``k`` neighbours, neighbour ``j`` receiving the points at
``x = j + 1``. For each neighbour ``j`` the plaintext ``i || j || share(b_i) || share(mask_sk_i)`` (4 + 4 +
66 + 66 bytes) is sealed with ChaCha20-Poly1305 (RFC 8439):

* key: ``HKDF(X25519(enc_sk_i, enc_pk_j), salt = context digest, info = "share-encryption" || i || j ||
  enc_pk_i || enc_pk_j)``; ``j`` derives the same key from ``X25519(enc_sk_j, enc_pk_i)``;
* nonce: twelve zero bytes, safe because each key seals exactly one message;
* associated data: ``"fedchain-secagg/1 share" || context digest || i || j``.

The blob publishes, in clear, a commitment to each share (one per kind, see
:mod:`~fedchain.privacy.secagg.commitments`) and to ``b_i``. Its sha256 goes on-chain with ``shareKeys``.

Encoding, version 1 (integers big-endian, every field fixed-width)::

    "FCSB" 0x01 | context digest (32) | sender u32 | self-seed commitment (32) | count u32 |
    count x [ receiver u32 | seed-share commitment (32) | key-share commitment (32) | ciphertext (156) ]

with receivers strictly ascending: one byte string per bundle. :func:`decode_share_bundle` accepts nothing
else. A bundle for ``k`` neighbours is ``77 + 224 k`` bytes.

Examples
--------
>>> from fedchain.privacy.secagg.kdf import RoundContext
>>> from fedchain.privacy.secagg.keys import RoundKeys
>>> from fedchain.privacy.secagg.round import SecAggRound
>>> keys = {m: RoundKeys.from_private_bytes(bytes([m]) * 32, bytes([m + 9]) * 32) for m in (1, 2, 4)}
>>> public = {m: k.public for m, k in keys.items()}
>>> rnd = SecAggRound.create(RoundContext(1, bytes(20), 1, 1), bytes(32), public)
>>> blob = encode_share_bundle(create_share_bundle(rnd, 1, keys[1], b"\\x05" * 32))
>>> len(blob), open_share_bundle(rnd, 4, keys[4], decode_share_bundle(blob)).sender
(525, 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

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
from fedchain.privacy.secagg.commitments import (
    COMMITMENT_BYTES,
    ShareKind,
    self_seed_commitment,
    share_commitment,
)
from fedchain.privacy.secagg.kdf import LABEL_SHARE_ENCRYPTION, VERSION, RoundContext, derive_key
from fedchain.privacy.secagg.keys import RoundKeys, x25519
from fedchain.privacy.secagg.round import SecAggRound
from fedchain.privacy.secagg.shamir import (
    FIELD_BYTES,
    SECRET_BYTES,
    decode_element,
    encode_element,
    split_secret,
)

SHARE_BUNDLE_MAGIC: Final = b"FCSB"
"""First bytes of an encoded share bundle."""

SHARE_BUNDLE_VERSION: Final = 1
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
    """One recipient's part of a share bundle: the commitments in clear, the shares sealed."""

    receiver: MemberIndex
    seed_share_commitment: bytes
    key_share_commitment: bytes
    ciphertext: bytes


@dataclass(frozen=True, slots=True)
class ShareBundle:
    """Member ``sender``'s encrypted shares for its neighbours, ascending by receiver.

    Raises
    ------
    MalformedBundleError
        Fields of the wrong size, receivers not strictly ascending, or a share addressed to the sender.
    """

    context: bytes
    sender: MemberIndex
    self_seed_commitment: bytes
    entries: tuple[ShareEntry, ...]

    def __post_init__(self) -> None:
        _require(_sized(self.context, 32) and _sized(self.self_seed_commitment, COMMITMENT_BYTES))
        _require(type(self.sender) is int and 0 <= self.sender <= MAX_MEMBER)
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
    def receivers(self) -> tuple[MemberIndex, ...]:
        """The members holding a share, ascending."""
        return tuple(e.receiver for e in self.entries)

    def entry(self, receiver: MemberIndex) -> ShareEntry | None:
        """The entry addressed to ``receiver``, if any."""
        return next((e for e in self.entries if e.receiver == receiver), None)


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
    """Share ``self_seed`` and ``keys.mask_sk`` among ``member``'s neighbours and seal each pair of shares.

    Parameters
    ----------
    rnd
        The round.
    member
        The dealer's index.
    keys
        The dealer's private keys (their public keys must be the ones it advertised).
    self_seed
        The dealer's fresh 32-byte self-mask seed ``b_i``.

    Returns
    -------
    ShareBundle
        One entry per neighbour; encode it with :func:`encode_share_bundle`.

    Raises
    ------
    ConfigError
        ``member`` is not in the round, or the seed is not 32 bytes.
    InvalidKeyError
        ``keys`` are not the keys ``member`` advertised.
    """
    seed = check_bytes(self_seed, SECRET_BYTES, "a self-mask seed")
    advertised = rnd.public_keys(check_member(member))
    if keys.public != advertised:
        raise InvalidKeyError("the keys differ from the ones advertised", member=member)
    ctx, neighbours = rnd.context, rnd.neighbours(member)
    xs = [j + 1 for j in neighbours]
    seed_shares = split_secret(int.from_bytes(seed, "big"), xs, rnd.threshold)
    key_shares = split_secret(int.from_bytes(keys.mask_sk, "big"), xs, rnd.threshold)
    entries = []
    for j, s, k in zip(neighbours, seed_shares, key_shares, strict=True):
        plaintext = u32(member) + u32(j) + encode_element(s.y) + encode_element(k.y)
        cipher = ChaCha20Poly1305(_share_key(rnd, keys.enc_sk, member, j, peer=j))
        entries.append(
            ShareEntry(
                receiver=j,
                seed_share_commitment=share_commitment(ctx, ShareKind.SELF_SEED, member, j, s.y),
                key_share_commitment=share_commitment(ctx, ShareKind.MASK_KEY, member, j, k.y),
                ciphertext=cipher.encrypt(_NONCE, plaintext, _aad(ctx, member, j)),
            )
        )
    return ShareBundle(ctx.digest, member, self_seed_commitment(ctx, member, seed), tuple(entries))


def check_share_bundle(rnd: SecAggRound, bundle: ShareBundle) -> None:
    """Check a bundle belongs to this round and is addressed to exactly its sender's neighbours.

    Anyone can run this on a published bundle; it needs no key.

    Raises
    ------
    MisaddressedShareError
        Another round's bundle, a sender outside the round, or receivers other than the sender's neighbours
        (``member`` is the sender).
    """
    sender = bundle.sender
    if bundle.context != rnd.context.digest:
        raise MisaddressedShareError("share bundle of another round", member=sender)
    if sender not in rnd.graph:
        raise MisaddressedShareError(f"share bundle from member {sender}, not in the round", member=sender)
    if bundle.receivers != rnd.neighbours(sender):
        raise MisaddressedShareError(
            f"member {sender}'s shares are not addressed to exactly its neighbours", member=sender
        )


def open_share_bundle(
    rnd: SecAggRound, member: MemberIndex, keys: RoundKeys, bundle: ShareBundle
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

    Returns
    -------
    ReceivedShares
        Shares matching the commitments in the bundle.

    Raises
    ------
    MisaddressedShareError
        See :func:`check_share_bundle`; no entry for ``member``, or a sealed share naming other members.
    ShareAuthenticationError
        The entry fails authentication (forged, damaged, or sealed for another key).
    MalformedBundleError
        A decrypted share that is not a field element.
    ShareMismatchError
        A decrypted share that does not match its commitment.
    InvalidKeyError
        ``keys`` are not the keys ``member`` advertised.

    In every case ``member`` of the error is the sender.
    """
    check_share_bundle(rnd, bundle)
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
    return ReceivedShares(sender, member, seed_share, key_share)


def encode_share_bundle(bundle: ShareBundle) -> bytes:
    """The canonical bytes of a bundle (version 1); their sha256 is what goes on-chain."""
    parts = [
        _HEADER,
        bundle.context,
        u32(bundle.sender),
        bundle.self_seed_commitment,
        u32(len(bundle.entries)),
    ]
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
    context, sender, commitment, count = (
        reader.take(32),
        reader.u32(),
        reader.take(COMMITMENT_BYTES),
        reader.u32(),
    )
    if reader.remaining() != count * ENTRY_BYTES:
        raise MalformedBundleError("share bundle length does not match its entry count")
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
    return ShareBundle(context, sender, commitment, entries)


def share_bundle_size(degree: int) -> int:
    """Bytes of an encoded bundle with ``degree`` entries: ``77 + 224 * degree``."""
    return len(_HEADER) + 32 + 4 + COMMITMENT_BYTES + 4 + degree * ENTRY_BYTES


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
