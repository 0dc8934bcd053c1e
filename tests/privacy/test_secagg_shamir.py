"""Shamir sharing over Z_q (q: the order of secp256k1): any t shares reconstruct, t - 1 are consistent with
every secret; secrets are drawn uniformly from [1, q)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedchain.exceptions import ConfigError, MalformedBundleError
from fedchain.privacy.secagg.shamir import (
    GROUP_ORDER,
    Share,
    decode_element,
    encode_element,
    random_secret,
    reconstruct_secret,
    secret_value,
    split_secret,
)

secrets256 = st.integers(1, GROUP_ORDER - 1)  # every secret a dealer may share


@st.composite
def sharings(draw: st.DrawFn) -> tuple[int, list[Share], int]:
    n = draw(st.integers(1, 12))
    xs = draw(st.lists(st.integers(1, 2**32), min_size=n, max_size=n, unique=True))
    t = draw(st.integers(1, n))
    secret = draw(secrets256)
    return secret, split_secret(secret, xs, t), t


@settings(max_examples=100, deadline=None)
@given(sharings(), st.randoms(use_true_random=False))
def test_any_t_shares_reconstruct_the_secret(
    sharing: tuple[int, list[Share], int], rnd: random.Random
) -> None:
    secret, shares, t = sharing
    subset = rnd.sample(shares, t)
    assert reconstruct_secret(subset, t) == secret
    assert reconstruct_secret(shares, t) == secret  # more than t: the t smallest points are used


@settings(max_examples=100, deadline=None)
@given(sharings(), secrets256)
def test_t_minus_1_shares_fit_every_secret(sharing: tuple[int, list[Share], int], other: int) -> None:
    secret, shares, t = sharing
    if t < 2:
        return
    seen = shares[: t - 1]
    with pytest.raises(ConfigError):
        reconstruct_secret(seen, t)
    # For any candidate secret s there is exactly one polynomial of degree < t through (0, s) and the t - 1
    # seen shares; both the true secret and `other` yield a complete, consistent set of t shares.
    missing = shares[t - 1].x
    points = [(s.x, s.y) for s in seen]
    fitted = {}
    for candidate in (secret, other):
        y = _lagrange([(0, candidate), *points], missing)
        fitted[candidate] = y
        assert reconstruct_secret([Share(missing, y), *seen], t) == candidate
    assert fitted[secret] == shares[t - 1].y  # the true secret's polynomial is the dealer's
    assert (fitted[secret] == fitted[other]) == (secret == other)  # different secrets, different polynomials


def test_one_share_of_a_threshold_two_sharing_is_uniform_whatever_the_secret() -> None:
    # With t = 2 a share is s + a * x for a uniform on [1, q): its distribution does not depend on s (up to
    # the one excluded value s). Over 2,000 sharings the low bit of a share is balanced for both secrets.
    for secret in (1, GROUP_ORDER - 1):
        ones = sum(split_secret(secret, [1, 2], 2)[0].y & 1 for _ in range(2000))
        assert 850 < ones < 1150


def test_field_elements_are_32_bytes_below_q_with_one_encoding_each() -> None:
    assert 2**255 < GROUP_ORDER < 2**256
    assert decode_element(encode_element(GROUP_ORDER - 1)) == GROUP_ORDER - 1
    assert len(encode_element(0)) == 32
    with pytest.raises(MalformedBundleError):
        decode_element(GROUP_ORDER.to_bytes(32, "big"))
    with pytest.raises(MalformedBundleError):
        decode_element(bytes(31))


def test_a_secret_is_32_bytes_in_1_to_q() -> None:
    assert secret_value((GROUP_ORDER - 1).to_bytes(32, "big")) == GROUP_ORDER - 1
    for bad in (bytes(32), GROUP_ORDER.to_bytes(32, "big"), b"\xff" * 32, bytes(30) + b"\x01"):
        with pytest.raises(ConfigError):
            secret_value(bad)


def test_random_secrets_are_drawn_by_rejection(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0 and every value >= q are redrawn; the first draw in [1, q) is returned as it came.
    draws = iter(
        [bytes(32), GROUP_ORDER.to_bytes(32, "big"), b"\xff" * 32, (GROUP_ORDER - 1).to_bytes(32, "big")]
    )
    monkeypatch.setattr("fedchain.privacy.secagg.shamir.os.urandom", lambda n: next(draws))
    assert random_secret() == (GROUP_ORDER - 1).to_bytes(32, "big")
    monkeypatch.undo()
    assert all(0 < int.from_bytes(random_secret(), "big") < GROUP_ORDER for _ in range(100))
    assert len({random_secret() for _ in range(100)}) == 100


@pytest.mark.parametrize(
    ("secret", "xs", "t"),
    [
        (GROUP_ORDER, [1, 2], 1),
        (0, [1, 2], 1),  # 0 * G is not a point: a Feldman commitment could not encode it
        (-1, [1, 2], 1),
        (5, [1, 1], 1),
        (5, [1, 2], 3),
        (5, [1, 2], 0),
        (5, [0, 2], 1),
        (5, [1, GROUP_ORDER], 1),
    ],
)
def test_bad_sharing_inputs_are_refused(secret: int, xs: list[int], t: int) -> None:
    with pytest.raises(ConfigError):
        split_secret(secret, xs, t)


def _lagrange(points: list[tuple[int, int]], x: int) -> int:
    """An independent Lagrange interpolation over Z_q, points given as (x, y) pairs (x = 0 allowed)."""
    total = 0
    for i, (xi, yi) in enumerate(points):
        num = den = 1
        for m, (xm, _) in enumerate(points):
            if m != i:
                num, den = num * (x - xm) % GROUP_ORDER, den * (xi - xm) % GROUP_ORDER
        total = (total + yi * num * pow(den, -1, GROUP_ORDER)) % GROUP_ORDER
    return total
