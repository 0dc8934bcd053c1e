"""Chain-checkable SecAgg+ primitives (issue 9): mask generators and a key agreement the EVM can recompute.

A fraud proof of a SecAgg+ aggregate ends with the contract recomputing one chunk of one mask, and checking
one key agreement. Today's primitives (:mod:`~fedchain.privacy.secagg.prg`: AES-256-CTR; :mod:`~fedchain.
privacy.secagg.keys`: X25519) have no EVM opcode or precompile. The candidates here do:

* :func:`keccak_mask`: block ``j`` of the mask is ``keccak256(seed || uint256(j))`` (the ``KECCAK256``
  opcode over 64 bytes of memory).
* :func:`sha256_mask`: block ``j`` is ``sha256(seed || uint256(j))`` (the SHA-256 precompile at address 2).
* :func:`ecdh_secp256k1`: ``k * P`` on secp256k1; the contract checks a claimed ``Q = k * P`` with one
  ``ecrecover`` call (:func:`ecrecover_inputs`).

Mask layout (the same for both hashes, and what ``contracts/test/CheckablePrimitives.t.sol`` recomputes):

* The hash input is 64 bytes: the 32-byte seed, then the block index ``j`` as a 32-byte big-endian integer
  (Solidity: ``keccak256(abi.encodePacked(seed, j))``, ``sha256(abi.encodePacked(seed, j))``).
* Each 32-byte digest gives 8 words of 32 bits, **big-endian**, in order: word ``8 j + i`` is digest bytes
  ``4 i .. 4 i + 3`` read big-endian, that is ``uint32(uint256(digest) >> (224 - 32 i))`` in Solidity (no byte
  reversal on-chain). Words are returned as native ``uint32``.
* ``offset_words`` starts the output at that word of the infinite stream, so any chunk (aligned or not) can
  be recomputed alone: ``keccak_mask(s, n, o) == keccak_mask(s, o + n)[o:]``.

These are pseudorandom generators in the usual sense for a 256-bit secret seed: keccak256 and SHA-256 are
modelled as PRFs keyed by their first input block, as in HKDF-Expand-like counter constructions. SHA-256 of a
64-byte input takes two compression-function calls (the padding fills a second block); keccak256 one
permutation (its rate is 136 bytes).

Key agreement: :func:`ecdh_secp256k1` returns the 32-byte big-endian x-coordinate of ``k * P`` (not a hash
of it: the seed derivation that follows, e.g. HKDF, hashes it). On-chain, Vitalik Buterin's ecrecover trick
checks a claimed product: ``ecrecover(0, v, r, s)`` recovers ``r**-1 * (s * R - 0 * G)`` where ``R`` is the
point of x-coordinate ``r`` and y-parity ``v - 27``; with ``R = P``, ``r = P.x`` and ``s = P.x * k mod n``
that is ``k * P``, and the precompile returns its address (the last 20 bytes of ``keccak256(Q.x || Q.y)``),
which the contract compares with :func:`point_address` of the claimed ``Q``. It needs ``P.x < n`` (true but
for a ``2**-128`` fraction of points) and ``k`` in ``[1, n)``.

Examples
--------
>>> keccak_mask(bytes(32), 3).tolist()  # keccak256(bytes(64)) = 0xad3228b6 76f7d3cd 4284a544...
[2905745590, 1995953101, 1115989316]
>>> (keccak_mask(bytes(32), 5, offset_words=7) == keccak_mask(bytes(32), 12)[7:]).all()
np.True_
"""

from __future__ import annotations

import hashlib
from typing import Final

import numba
import numpy as np
from coincurve import PublicKey

from fedchain.exceptions import ConfigError, InvalidKeyError
from fedchain.privacy.secagg._encoding import check_bytes
from fedchain.privacy.secagg._types import Words
from fedchain.privacy.secagg.shamir import GROUP_ORDER

WORDS_PER_BLOCK: Final = 8
"""32-bit words per 32-byte digest."""

MAX_WORDS: Final = WORDS_PER_BLOCK << 60
"""``offset_words + length`` stays below this (block indices below ``2**60``, exact in every int type)."""


def _jit(function):  # type: ignore[no-untyped-def]
    """Compile at first call, caching the machine code on disk (else, with no writable cache, in memory)."""
    try:
        return numba.njit(cache=True, nogil=True)(function)
    except RuntimeError:  # Numba found no writable cache location
        return numba.njit(nogil=True)(function)


# -- keccak256 ------------------------------------------------------------------------------------------

_RC: Final = np.array(
    [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
        0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
        0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
        0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
        0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
    ],
    dtype=np.uint64,
)  # fmt: skip
"""The 24 round constants of keccak-f[1600] (FIPS 202, iota step)."""


@numba.njit(inline="always")
def _rotl(v, n):  # type: ignore[no-untyped-def]
    return (v << np.uint64(n)) | (v >> np.uint64(64 - n))


@numba.njit(inline="always")
def _bswap32(v):  # type: ignore[no-untyped-def]
    """The byte-reversed low 32 bits of ``v`` (a uint64), as a uint32."""
    return np.uint32(
        ((v & np.uint64(0xFF)) << np.uint64(24))
        | ((v & np.uint64(0xFF00)) << np.uint64(8))
        | ((v >> np.uint64(8)) & np.uint64(0xFF00))
        | ((v >> np.uint64(24)) & np.uint64(0xFF))
    )


@numba.njit(inline="always")
def _bswap64(v):  # type: ignore[no-untyped-def]
    return (np.uint64(_bswap32(v)) << np.uint64(32)) | np.uint64(_bswap32(v >> np.uint64(32)))


@_jit
def _keccak_words(seed_lanes, offset, out):  # type: ignore[no-untyped-def]
    """``out[i]`` = word ``offset + i`` of the keccak mask under the seed read as 4 little-endian lanes."""
    n = out.shape[0]
    s0, s1, s2, s3 = seed_lanes[0], seed_lanes[1], seed_lanes[2], seed_lanes[3]
    zero = np.uint64(0)
    words = np.empty(8, dtype=np.uint32)
    j = offset // 8
    first = offset % 8
    pos = 0
    while pos < n:
        # absorb seed || uint256(j) (bytes 56..63 hold j big-endian), pad10*1 at bytes 64 and 135
        a00, a01, a02, a03, a04 = s0, s1, s2, s3, zero
        a05, a06, a07, a08, a09 = zero, zero, _bswap64(np.uint64(j)), np.uint64(1), zero
        a10, a11, a12, a13, a14 = zero, zero, zero, zero, zero
        a15, a16, a17, a18, a19 = zero, np.uint64(0x8000000000000000), zero, zero, zero
        a20, a21, a22, a23, a24 = zero, zero, zero, zero, zero
        for rnd in range(24):
            c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20
            c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21
            c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22
            c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23
            c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24
            d0 = c4 ^ _rotl(c1, 1)
            d1 = c0 ^ _rotl(c2, 1)
            d2 = c1 ^ _rotl(c3, 1)
            d3 = c2 ^ _rotl(c4, 1)
            d4 = c3 ^ _rotl(c0, 1)
            b00 = a00 ^ d0
            b16 = _rotl(a05 ^ d0, 36)
            b07 = _rotl(a10 ^ d0, 3)
            b23 = _rotl(a15 ^ d0, 41)
            b14 = _rotl(a20 ^ d0, 18)
            b10 = _rotl(a01 ^ d1, 1)
            b01 = _rotl(a06 ^ d1, 44)
            b17 = _rotl(a11 ^ d1, 10)
            b08 = _rotl(a16 ^ d1, 45)
            b24 = _rotl(a21 ^ d1, 2)
            b20 = _rotl(a02 ^ d2, 62)
            b11 = _rotl(a07 ^ d2, 6)
            b02 = _rotl(a12 ^ d2, 43)
            b18 = _rotl(a17 ^ d2, 15)
            b09 = _rotl(a22 ^ d2, 61)
            b05 = _rotl(a03 ^ d3, 28)
            b21 = _rotl(a08 ^ d3, 55)
            b12 = _rotl(a13 ^ d3, 25)
            b03 = _rotl(a18 ^ d3, 21)
            b19 = _rotl(a23 ^ d3, 56)
            b15 = _rotl(a04 ^ d4, 27)
            b06 = _rotl(a09 ^ d4, 20)
            b22 = _rotl(a14 ^ d4, 39)
            b13 = _rotl(a19 ^ d4, 8)
            b04 = _rotl(a24 ^ d4, 14)
            a00 = b00 ^ (~b01 & b02)
            a05 = b05 ^ (~b06 & b07)
            a10 = b10 ^ (~b11 & b12)
            a15 = b15 ^ (~b16 & b17)
            a20 = b20 ^ (~b21 & b22)
            a01 = b01 ^ (~b02 & b03)
            a06 = b06 ^ (~b07 & b08)
            a11 = b11 ^ (~b12 & b13)
            a16 = b16 ^ (~b17 & b18)
            a21 = b21 ^ (~b22 & b23)
            a02 = b02 ^ (~b03 & b04)
            a07 = b07 ^ (~b08 & b09)
            a12 = b12 ^ (~b13 & b14)
            a17 = b17 ^ (~b18 & b19)
            a22 = b22 ^ (~b23 & b24)
            a03 = b03 ^ (~b04 & b00)
            a08 = b08 ^ (~b09 & b05)
            a13 = b13 ^ (~b14 & b10)
            a18 = b18 ^ (~b19 & b15)
            a23 = b23 ^ (~b24 & b20)
            a04 = b04 ^ (~b00 & b01)
            a09 = b09 ^ (~b05 & b06)
            a14 = b14 ^ (~b10 & b11)
            a19 = b19 ^ (~b15 & b16)
            a24 = b24 ^ (~b20 & b21)
            a00 ^= _RC[rnd]
        # the digest is lanes 0..3 little-endian; words are its 4-byte groups read big-endian
        words[0], words[1] = _bswap32(a00), _bswap32(a00 >> np.uint64(32))
        words[2], words[3] = _bswap32(a01), _bswap32(a01 >> np.uint64(32))
        words[4], words[5] = _bswap32(a02), _bswap32(a02 >> np.uint64(32))
        words[6], words[7] = _bswap32(a03), _bswap32(a03 >> np.uint64(32))
        if first == 0 and pos + 8 <= n:
            for i in range(8):
                out[pos + i] = words[i]
            pos += 8
        else:
            for i in range(first, 8):
                if pos < n:
                    out[pos] = words[i]
                    pos += 1
            first = 0
        j += 1


# -- SHA-256 --------------------------------------------------------------------------------------------

_K: Final = np.array(
    [
        0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
        0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
        0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
        0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
        0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
        0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
        0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
        0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
    ],
    dtype=np.uint64,
)  # fmt: skip
"""SHA-256 round constants (FIPS 180-4), held in uint64 (the kernel reduces mod 2**32 itself)."""

_H0: Final = np.array(
    [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19],
    dtype=np.uint64,
)
"""SHA-256 initial hash value."""

_M32: Final = 0xFFFFFFFF


def _schedule(block: list[int]) -> list[int]:
    w = list(block)
    for t in range(16, 64):
        s0 = _ror(w[t - 15], 7) ^ _ror(w[t - 15], 18) ^ (w[t - 15] >> 3)
        s1 = _ror(w[t - 2], 17) ^ _ror(w[t - 2], 19) ^ (w[t - 2] >> 10)
        w.append((w[t - 16] + s0 + w[t - 7] + s1) & _M32)
    return w


def _ror(x: int, n: int) -> int:
    return ((x >> n) | (x << (32 - n))) & _M32


_KW_PAD: Final = np.array(
    [(k + w) & _M32 for k, w in zip(_K.tolist(), _schedule([0x80000000] + [0] * 14 + [512]), strict=True)],
    dtype=np.uint64,
)
"""``K[t] + W[t]`` of the second block of a 64-byte message (its padding), the same for every block."""


@numba.njit(inline="always")
def _rotr32(x, n):  # type: ignore[no-untyped-def]
    return ((x >> np.uint64(n)) | (x << np.uint64(32 - n))) & np.uint64(0xFFFFFFFF)


@numba.njit(inline="always")
def _rounds(state, w, start, stop):  # type: ignore[no-untyped-def]
    """SHA-256 rounds ``start .. stop - 1`` on ``state`` (8 words in uint64) with ``w[t] = K[t] + W[t]``."""
    m = np.uint64(0xFFFFFFFF)
    a, b, c, d, e, f, g, h = state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7]
    for t in range(start, stop):
        s1 = _rotr32(e, 6) ^ _rotr32(e, 11) ^ _rotr32(e, 25)
        ch = (e & f) ^ (~e & m & g)
        t1 = (h + s1 + ch + w[t]) & m
        s0 = _rotr32(a, 2) ^ _rotr32(a, 13) ^ _rotr32(a, 22)
        maj = (a & b) ^ (a & c) ^ (b & c)
        h, g, f, e = g, f, e, (d + t1) & m
        d, c, b, a = c, b, a, (t1 + s0 + maj) & m
    state[0], state[1], state[2], state[3] = a, b, c, d
    state[4], state[5], state[6], state[7] = e, f, g, h


@_jit
def _sha256_words(seed_words, offset, out):  # type: ignore[no-untyped-def]
    """``out[i]`` = word ``offset + i`` of the SHA-256 mask under the seed read as 8 big-endian words."""
    m = np.uint64(0xFFFFFFFF)
    n = out.shape[0]
    w = np.zeros(64, dtype=np.uint64)  # message schedule of the first block
    kw = np.zeros(64, dtype=np.uint64)
    for t in range(8):
        w[t] = seed_words[t]
    # rounds 0..13 see only the seed and zeros: the same state for every block, computed once
    for t in range(14):
        kw[t] = (_K[t] + w[t]) & m
    head = _H0.copy()
    _rounds(head, kw, 0, 14)
    state = np.empty(8, dtype=np.uint64)
    mid = np.empty(8, dtype=np.uint64)
    j = offset // 8
    first = offset % 8
    pos = 0
    while pos < n:
        w[14] = np.uint64(j) >> np.uint64(32)
        w[15] = np.uint64(j) & m
        for t in range(16, 64):
            x, y = w[t - 15], w[t - 2]
            s0 = _rotr32(x, 7) ^ _rotr32(x, 18) ^ (x >> np.uint64(3))
            s1 = _rotr32(y, 17) ^ _rotr32(y, 19) ^ (y >> np.uint64(10))
            w[t] = (w[t - 16] + s0 + w[t - 7] + s1) & m
        for t in range(14, 64):
            kw[t] = (_K[t] + w[t]) & m
        for i in range(8):
            state[i] = head[i]
        _rounds(state, kw, 14, 64)
        for i in range(8):
            mid[i] = (_H0[i] + state[i]) & m
            state[i] = mid[i]
        _rounds(state, _KW_PAD, 0, 64)
        # the digest's words, big-endian, are the mask words as they are
        if first == 0 and pos + 8 <= n:
            for i in range(8):
                out[pos + i] = np.uint32((mid[i] + state[i]) & m)
            pos += 8
        else:
            for i in range(first, 8):
                if pos < n:
                    out[pos] = np.uint32((mid[i] + state[i]) & m)
                    pos += 1
            first = 0
        j += 1


# -- the mask generators --------------------------------------------------------------------------------


def _span(length: object, offset_words: object) -> tuple[int, int]:
    for value, name in ((length, "length"), (offset_words, "offset_words")):
        if type(value) is not int or value < 0:
            raise ConfigError(f"{name} must be a non-negative int, not {value!r}")
    assert isinstance(length, int) and isinstance(offset_words, int)
    if offset_words + length > MAX_WORDS:
        raise ConfigError(f"offset_words + length must be at most {MAX_WORDS}")
    return length, offset_words


def keccak_mask(seed: bytes, length: int, offset_words: int = 0) -> Words:
    """Words ``offset_words .. offset_words + length - 1`` of the keccak256 counter-mode mask of ``seed``.

    Block ``j`` is ``keccak256(seed || uint256(j))``, split into 8 big-endian 32-bit words (see the module).

    Parameters
    ----------
    seed
        32 bytes.
    length
        Number of words.
    offset_words
        Index of the first word in the stream (any, not only multiples of 8).

    Returns
    -------
    numpy.ndarray
        A new one-dimensional native ``uint32`` array.

    Raises
    ------
    ConfigError
        A seed that is not 32 bytes, or a negative or too large length or offset.

    Examples
    --------
    >>> keccak_mask(b"\\x01" * 32, 2, offset_words=8).tolist() == keccak_mask(b"\\x01" * 32, 10)[8:].tolist()
    True
    """
    key = check_bytes(seed, 32, "a mask seed")
    length, offset = _span(length, offset_words)
    out = np.empty(length, dtype=np.uint32)
    if length:
        _keccak_words(np.frombuffer(key, dtype="<u8").astype(np.uint64), offset, out)
    return out


def sha256_mask(seed: bytes, length: int, offset_words: int = 0) -> Words:
    """Words ``offset_words .. offset_words + length - 1`` of the SHA-256 counter-mode mask of ``seed``.

    Block ``j`` is ``sha256(seed || uint256(j))``, split into 8 big-endian 32-bit words (see the module);
    computed by a compiled SHA-256 (equal to :func:`sha256_mask_hashlib`, which is slower).

    Raises
    ------
    ConfigError
        As :func:`keccak_mask`.

    Examples
    --------
    >>> (sha256_mask(bytes(32), 9, 3) == sha256_mask_hashlib(bytes(32), 9, 3)).all()
    np.True_
    """
    key = check_bytes(seed, 32, "a mask seed")
    length, offset = _span(length, offset_words)
    out = np.empty(length, dtype=np.uint32)
    if length:
        _sha256_words(np.frombuffer(key, dtype=">u4").astype(np.uint64), offset, out)
    return out


def sha256_mask_hashlib(seed: bytes, length: int, offset_words: int = 0) -> Words:
    """:func:`sha256_mask` computed by :mod:`hashlib` (OpenSSL), one call per 32-byte block.

    Raises
    ------
    ConfigError
        As :func:`keccak_mask`.
    """
    key = check_bytes(seed, 32, "a mask seed")
    length, offset = _span(length, offset_words)
    if not length:
        return np.empty(0, dtype=np.uint32)
    first, stop = offset // WORDS_PER_BLOCK, (offset + length + WORDS_PER_BLOCK - 1) // WORDS_PER_BLOCK
    sha256 = hashlib.sha256
    data = b"".join([sha256(key + j.to_bytes(32, "big")).digest() for j in range(first, stop)])
    skip = offset - first * WORDS_PER_BLOCK
    return np.frombuffer(data, dtype=">u4")[skip : skip + length].astype(np.uint32)


# -- secp256k1 key agreement and its on-chain check ------------------------------------------------------


def _scalar(secret: object) -> int:
    if not isinstance(secret, bytes | bytearray) or len(secret) != 32:
        raise InvalidKeyError("a secp256k1 secret must be 32 bytes")
    k = int.from_bytes(secret, "big")
    if not 0 < k < GROUP_ORDER:
        raise InvalidKeyError("a secp256k1 secret must be in [1, n) read big-endian")
    return k


def _point(public: object) -> PublicKey:
    if not isinstance(public, bytes | bytearray) or len(public) not in (33, 65):
        raise InvalidKeyError("a secp256k1 public key must be 33 (compressed) or 65 (uncompressed) bytes")
    try:
        return PublicKey(bytes(public))
    except ValueError:
        raise InvalidKeyError("not a point of secp256k1") from None


def ecdh_point(secret: bytes, peer_public: bytes) -> tuple[int, int]:
    """The affine coordinates of ``k * P``: ``k`` the big-endian ``secret``, ``P`` the SEC1 ``peer_public``.

    Raises
    ------
    InvalidKeyError
        A secret that is not 32 bytes or not in ``[1, n)``, or a public key that is not a SEC1 point.
    """
    k = _scalar(secret)
    return _point(peer_public).multiply(k.to_bytes(32, "big")).point()


def ecdh_secp256k1(secret: bytes, peer_public: bytes) -> bytes:
    """The secp256k1 shared secret: the 32-byte big-endian x-coordinate of ``k * P``.

    Symmetric: ``ecdh_secp256k1(a, A_pub(b)) == ecdh_secp256k1(b, A_pub(a))``. Not hashed (libsecp256k1's
    default ``ecdh`` returns ``sha256`` of the compressed point instead): a seed is derived from it by a KDF.

    Raises
    ------
    InvalidKeyError
        As :func:`ecdh_point`.

    Examples
    --------
    >>> a, b = (1).to_bytes(32, "big"), (2).to_bytes(32, "big")
    >>> ecdh_secp256k1(a, public_key(b)) == ecdh_secp256k1(b, public_key(a))
    True
    """
    k = _scalar(secret)
    shared = _point(peer_public).multiply(k.to_bytes(32, "big"))
    return shared.format(compressed=True)[1:]


def public_key(secret: bytes) -> bytes:
    """The 33-byte compressed SEC1 public key ``k * G`` of a big-endian secret in ``[1, n)``.

    Raises
    ------
    InvalidKeyError
        As :func:`ecdh_point`.
    """
    return PublicKey.from_secret(_scalar(secret).to_bytes(32, "big")).format(compressed=True)


def point_address(point: tuple[int, int]) -> bytes:
    """The 20-byte Ethereum address of a point: the last 20 bytes of ``keccak256(x || y)`` (32 bytes each),
    what ``ecrecover`` returns for a recovered point."""
    from eth_hash.auto import keccak

    x, y = point
    return keccak(x.to_bytes(32, "big") + y.to_bytes(32, "big"))[12:]


def ecrecover_inputs(secret: bytes, peer_public: bytes) -> tuple[int, int, int]:
    """``(v, r, s)`` such that ``ecrecover(bytes32(0), v, r, s)`` returns ``point_address(k * P)``.

    ``r = P.x``, ``v = 27 + (P.y mod 2)``, ``s = P.x * k mod n``: the precompile recovers ``r**-1 * s * P``.
    A contract that holds ``P`` (its x-coordinate and y-parity), ``k`` and a claimed ``Q`` computes the same
    ``(v, r, s)`` with ``mulmod`` and compares the returned address with ``Q``'s.

    Raises
    ------
    InvalidKeyError
        As :func:`ecdh_point`, or ``P.x >= n`` (about ``2**-128`` of the points: ``ecrecover`` takes
        ``r < n`` only, so the product cannot be checked this way).
    """
    k = _scalar(secret)
    px, py = _point(peer_public).point()
    if px >= GROUP_ORDER:
        raise InvalidKeyError("P.x >= n: the ecrecover check does not apply to this point")
    return 27 + (py & 1), px, px * k % GROUP_ORDER


__all__ = [
    "MAX_WORDS",
    "WORDS_PER_BLOCK",
    "ecdh_point",
    "ecdh_secp256k1",
    "ecrecover_inputs",
    "keccak_mask",
    "point_address",
    "public_key",
    "sha256_mask",
    "sha256_mask_hashlib",
]
