"""Feldman verifiable secret sharing over secp256k1: shares anyone can check against the dealer's polynomial.

A dealer sharing ``s`` with ``f(x) = a_0 + a_1 x + ... + a_{t-1} x^{t-1}`` over ``Z_q``
(:mod:`~fedchain.privacy.secagg.shamir`, ``a_0 = s``) publishes the ``t`` points ``C_j = a_j * G`` of
secp256k1 (``G`` its generator, ``q`` its order), each as a 33-byte compressed SEC 1 point. A share
``(x, y)`` is valid iff

    ``y * G == C_0 + x * C_1 + ... + x^{t-1} * C_{t-1}``,

so all valid shares lie on one polynomial of degree ``< t`` whose constant term is the discrete logarithm
of ``C_0``: any ``t`` valid shares reconstruct the same secret ``s`` with ``s * G == C_0``, and a dealer
cannot hand out shares of two different secrets. The commitments hide the coefficients only
computationally (``C_0`` determines ``s`` to anyone who can take discrete logarithms on secp256k1, about
``2**128`` work); the secrets shared here are fresh 256-bit values used once, never guessable.

Checking one share costs ``t - 1`` multiplications by its ``x`` (a 32-bit scalar). :func:`verify_shares`
checks many shares of one dealing with a single random linear combination (``t`` full-size
multiplications in all, however many shares): with ``r_i`` drawn by the verifier after the shares are
fixed, uniform 128-bit,

    ``(sum_i r_i y_i) * G == sum_j (sum_i r_i x_i^j) * C_j``

holds for shares that are not all valid with probability at most ``2**-128``; only when it fails are the
shares checked one by one, so a cheating dealer makes its own dealing slower and nobody else's.

Points are handled by libsecp256k1 (``coincurve``); the point at infinity, which it cannot represent, is
``None`` here, and never a valid commitment.

Examples
--------
>>> shares, commitments = deal(5, [1, 2, 3], threshold=2)
>>> points = decode_commitments(commitments, 2)
>>> verify_shares(points, shares), verify_share(points, Share(1, (shares[0].y + 1) % GROUP_ORDER))
([True, True, True], False)
>>> secret_matches(points, 5)
True
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Final, TypeAlias

from coincurve import PublicKey

from fedchain.exceptions import ConfigError, MalformedBundleError
from fedchain.privacy.secagg.shamir import GROUP_ORDER, Share, evaluate_at, random_polynomial

POINT_BYTES: Final = 33
"""Bytes of a compressed secp256k1 point: a 0x02 or 0x03 prefix (the parity of ``y``), then ``x``."""

BATCH_BITS: Final = 128
"""Size of the random weights of a batched check: a false accept has probability ``<= 2**-128``."""

_Point: TypeAlias = PublicKey | None  # None: the point at infinity


def commit(coefficients: Sequence[int]) -> tuple[bytes, ...]:
    """The Feldman commitments ``a_j * G`` of a polynomial, compressed.

    Raises
    ------
    ConfigError
        A coefficient outside ``[1, q)`` (its commitment would not be a point, or not be canonical).

    Examples
    --------
    >>> commit([1])[0].hex()  # the generator
    '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'
    """
    out = []
    for a in coefficients:
        if type(a) is not int or not 0 < a < GROUP_ORDER:
            raise ConfigError("a committed coefficient must be an int in [1, q)")
        out.append(PublicKey.from_secret(a.to_bytes(32, "big")).format(compressed=True))
    return tuple(out)


def deal(secret: int, xs: Sequence[int], threshold: int) -> tuple[list[Share], tuple[bytes, ...]]:
    """Share ``secret`` among ``xs`` with threshold ``t`` and commit to the polynomial.

    Parameters
    ----------
    secret
        A field element in ``[1, q)``.
    xs
        Distinct points in ``(0, q)``, one per holder.
    threshold
        ``t``, ``1 <= t <= len(xs)``.

    Returns
    -------
    tuple[list[Share], tuple[bytes, ...]]
        The shares, in the order of ``xs``, and the ``t`` compressed commitments ``C_0 .. C_{t-1}``.

    Raises
    ------
    ConfigError
        As :func:`~fedchain.privacy.secagg.shamir.split_secret`.
    """
    if type(threshold) is not int or not 1 <= threshold <= len(xs):
        raise ConfigError(f"threshold must be an int in [1, {len(xs)}], not {threshold!r}")
    coefficients = random_polynomial(secret, threshold)
    return evaluate_at(coefficients, xs), commit(coefficients)


def decode_commitments(encoded: Sequence[bytes], threshold: int) -> tuple[PublicKey, ...]:
    """Parse ``t`` compressed commitments, refusing anything that is not exactly ``t`` canonical points.

    Raises
    ------
    MalformedBundleError
        Not ``threshold`` of them, or one that is not the canonical compressed encoding of a point of
        secp256k1 (33 bytes, prefix 0x02 or 0x03, ``x`` below the field prime and on the curve).
    """
    if len(encoded) != threshold:
        raise MalformedBundleError(f"{len(encoded)} commitment(s) for a threshold of {threshold}")
    return tuple(decode_point(data) for data in encoded)


def decode_point(data: bytes) -> PublicKey:
    """One canonical compressed secp256k1 point.

    Raises
    ------
    MalformedBundleError
        Anything else (uncompressed or hybrid encodings, ``x`` not below ``p``, ``x`` not on the curve).
    """
    if not isinstance(data, bytes) or len(data) != POINT_BYTES or data[0] not in (2, 3):
        raise MalformedBundleError("a commitment is a 33-byte compressed secp256k1 point")
    try:
        point = PublicKey(data)
    except ValueError:
        raise MalformedBundleError("a commitment is not a point of secp256k1") from None
    if point.format(compressed=True) != data:
        raise MalformedBundleError("a commitment is not canonically encoded")
    return point


def verify_share(commitments: Sequence[PublicKey], share: Share) -> bool:
    """Whether ``share`` lies on the committed polynomial: ``y * G == sum_j x^j C_j``.

    Evaluated by Horner's rule in the group, ``(...(C_{t-1} x + C_{t-2}) x + ...) x + C_0``: ``t - 1``
    multiplications by ``x``, a member index of at most 32 bits, which libsecp256k1's variable-time
    multiplication (the points are public) does in about a quarter of the time of a full-size scalar.
    """
    x = share.x % GROUP_ORDER
    acc: _Point = commitments[-1]
    for c in reversed(commitments[:-1]):
        acc = _sum([_times(acc, x), c])
    return _same(_base(share.y), acc)


def verify_shares(commitments: Sequence[PublicKey], shares: Sequence[Share]) -> list[bool]:
    """Which of ``shares`` lie on the committed polynomial, checked together.

    One random linear combination of all the shares (``len(commitments)`` scalar multiplications); only if
    it fails, every share on its own.

    Returns
    -------
    list[bool]
        One verdict per share, in order.
    """
    if len(shares) <= 1:
        return [verify_share(commitments, s) for s in shares]
    q, t = GROUP_ORDER, len(commitments)
    weights = [1 + secrets.randbits(BATCH_BITS) for _ in shares]
    y = sum(r * s.y for r, s in zip(weights, shares, strict=True)) % q
    exponents = [0] * t
    for r, s in zip(weights, shares, strict=True):
        power = r
        for j in range(t):
            exponents[j] = (exponents[j] + power) % q
            power = power * s.x % q
    if _same(_base(y), _combination(commitments, exponents)):
        return [True] * len(shares)
    return [verify_share(commitments, s) for s in shares]


def secret_matches(commitments: Sequence[PublicKey], secret: int) -> bool:
    """Whether ``secret * G == C_0``: ``secret`` is the one committed to."""
    return 0 < secret < GROUP_ORDER and _same(_base(secret), commitments[0])


def _base(scalar: int) -> _Point:
    scalar %= GROUP_ORDER
    return PublicKey.from_secret(scalar.to_bytes(32, "big")) if scalar else None


def _times(point: _Point, scalar: int) -> _Point:
    """``scalar * point``, for a scalar already reduced mod ``q``."""
    if point is None or scalar == 0:
        return None
    return point if scalar == 1 else point.multiply(scalar.to_bytes(32, "big"))


def _sum(points: Sequence[_Point]) -> _Point:
    terms = [p for p in points if p is not None]
    if len(terms) <= 1:
        return terms[0] if terms else None
    try:
        return PublicKey.combine_keys(terms)
    except ValueError:  # the sum is the point at infinity
        return None


def _combination(points: Sequence[PublicKey], scalars: Sequence[int]) -> _Point:
    """``sum_j scalars[j] * points[j]``."""
    return _sum([_times(p, s % GROUP_ORDER) for p, s in zip(points, scalars, strict=True)])


def _same(a: _Point, b: _Point) -> bool:
    if a is None or b is None:
        return a is b
    return a.format(compressed=True) == b.format(compressed=True)


__all__ = [
    "BATCH_BITS",
    "POINT_BYTES",
    "commit",
    "deal",
    "decode_commitments",
    "decode_point",
    "secret_matches",
    "verify_share",
    "verify_shares",
]
