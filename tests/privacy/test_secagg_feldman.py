"""Feldman VSS over secp256k1: the group, a hand-computed dealing, and the properties that make shares
checkable: valid shares reconstruct one secret, a share off the polynomial is caught, at the cost of about
t scalar multiplications per dealing however many shares are checked."""

from __future__ import annotations

import random

import coincurve.utils
import pytest
from coincurve import PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from fedchain.exceptions import ConfigError, MalformedBundleError
from fedchain.privacy.secagg.feldman import (
    commit,
    deal,
    decode_commitments,
    decode_point,
    secret_matches,
    verify_share,
    verify_shares,
)
from fedchain.privacy.secagg.shamir import GROUP_ORDER, Share, reconstruct_secret

# secp256k1 (SEC 2, section 2.4.1): the field prime and the generator, for an arithmetic independent of
# libsecp256k1.
P = 2**256 - 2**32 - 977
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8

# k * G, compressed, for small k: public test vectors of secp256k1 (x coordinates as published; the prefix
# is the parity of y). Checked below against the independent arithmetic and against libsecp256k1.
MULTIPLES = {
    1: "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
    2: "02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5",
    3: "02f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9",
    5: "022f8bde4d1a07209355b4a7250a5c5128e88b84bddc619ab7cba8d569b240efe4",
    7: "025cbdf0646e5db4eaa398f365f2ea7a0e3d419b7e0330e39ce92bddedcac4f9bc",
}

Affine = tuple[int, int] | None


def _add(a: Affine, b: Affine) -> Affine:
    if a is None:
        return b
    if b is None:
        return a
    (x1, y1), (x2, y2) = a, b
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if a == b:  # doubling: the tangent's slope
        num, den = 3 * x1 * x1, 2 * y1
    else:
        num, den = y2 - y1, x2 - x1
    slope = num * pow(den, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


def _mul(k: int, point: Affine = (GX, GY)) -> Affine:
    out: Affine = None
    while k:
        if k & 1:
            out = _add(out, point)
        point, k = _add(point, point), k >> 1
    return out


def _compressed(point: Affine) -> str:
    assert point is not None
    x, y = point
    return (bytes([2 + (y & 1)]) + x.to_bytes(32, "big")).hex()


# -- the group ---------------------------------------------------------------------------------------------


def test_the_field_is_the_order_of_libsecp256k1s_group() -> None:
    assert GROUP_ORDER == coincurve.utils.GROUP_ORDER_INT
    assert GY**2 % P == (GX**3 + 7) % P  # G is on y^2 = x^3 + 7
    assert _mul(GROUP_ORDER) is None  # q * G = O: q is the order of G (and prime: a certified curve)
    assert _mul(GROUP_ORDER - 1) == (GX, P - GY)
    with pytest.raises(ValueError):
        PublicKey.from_secret(GROUP_ORDER.to_bytes(32, "big"))  # libsecp256k1 refuses q, accepts q - 1
    minus_g = PublicKey.from_secret((GROUP_ORDER - 1).to_bytes(32, "big"))
    with pytest.raises(ValueError):
        PublicKey.combine_keys([minus_g, PublicKey.from_secret((1).to_bytes(32, "big"))])  # the infinity


@pytest.mark.parametrize(("k", "expected"), MULTIPLES.items())
def test_commitments_are_the_published_multiples_of_g(k: int, expected: str) -> None:
    assert _compressed(_mul(k)) == expected
    assert commit([k])[0].hex() == expected


def test_a_hand_computed_dealing() -> None:
    # f(x) = 3 + 2x, t = 2: C_0 = 3G, C_1 = 2G; the shares f(1) = 5 and f(2) = 7.
    commitments = commit([3, 2])
    assert [c.hex() for c in commitments] == [MULTIPLES[3], MULTIPLES[2]]
    points = decode_commitments(commitments, 2)
    # 5G = 3G + 1 * 2G and 7G = 3G + 2 * 2G, by the independent arithmetic:
    assert _compressed(_add(_mul(3), _mul(2))) == MULTIPLES[5]
    assert _compressed(_add(_mul(3), _mul(2, _mul(2)))) == MULTIPLES[7]
    assert verify_share(points, Share(1, 5)) and verify_share(points, Share(2, 7))
    assert not verify_share(points, Share(2, 8)) and not verify_share(points, Share(1, 7))
    assert verify_shares(points, [Share(1, 5), Share(2, 7), Share(3, 9)]) == [True, True, True]
    assert verify_shares(points, [Share(1, 5), Share(2, 8), Share(3, 9)]) == [True, False, True]
    assert reconstruct_secret([Share(1, 5), Share(2, 7)], 2) == 3
    assert secret_matches(points, 3) and not secret_matches(points, 4) and not secret_matches(points, 0)
    # y = 0 at a point: 0 * G is the infinity, and so is the right-hand side for f(x) = 1 + (q - 1) x at 1
    line = decode_commitments(commit([1, GROUP_ORDER - 1]), 2)
    assert verify_share(line, Share(1, 0)) and not verify_share(line, Share(1, 1))


# -- encodings of points -----------------------------------------------------------------------------------


def _small_x(on_curve: bool) -> int:
    x = 1
    while (pow((x**3 + 7) % P, (P - 1) // 2, P) == 1) != on_curve:  # x^3 + 7 a square: x on the curve
        x += 1
    return x


@pytest.mark.parametrize(
    "data",
    [
        bytes.fromhex(MULTIPLES[1])[:32],  # short
        bytes.fromhex("04" + MULTIPLES[1][2:]),  # not a compressed prefix
        bytes.fromhex("06" + MULTIPLES[1][2:]),  # a hybrid prefix
        PublicKey.from_secret((1).to_bytes(32, "big")).format(compressed=False),  # uncompressed
        b"\x02" + P.to_bytes(32, "big"),  # x = p: not a field element
        b"\x02" + (_small_x(on_curve=True) + P).to_bytes(32, "big"),  # x + p: a point, not canonical
        b"\x02" + _small_x(on_curve=False).to_bytes(32, "big"),
        b"\x02" + bytes(32),  # x = 0: 7 is not a square mod p
    ],
)
def test_only_canonical_compressed_points_are_commitments(data: bytes) -> None:
    with pytest.raises(MalformedBundleError):
        decode_point(data)


def test_both_parities_are_distinct_points_and_a_count_is_checked() -> None:
    x = _small_x(on_curve=True)
    assert decode_point(b"\x02" + x.to_bytes(32, "big")).format()[1:] == x.to_bytes(32, "big")
    g, minus_g = bytes.fromhex(MULTIPLES[1]), bytes.fromhex("03" + MULTIPLES[1][2:])
    assert decode_point(minus_g).format() == commit([GROUP_ORDER - 1])[0] != g
    with pytest.raises(MalformedBundleError):
        decode_commitments([g], 2)


@pytest.mark.parametrize(
    ("secret", "xs", "t"), [(0, [1, 2], 1), (GROUP_ORDER, [1, 2], 1), (5, [1, 2], 3), (5, [1, 1], 1)]
)
def test_bad_dealings_are_refused(secret: int, xs: list[int], t: int) -> None:
    with pytest.raises(ConfigError):
        deal(secret, xs, t)


def test_a_zero_coefficient_cannot_be_committed() -> None:
    with pytest.raises(ConfigError):
        commit([5, 0])


# -- properties ----------------------------------------------------------------------------------------------


@st.composite
def dealings(draw: st.DrawFn) -> tuple[int, list[Share], tuple[bytes, ...], int]:
    n = draw(st.integers(1, 9))
    xs = draw(st.lists(st.integers(1, 2**32), min_size=n, max_size=n, unique=True))
    t = draw(st.integers(1, n))
    secret = draw(st.integers(1, GROUP_ORDER - 1))
    shares, commitments = deal(secret, xs, t)
    return secret, shares, commitments, t


@settings(max_examples=40, deadline=None)
@given(dealings(), st.randoms(use_true_random=False))
def test_any_t_valid_shares_reconstruct_the_committed_secret(
    dealing: tuple[int, list[Share], tuple[bytes, ...], int], rng: random.Random
) -> None:
    secret, shares, commitments, t = dealing
    points = decode_commitments(commitments, t)
    assert verify_shares(points, shares) == [True] * len(shares)
    for _ in range(3):
        subset = rng.sample(shares, t)
        assert reconstruct_secret(subset, t) == secret
    assert secret_matches(points, secret)


@settings(max_examples=40, deadline=None)
@given(dealings(), st.data())
def test_exactly_the_shares_off_the_polynomial_are_caught(
    dealing: tuple[int, list[Share], tuple[bytes, ...], int], data: st.DataObject
) -> None:
    _, shares, commitments, t = dealing
    points = decode_commitments(commitments, t)
    bad = data.draw(st.sets(st.integers(0, len(shares) - 1)))
    delta = data.draw(st.integers(1, GROUP_ORDER - 1))
    tampered = [Share(s.x, (s.y + delta) % GROUP_ORDER) if i in bad else s for i, s in enumerate(shares)]
    assert verify_shares(points, tampered) == [i not in bad for i in range(len(shares))]
    # shares of another polynomial with the same secret fail too (unless the dealing is a constant)
    other, _ = deal(reconstruct_secret(shares, t), [s.x for s in shares], t)
    if t > 1:
        assert not any(verify_share(points, s) for s in other if s not in shares)


def test_a_batch_costs_about_t_multiplications_not_t_per_share(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    multiply = PublicKey.multiply

    def counting(self: PublicKey, scalar: bytes, update: bool = False) -> PublicKey:
        nonlocal calls
        calls += 1
        return multiply(self, scalar, update)

    k, t = 60, 25
    shares, commitments = deal(12345, list(range(1, k + 1)), t)
    points = decode_commitments(commitments, t)
    monkeypatch.setattr(PublicKey, "multiply", counting)
    assert verify_shares(points, shares) == [True] * k
    assert calls <= t  # one linear combination: t multiplications for all 60 shares
    calls = 0
    shares[7] = Share(shares[7].x, (shares[7].y + 1) % GROUP_ORDER)
    verdicts = verify_shares(points, shares)
    assert verdicts == [i != 7 for i in range(k)]
    assert calls <= t + k * (t - 1)  # a failed batch falls back to each share: only a cheater pays this
