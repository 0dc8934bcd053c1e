"""Masking: ``y_i = x_i + PRG(b_i) + sum_j ±PRG(s_ij) mod 2**bits`` over ``i``'s neighbours ``j``.

* ``PRG(b_i)``, the self mask: :func:`~fedchain.privacy.secagg.prg.expand_mask` under
  ``HKDF(b_i, salt = context digest, info = "self-mask" || i)``. Removed from the sum once ``b_i`` is
  reconstructed (``i`` survived).
* ``PRG(s_ij)``, the pairwise masks: ``s_ij = HKDF(X25519(mask_sk_i, mask_pk_j), salt = context digest,
  info = "pairwise-mask" || lo || hi || mask_pk_lo || mask_pk_hi)`` with ``lo < hi`` the two indices, so
  ``s_ij = s_ji``. The member with the lower index adds the mask, the higher subtracts it: a pair of
  survivors cancels in the sum; for a dropped ``j`` the mask is removed once ``mask_sk_j`` is reconstructed.

Member ``i`` pairs only with the neighbours that published share bundles (``shared``, read from the chain),
since only their keys can be reconstructed if they drop out.

A masked vector travels as a canonical blob (version 1, integers big-endian, words little-endian)::

    "FCMV" 0x01 | context digest (32) | member u32 | bits u8 | length u32 | length words

Examples
--------
>>> import numpy as np
>>> from fedchain.privacy.secagg.kdf import RoundContext
>>> from fedchain.privacy.secagg.keys import RoundKeys
>>> from fedchain.privacy.secagg.round import SecAggRound
>>> keys = {m: RoundKeys.from_private_bytes(bytes([m]) * 32, bytes([m + 9]) * 32) for m in (1, 2)}
>>> public = {m: k.public for m, k in keys.items()}
>>> rnd = SecAggRound.create(RoundContext(1, bytes(20), 1, 1), bytes(32), public)
>>> x = np.array([5, 7], dtype=np.uint32)
>>> y1 = mask_vector(rnd, 1, keys[1], b"\\x01" * 32, x, shared=[1, 2])
>>> y2 = mask_vector(rnd, 2, keys[2], b"\\x02" * 32, x, shared=[1, 2])
>>> ctx = rnd.context
>>> total = y1 + y2 - self_mask(ctx, 1, b"\\x01" * 32, 2, 32) - self_mask(ctx, 2, b"\\x02" * 32, 2, 32)
>>> total.tolist()
[10, 14]
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Final

import numpy as np

from fedchain.exceptions import ConfigError, InvalidKeyError, MalformedBundleError, MaskedVectorError
from fedchain.privacy.secagg._encoding import Reader, check_bytes, check_member, u8, u32
from fedchain.privacy.secagg._types import MemberIndex, Words
from fedchain.privacy.secagg.kdf import LABEL_PAIRWISE_MASK, LABEL_SELF_MASK, RoundContext, derive_key
from fedchain.privacy.secagg.keys import RoundKeys, public_key, x25519_many
from fedchain.privacy.secagg.prg import add_masks, expand_mask, word_dtype, words_from_bytes
from fedchain.privacy.secagg.round import SecAggRound

MASKED_VECTOR_MAGIC: Final = b"FCMV"
"""First bytes of an encoded masked vector."""

MASKED_VECTOR_VERSION: Final = 1
"""Version of the masked-vector encoding."""

_HEADER: Final = MASKED_VECTOR_MAGIC + u8(MASKED_VECTOR_VERSION)


def pairwise_seed(rnd: SecAggRound, member: MemberIndex, mask_sk: bytes, peer: MemberIndex) -> bytes:
    """``s_ij``: the 32-byte seed ``member`` (holding ``mask_sk``) shares with ``peer``; symmetric.

    Raises
    ------
    ConfigError
        Either member is not in the round, or they are the same member.
    """
    return pairwise_seeds(rnd, member, mask_sk, [peer])[0]


def pairwise_seeds(
    rnd: SecAggRound, member: MemberIndex, mask_sk: bytes, peers: Sequence[MemberIndex]
) -> list[bytes]:
    """:func:`pairwise_seed` with each of ``peers``, loading ``mask_sk`` once."""
    if member in peers:
        raise ConfigError("a member has no pairwise mask with itself")
    own_pk = rnd.public_keys(member).mask_pk
    peer_pks = [rnd.public_keys(peer).mask_pk for peer in peers]
    seeds = []
    for peer, peer_pk, shared in zip(peers, peer_pks, x25519_many(mask_sk, peer_pks), strict=True):
        lo, lo_pk, hi, hi_pk = (
            (member, own_pk, peer, peer_pk) if member < peer else (peer, peer_pk, member, own_pk)
        )
        seeds.append(derive_key(rnd.context, LABEL_PAIRWISE_MASK, shared, u32(lo), u32(hi), lo_pk, hi_pk))
    return seeds


def self_mask_key(context: RoundContext, member: MemberIndex, self_seed: bytes) -> bytes:
    """The PRG key of ``member``'s self mask: ``HKDF(b_i, salt = context, info = "self-mask" || i)``."""
    seed = check_bytes(self_seed, 32, "a self-mask seed")
    return derive_key(context, LABEL_SELF_MASK, seed, u32(member))


def self_mask(context: RoundContext, member: MemberIndex, self_seed: bytes, length: int, bits: int) -> Words:
    """``PRG(b_i)``: ``member``'s self mask of ``length`` words mod ``2**bits``."""
    return expand_mask(self_mask_key(context, member, self_seed), length, bits)


def pairwise_mask(
    rnd: SecAggRound, member: MemberIndex, mask_sk: bytes, peer: MemberIndex, length: int, bits: int
) -> Words:
    """``PRG(s_ij)``, unsigned: ``member`` adds it if ``member < peer``, else subtracts it."""
    return expand_mask(pairwise_seed(rnd, member, mask_sk, peer), length, bits)


def check_masked_vector(vector: object, length: int, bits: int, member: MemberIndex | None = None) -> Words:
    """Return ``vector`` if it is a one-dimensional array of ``length`` native ``uint{bits}`` words.

    Raises
    ------
    MaskedVectorError
        Anything else (``member`` is passed on to the error).
    """
    dtype = word_dtype(bits)
    if not isinstance(vector, np.ndarray) or vector.dtype != dtype or vector.shape != (length,):
        shown = f"{vector.dtype} {vector.shape}" if isinstance(vector, np.ndarray) else type(vector).__name__
        raise MaskedVectorError(f"expected {length} {dtype} words, got {shown}", member=member)
    return vector


def mask_vector(
    rnd: SecAggRound,
    member: MemberIndex,
    keys: RoundKeys,
    self_seed: bytes,
    vector: Words,
    shared: Collection[MemberIndex],
) -> Words:
    """Mask a quantized vector: ``vector + PRG(b_i) + sum_j ±PRG(s_ij) mod 2**bits``.

    Parameters
    ----------
    rnd
        The round.
    member
        The masking member, ``i``.
    keys
        Its private keys (the mask key must be the one it advertised and shared).
    self_seed
        Its self-mask seed ``b_i`` (the one it shared).
    vector
        The quantized vector: one-dimensional ``uint32`` or ``uint64`` (the modulus is the dtype's).
    shared
        The members that published share bundles this round (``member`` among them).

    Returns
    -------
    numpy.ndarray
        A new array of the same length and dtype; ``vector`` is not modified.

    Raises
    ------
    MaskedVectorError
        ``vector`` is not a one-dimensional ``uint32``/``uint64`` array.
    ConfigError
        ``member`` is not in the round or not in ``shared``.
    InvalidKeyError
        The mask key is not the one ``member`` advertised.
    """
    mask_sk = keys.mask_sk
    if not isinstance(vector, np.ndarray) or vector.dtype not in (np.dtype(np.uint32), np.dtype(np.uint64)):
        raise MaskedVectorError("a vector to mask must be a uint32 or uint64 array", member=member)
    bits = vector.dtype.itemsize * 8
    check_masked_vector(vector, vector.shape[0] if vector.ndim == 1 else -1, bits, member)
    if public_key(mask_sk) != rnd.public_keys(check_member(member)).mask_pk:
        raise InvalidKeyError("the mask key differs from the one advertised", member=member)
    shared_set = set(shared)
    if member not in shared_set:
        raise ConfigError(f"member {member} did not share its keys: it cannot mask")
    peers = [peer for peer in rnd.neighbours(member) if peer in shared_set]
    seeds = pairwise_seeds(rnd, member, mask_sk, peers)  # every key derived before any arithmetic
    plus = [self_mask_key(rnd.context, member, self_seed)]
    plus += [seed for peer, seed in zip(peers, seeds, strict=True) if member < peer]
    minus = [seed for peer, seed in zip(peers, seeds, strict=True) if member > peer]
    return add_masks(vector.copy(), plus, minus)


def encode_masked_vector(context: RoundContext, member: MemberIndex, vector: Words) -> bytes:
    """The canonical bytes of ``member``'s masked vector for the round ``context``."""
    if not isinstance(vector, np.ndarray) or vector.dtype not in (np.dtype(np.uint32), np.dtype(np.uint64)):
        raise MaskedVectorError("a masked vector must be a uint32 or uint64 array", member=member)
    words = check_masked_vector(
        vector, vector.shape[0] if vector.ndim == 1 else -1, vector.dtype.itemsize * 8
    )
    header = _HEADER + context.digest + u32(check_member(member)) + u8(words.dtype.itemsize * 8)
    return header + u32(words.shape[0]) + words.astype(words.dtype.newbyteorder("<"), copy=False).tobytes()


def decode_masked_vector(
    data: bytes, context: RoundContext, member: MemberIndex, *, length: int, bits: int
) -> Words:
    """Parse ``member``'s masked vector and check it is the one expected.

    Raises
    ------
    MalformedBundleError
        Not the canonical encoding of a masked vector.
    MaskedVectorError
        A vector of another round or member, or of the wrong length or word size.
    """
    dtype = word_dtype(bits)
    reader = Reader(data, "masked vector")
    reader.expect(_HEADER)
    digest, owner, word_bits, count = reader.take(32), reader.u32(), reader.u8(), reader.u32()
    if word_bits not in (32, 64) or reader.remaining() != count * (word_bits // 8):
        raise MalformedBundleError("masked vector length does not match its header")
    if digest != context.digest or owner != member:
        raise MaskedVectorError("masked vector of another round or member", member=member)
    if word_bits != bits or count != length:
        raise MaskedVectorError(
            f"expected {length} words of {bits} bits, got {count} of {word_bits}", member=member
        )
    return words_from_bytes(reader.take(count * dtype.itemsize), bits)


def masked_vector_size(length: int, bits: int) -> int:
    """Bytes of an encoded masked vector: ``46 + length * bits / 8``."""
    return len(_HEADER) + 32 + 4 + 1 + 4 + length * word_dtype(bits).itemsize


__all__ = [
    "MASKED_VECTOR_MAGIC",
    "MASKED_VECTOR_VERSION",
    "check_masked_vector",
    "decode_masked_vector",
    "encode_masked_vector",
    "mask_vector",
    "masked_vector_size",
    "pairwise_mask",
    "pairwise_seed",
    "pairwise_seeds",
    "self_mask",
    "self_mask_key",
]
