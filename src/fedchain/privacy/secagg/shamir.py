"""Shamir secret sharing over the prime field of the Mersenne prime ``p = 2**521 - 1``.

The secrets are 256-bit strings (a self-mask seed, an X25519 private key), read as big-endian integers
below ``2**256 < p``, so every secret is a field element and every share's ``y`` fits in 66 bytes. ``p`` is a
proven prime (a Mersenne prime since 1952), so no primality claim rests on this code.

A secret ``s`` is shared with threshold ``t`` as ``f(x) = s + a_1 x + ... + a_{t-1} x^{t-1} mod p`` with
coefficients drawn uniformly by :func:`secrets.randbelow`; a member with index ``j`` receives ``(j + 1,
f(j + 1))`` (so no share sits at ``x = 0``). Any ``t`` shares give ``s = f(0)`` by Lagrange interpolation;
any ``t - 1`` shares are consistent with every possible secret, each with exactly one polynomial, so they
reveal nothing.

Examples
--------
>>> shares = split_secret(123456789, [1, 2, 3, 4, 5], threshold=3)
>>> reconstruct_secret(shares[1:4], threshold=3), reconstruct_secret([shares[0], shares[4], shares[2]], 3)
(123456789, 123456789)
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from fedchain.exceptions import ConfigError, MalformedBundleError

PRIME: Final = 2**521 - 1
"""The field's modulus, the Mersenne prime ``M521``."""

FIELD_BYTES: Final = 66
"""Bytes of one field element, big-endian (``ceil(521 / 8)``)."""

SECRET_BYTES: Final = 32
"""Bytes of a shared secret (256 bits)."""


@dataclass(frozen=True, slots=True)
class Share:
    """One point ``(x, y)`` of a sharing polynomial; ``0 < x < p``, ``0 <= y < p``."""

    x: int
    y: int

    def __post_init__(self) -> None:
        if type(self.x) is not int or not 0 < self.x < PRIME:
            raise ConfigError(f"a share's x must be an int in (0, p), not {self.x!r}")
        if type(self.y) is not int or not 0 <= self.y < PRIME:
            raise ConfigError("a share's y must be an int in [0, p)")


def split_secret(secret: int, xs: Sequence[int], threshold: int) -> list[Share]:
    """Share ``secret`` among the points ``xs`` so that any ``threshold`` of them reconstruct it.

    Parameters
    ----------
    secret
        A field element, ``0 <= secret < p``.
    xs
        Distinct evaluation points in ``(0, p)``, one per holder.
    threshold
        ``t``, ``1 <= t <= len(xs)``.

    Returns
    -------
    list[Share]
        ``f(x)`` for each ``x`` in ``xs``, in the same order.

    Raises
    ------
    ConfigError
        A secret out of the field, repeated or out-of-range points, or a threshold out of range.

    Examples
    --------
    >>> [share.x for share in split_secret(7, [3, 9], threshold=2)]
    [3, 9]
    """
    if type(secret) is not int or not 0 <= secret < PRIME:
        raise ConfigError("the secret must be an int in [0, p)")
    if type(threshold) is not int or not 1 <= threshold <= len(xs):
        raise ConfigError(f"threshold must be an int in [1, {len(xs)}], not {threshold!r}")
    if len(set(xs)) != len(xs):
        raise ConfigError("share points must be distinct")
    coefficients = [secret] + [secrets.randbelow(PRIME) for _ in range(threshold - 1)]
    return [Share(x, evaluate(coefficients, x)) for x in xs]


def evaluate(coefficients: Sequence[int], x: int) -> int:
    """``sum_i coefficients[i] * x**i mod p`` by Horner's rule.

    Examples
    --------
    >>> evaluate([1, 2, 3], 2)
    17
    """
    y = 0
    for c in reversed(coefficients):
        y = (y * x + c) % PRIME
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
    total = 0
    for i, si in enumerate(shares):
        numerator, denominator = 1, 1
        for m, sm in enumerate(shares):
            if m != i:
                numerator = numerator * (x - sm.x) % PRIME
                denominator = denominator * (si.x - sm.x) % PRIME
        total = (total + si.y * numerator * pow(denominator, -1, PRIME)) % PRIME
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
        The secret, if the shares are genuine.

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
        Not :data:`FIELD_BYTES` bytes, or a value not below ``p`` (so every element has one encoding).

    Examples
    --------
    >>> decode_element(encode_element(PRIME - 1)) == PRIME - 1
    True
    """
    if len(data) != FIELD_BYTES:
        raise MalformedBundleError(f"a field element is {FIELD_BYTES} bytes")
    value = int.from_bytes(data, "big")
    if value >= PRIME:
        raise MalformedBundleError("a field element must be below p")
    return value


__all__ = [
    "FIELD_BYTES",
    "PRIME",
    "SECRET_BYTES",
    "Share",
    "decode_element",
    "encode_element",
    "evaluate",
    "interpolate_at",
    "reconstruct_secret",
    "split_secret",
]
