"""Per-round X25519 key pairs (RFC 7748): one to agree pairwise masks, one to encrypt Shamir shares.

A member draws both pairs fresh for every round and advertises the two 32-byte public keys on-chain
(``advertiseKeys(task, round, maskPk, encPk)``). Private and public keys are raw 32-byte strings, as RFC 7748
defines them: X25519 accepts any 32 bytes as a private key (clamped when used). The mask private key is also
what the member Feldman-shares (:mod:`~fedchain.privacy.secagg.feldman`) so that a dropped member's pairwise
masks can be removed, and a shared secret must be a scalar of secp256k1: read big-endian, the mask private
key must be in ``[1, q)``. :meth:`RoundKeys.generate` draws it so (by rejection, see
:func:`~fedchain.privacy.secagg.shamir.random_secret`); the clamped X25519 scalar of a key uniform on
``[1, q)`` is as good as that of uniform bytes (the two distributions are ``2**-128`` apart).

Examples
--------
>>> alice = RoundKeys.from_private_bytes(b"\\x01" * 32, b"\\x02" * 32)
>>> bob = RoundKeys.from_private_bytes(b"\\x03" * 32, b"\\x04" * 32)
>>> x25519(alice.mask_sk, bob.public.mask_pk) == x25519(bob.mask_sk, alice.public.mask_pk)
True
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from fedchain.exceptions import InvalidKeyError
from fedchain.privacy.secagg.shamir import GROUP_ORDER, random_secret

KEY_BYTES = 32
"""Length of an X25519 private key, public key and shared secret."""

# A fixed private key: after clamping its scalar is a multiple of the cofactor 8, so the product with a
# low-order point (the 12 u-coordinates of order 1, 2, 4 or 8 on the curve or its twist) is the all-zero
# string, which the underlying implementation refuses.

_P = 2**255 - 19
_SMALL_ORDER: frozenset[bytes] = frozenset(
    u.to_bytes(32, "little")
    for u in (
        0,  # order 2 (and 1 as the identity's image)
        1,  # order 4
        _P - 1,  # order 4 on the twist
        0x00B8495F16056286FDB1329CEB8D09DA6AC49FF1FAE35616AEB8413B7C7AEBE0,  # order 8
        0x57119FD0DD4E22D8868E1C58C45C44045BEF839C55B1D0B1248C50A3BC959C5F,  # order 8
        _P,  # 0, not reduced
        _P + 1,  # 1, not reduced
    )
)
"""Every 255-bit encoding of a point of small order on Curve25519 or its twist (libsodium's list): the
X25519 shared secret with any of them is all zeros. Bit 255 is ignored, as X25519 ignores it (RFC 7748)."""


def x25519(private_key: bytes, public_key: bytes) -> bytes:
    """The X25519 function of RFC 7748: ``private_key`` (clamped) times the u-coordinate ``public_key``.

    Parameters
    ----------
    private_key
        32 bytes, any value.
    public_key
        32 bytes: a little-endian u-coordinate (its top bit is ignored, as the RFC asks).

    Returns
    -------
    bytes
        The 32-byte shared secret.

    Raises
    ------
    InvalidKeyError
        A key that is not 32 bytes, or a low-order public key (the result would be all zeros).

    Examples
    --------
    >>> x25519(b"\\x01" * 32, public_key(b"\\x02" * 32)).hex()[:16]
    '2ed76ab549b1e73c'
    """
    return _exchange(_private(private_key), public_key)


def x25519_many(private_key: bytes, public_keys: Sequence[bytes]) -> list[bytes]:
    """:func:`x25519` of one private key with each of ``public_keys`` (the private key is loaded once).

    Raises
    ------
    InvalidKeyError
        As :func:`x25519`, for the first bad key.

    Examples
    --------
    >>> peer = public_key(b"\\x02" * 32)
    >>> x25519_many(b"\\x01" * 32, [peer, peer]) == [x25519(b"\\x01" * 32, peer)] * 2
    True
    """
    sk = _private(private_key)
    return [_exchange(sk, pk) for pk in public_keys]


def public_key(private_key: bytes) -> bytes:
    """The 32-byte public key of a 32-byte X25519 private key.

    Examples
    --------
    >>> public_key(bytes(32)).hex()[:16]
    '2fe57da347cd6243'
    """
    return _private(private_key).public_key().public_bytes_raw()


def check_public_key(key: bytes) -> bytes:
    """Return ``key`` if it is a usable X25519 public key (32 bytes, not of low order).

    Raises
    ------
    InvalidKeyError
        The key is not 32 bytes or is of low order (every shared secret with it would be all zeros).

    Examples
    --------
    >>> check_public_key(bytes(32))
    Traceback (most recent call last):
    ...
    fedchain.exceptions.InvalidKeyError: low-order X25519 public key
    """
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_BYTES:
        raise InvalidKeyError("an X25519 public key must be 32 bytes")
    if bytes(key[:31]) + bytes([key[31] & 0x7F]) in _SMALL_ORDER:  # a lookup, not a scalar multiplication
        raise InvalidKeyError("low-order X25519 public key")
    return bytes(key)


@dataclass(frozen=True, slots=True)
class PublicKeys:
    """A member's two advertised public keys for one round (``maskPk``, ``encPk`` on-chain).

    Raises
    ------
    InvalidKeyError
        A key that is not 32 bytes.
    """

    mask_pk: bytes
    enc_pk: bytes

    def __post_init__(self) -> None:
        for key in (self.mask_pk, self.enc_pk):
            if not isinstance(key, bytes) or len(key) != KEY_BYTES:
                raise InvalidKeyError("an X25519 public key must be 32 bytes")


@dataclass(frozen=True, slots=True, repr=False)
class RoundKeys:
    """A member's two private keys for one round; never leaves the member (except as Shamir shares of
    ``mask_sk``). ``repr`` hides the keys.

    Attributes
    ----------
    mask_sk
        Agrees the pairwise mask seeds with the neighbours' ``mask_pk``; Feldman-shared, so its big-endian
        value is in ``[1, q)`` (``q`` the order of secp256k1).
    enc_sk
        Agrees the keys that encrypt Shamir shares with the neighbours' ``enc_pk``; any 32 bytes.

    Raises
    ------
    InvalidKeyError
        A key that is not 32 bytes, or a mask key whose big-endian value is 0 or at least ``q``.
    """

    mask_sk: bytes
    enc_sk: bytes

    def __post_init__(self) -> None:
        _private(self.mask_sk)
        _private(self.enc_sk)
        if not 0 < int.from_bytes(self.mask_sk, "big") < GROUP_ORDER:
            raise InvalidKeyError("a mask private key must be in [1, q) read big-endian")

    @classmethod
    def generate(cls) -> RoundKeys:
        """Two fresh key pairs from the operating system's CSPRNG; the mask key drawn in ``[1, q)``.

        Examples
        --------
        >>> RoundKeys.generate() == RoundKeys.generate()
        False
        """
        return cls(random_secret(), os.urandom(KEY_BYTES))

    @classmethod
    def from_private_bytes(cls, mask_sk: bytes, enc_sk: bytes) -> RoundKeys:
        """Keys from stored private bytes (a restarted node, or fixed test vectors).

        Raises
        ------
        InvalidKeyError
            See the class: in particular a mask key that is 0 or at least ``q`` read big-endian.

        Examples
        --------
        >>> RoundKeys.from_private_bytes(b"\\xff" * 32, bytes(32))
        Traceback (most recent call last):
        ...
        fedchain.exceptions.InvalidKeyError: a mask private key must be in [1, q) read big-endian
        """
        return cls(bytes(mask_sk), bytes(enc_sk))

    @property
    def public(self) -> PublicKeys:
        """The two public keys to advertise."""
        return PublicKeys(public_key(self.mask_sk), public_key(self.enc_sk))

    def __repr__(self) -> str:
        return f"RoundKeys(public={self.public!r})"


def _exchange(sk: X25519PrivateKey, public_key: object) -> bytes:
    if not isinstance(public_key, bytes | bytearray) or len(public_key) != KEY_BYTES:
        raise InvalidKeyError("an X25519 public key must be 32 bytes")
    try:
        return sk.exchange(X25519PublicKey.from_public_bytes(bytes(public_key)))
    except ValueError:
        raise InvalidKeyError("low-order X25519 public key") from None


def _private(key: object) -> X25519PrivateKey:
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_BYTES:
        raise InvalidKeyError("an X25519 private key must be 32 bytes")
    return X25519PrivateKey.from_private_bytes(bytes(key))


__all__ = ["KEY_BYTES", "PublicKeys", "RoundKeys", "check_public_key", "public_key", "x25519", "x25519_many"]
