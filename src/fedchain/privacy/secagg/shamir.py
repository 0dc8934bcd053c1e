"""Shamir secret sharing over ``Z_q``, the scalar field of secp256k1 (``q`` its prime group order).

The field is the one :mod:`~fedchain.privacy.secagg.feldman` commits in: a coefficient ``a`` of a sharing
polynomial is published as the point ``a * G``, so shares can be checked against the dealer's polynomial
without revealing it. ``q`` is the order of secp256k1 (SEC 2, section 2.4.1), a prime certified with the
curve, and checked against libsecp256k1 in the tests; no primality claim rests on this code.

The secrets are 256-bit strings (a self-mask seed, an X25519 mask private key) read as big-endian integers,
and must be in ``[1, q)``: the constant coefficient of the polynomial is the secret and its commitment
``s * G`` must be a point (``0 * G`` has no encoding), and below ``q`` every 32-byte string is one field
element. :func:`random_secret` draws such a string by rejection: 32 random bytes, redrawn while the value
is 0 or ``>= q`` (probability about ``2**-128``), so it is uniform on ``[1, q)``.

A secret ``s`` is shared with threshold ``t`` as ``f(x) = s + a_1 x + ... + a_{t-1} x^{t-1} mod q`` with
each ``a_j`` uniform on ``[1, q)`` (nonzero, so that its commitment is a point too; this excludes a
``t/q`` fraction of polynomials and changes nothing measurable); a member with index ``j`` receives
``(j + 1, f(j + 1))``, so no share sits at ``x = 0``. Any ``t`` shares give ``s = f(0)`` by Lagrange
interpolation; any ``t - 1`` shares are consistent with every possible secret, each with exactly one
polynomial, so on their own they reveal nothing.

Examples
--------
>>> shares = split_secret(123456789, [1, 2, 3, 4, 5], threshold=3)
>>> reconstruct_secret(shares[1:4], threshold=3), reconstruct_secret([shares[0], shares[4], shares[2]], 3)
(123456789, 123456789)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from fedchain.exceptions import ConfigError, MalformedBundleError

GROUP_ORDER: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
"""``q``: the order of secp256k1's group, the field's prime modulus."""

FIELD_BYTES: Final = 32
"""Bytes of one field element, big-endian."""

SECRET_BYTES: Final = 32
"""Bytes of a shared secret: a field element in ``[1, q)``, big-endian."""


@dataclass(frozen=True, slots=True)
class Share:
    """One point ``(x, y)`` of a sharing polynomial; ``0 < x < q``, ``0 <= y < q``."""

    x: int
    y: int

    def __post_init__(self) -> None:
        if type(self.x) is not int or not 0 < self.x < GROUP_ORDER:
            raise ConfigError(f"a share's x must be an int in (0, q), not {self.x!r}")
        if type(self.y) is not int or not 0 <= self.y < GROUP_ORDER:
            raise ConfigError("a share's y must be an int in [0, q)")


def random_secret() -> bytes:
    """32 bytes from the operating system's CSPRNG whose big-endian value is uniform on ``[1, q)``.

    Drawn by rejection: 32 random bytes, redrawn while their value is 0 or at least ``q``.

    Examples
    --------
    >>> 0 < int.from_bytes(random_secret(), "big") < GROUP_ORDER
    True
    """
    while True:
        candidate = os.urandom(SECRET_BYTES)
        if 0 < int.from_bytes(candidate, "big") < GROUP_ORDER:
            return candidate


def secret_value(secret: bytes) -> int:
    """The field element of a 32-byte secret.

    Raises
    ------
    ConfigError
        Not 32 bytes, or a big-endian value outside ``[1, q)``.

    Examples
    --------
    >>> secret_value(bytes(31) + b"\\x07")
    7
    """
    if not isinstance(secret, bytes | bytearray) or len(secret) != SECRET_BYTES:
        raise ConfigError(f"a secret must be {SECRET_BYTES} bytes")
    value = int.from_bytes(secret, "big")
    if not 0 < value < GROUP_ORDER:
        raise ConfigError("a secret must be in [1, q) as a big-endian integer")
    return value


def random_polynomial(secret: int, threshold: int) -> list[int]:
    """Coefficients ``[s, a_1, ..., a_{t-1}]`` of a fresh sharing polynomial, ``a_j`` uniform on ``[1, q)``.

    Raises
    ------
    ConfigError
        A secret outside ``[1, q)`` or a threshold below 1.
    """
    if type(secret) is not int or not 0 < secret < GROUP_ORDER:
        raise ConfigError("the secret must be an int in [1, q)")
    if type(threshold) is not int or threshold < 1:
        raise ConfigError(f"threshold must be a positive int, not {threshold!r}")
    return [secret] + [1 + secrets.randbelow(GROUP_ORDER - 1) for _ in range(threshold - 1)]


def split_secret(secret: int, xs: Sequence[int], threshold: int) -> list[Share]:
    """Share ``secret`` among the points ``xs`` so that any ``threshold`` of them reconstruct it.

    Parameters
    ----------
    secret
        A field element, ``1 <= secret < q``.
    xs
        Distinct evaluation points in ``(0, q)``, one per holder.
    threshold
        ``t``, ``1 <= t <= len(xs)``.

    Returns
    -------
    list[Share]
        ``f(x)`` for each ``x`` in ``xs``, in the same order.

    Raises
    ------
    ConfigError
        A secret out of range, repeated or out-of-range points, or a threshold out of range.

    Examples
    --------
    >>> [share.x for share in split_secret(7, [3, 9], threshold=2)]
    [3, 9]
    """
    return evaluate_at(random_polynomial(secret, _threshold(threshold, xs)), xs)


def evaluate_at(coefficients: Sequence[int], xs: Sequence[int]) -> list[Share]:
    """The shares ``(x, f(x))`` of the polynomial ``coefficients`` at the points ``xs``.

    Raises
    ------
    ConfigError
        Repeated points, or points outside ``(0, q)``.
    """
    if len(set(xs)) != len(xs):
        raise ConfigError("share points must be distinct")
    return [Share(x, evaluate(coefficients, x)) for x in xs]


def evaluate(coefficients: Sequence[int], x: int) -> int:
    """``sum_i coefficients[i] * x**i mod q`` by Horner's rule.

    Examples
    --------
    >>> evaluate([1, 2, 3], 2)
    17
    """
    y = 0
    for c in reversed(coefficients):
        y = (y * x + c) % GROUP_ORDER
    return y


def interpolate_at(shares: Sequence[Share], x: int) -> int:
    """The value at ``x`` of the unique polynomial of degree ``< len(shares)`` through ``shares``.

    Raises
    ------
    ConfigError
        No shares, or two shares at the same ``x``.

    Examples
    --------
    >>> interpolate_at([Share(1, 3), Share(2, 5)], 0)  # the line y = 2x + 1
    1
    """
    if not shares:
        raise ConfigError("interpolation needs at least one share")
    if len({s.x for s in shares}) != len(shares):
        raise ConfigError("shares must be at distinct points")
    q = GROUP_ORDER
    total = 0
    for i, si in enumerate(shares):
        numerator, denominator = 1, 1
        for m, sm in enumerate(shares):
            if m != i:
                numerator = numerator * (x - sm.x) % q
                denominator = denominator * (si.x - sm.x) % q
        total = (total + si.y * numerator * pow(denominator, -1, q)) % q
    return total


def reconstruct_secret(shares: Sequence[Share], threshold: int) -> int:
    """``f(0)`` from ``threshold`` shares: the ``threshold`` with the smallest ``x`` are used.

    Parameters
    ----------
    shares
        At least ``threshold`` shares at distinct points.
    threshold
        ``t``, as when the secret was split.

    Returns
    -------
    int
        The secret, if the shares are genuine (check them first: see
        :func:`~fedchain.privacy.secagg.feldman.verify_shares`).

    Raises
    ------
    ConfigError
        Fewer than ``threshold`` shares, repeated points, or a threshold below 1.

    Examples
    --------
    >>> shares = split_secret(42, [1, 2, 3], threshold=2)
    >>> reconstruct_secret(shares[:2], 2), reconstruct_secret(shares, 2)
    (42, 42)
    """
    if type(threshold) is not int or threshold < 1:
        raise ConfigError(f"threshold must be a positive int, not {threshold!r}")
    if len(shares) < threshold:
        raise ConfigError(f"{len(shares)} share(s) cannot reconstruct a secret of threshold {threshold}")
    return interpolate_at(sorted(shares, key=lambda s: s.x)[:threshold], 0)


def encode_element(value: int) -> bytes:
    """A field element as :data:`FIELD_BYTES` big-endian bytes."""
    return value.to_bytes(FIELD_BYTES, "big")


def decode_element(data: bytes) -> int:
    """The field element encoded by :func:`encode_element`.

    Raises
    ------
    MalformedBundleError
        Not :data:`FIELD_BYTES` bytes, or a value not below ``q`` (so every element has one encoding).

    Examples
    --------
    >>> decode_element(encode_element(GROUP_ORDER - 1)) == GROUP_ORDER - 1
    True
    """
    if len(data) != FIELD_BYTES:
        raise MalformedBundleError(f"a field element is {FIELD_BYTES} bytes")
    value = int.from_bytes(data, "big")
    if value >= GROUP_ORDER:
        raise MalformedBundleError("a field element must be below q")
    return value


def _threshold(threshold: object, xs: Sequence[int]) -> int:
    if type(threshold) is not int or not 1 <= threshold <= len(xs):
        raise ConfigError(f"threshold must be an int in [1, {len(xs)}], not {threshold!r}")
    return threshold


__all__ = [
    "FIELD_BYTES",
    "GROUP_ORDER",
    "SECRET_BYTES",
    "Share",
    "decode_element",
    "encode_element",
    "evaluate",
    "evaluate_at",
    "interpolate_at",
    "random_polynomial",
    "random_secret",
    "reconstruct_secret",
    "secret_value",
    "split_secret",
]
