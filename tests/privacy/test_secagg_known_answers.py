"""Known-answer tests of our wrappers: X25519 (RFC 7748), HKDF-SHA256 (RFC 5869), the AES-CTR PRG."""

from __future__ import annotations

import os

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from fedchain.exceptions import InvalidKeyError
from fedchain.privacy.secagg.kdf import (
    LABEL_PAIRWISE_MASK,
    LABEL_SELF_MASK,
    RoundContext,
    derive_key,
    hkdf_sha256,
)
from fedchain.privacy.secagg.keys import RoundKeys, public_key, x25519
from fedchain.privacy.secagg.prg import CHUNK_BYTES, add_masks, expand_mask, keystream, words_from_bytes

# RFC 7748, section 5.2: (scalar, u-coordinate, output).
RFC7748_SCALAR_MULT = [
    (
        "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
    ),
    (
        "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
        "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
        "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
    ),
]

# RFC 7748, section 5.2: k = u = 9, then k, u = X25519(k, u), k; the value of k after each count.
RFC7748_ITERATED = [
    (1, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"),
    (1000, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"),
]

# RFC 7748, section 6.1.
ALICE_SK = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
ALICE_PK = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
BOB_SK = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
BOB_PK = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
SHARED = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"

# RFC 5869, appendix A, test cases 1-3 (SHA-256): (ikm, salt, info, length, okm).
RFC5869 = [
    (
        "0b" * 22,
        "000102030405060708090a0b0c",
        "f0f1f2f3f4f5f6f7f8f9",
        42,
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    ),
    (
        bytes(range(0x00, 0x50)).hex(),
        bytes(range(0x60, 0xB0)).hex(),
        bytes(range(0xB0, 0x100)).hex(),
        82,
        "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
        "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
        "cc30c58179ec3e87c14c01d5c1f3434f1d87",
    ),
    (
        "0b" * 22,
        "",
        "",
        42,
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    ),
]


@pytest.mark.parametrize(("scalar", "u", "expected"), RFC7748_SCALAR_MULT)
def test_x25519_scalar_multiplication_matches_rfc7748(scalar: str, u: str, expected: str) -> None:
    assert x25519(bytes.fromhex(scalar), bytes.fromhex(u)).hex() == expected


@pytest.mark.parametrize(("iterations", "expected"), RFC7748_ITERATED)
def test_x25519_iterated_matches_rfc7748(iterations: int, expected: str) -> None:
    k = u = (9).to_bytes(32, "little")
    for _ in range(iterations):
        k, u = x25519(k, u), k
    assert k.hex() == expected


def test_x25519_diffie_hellman_matches_rfc7748_section_6_1() -> None:
    alice, bob = bytes.fromhex(ALICE_SK), bytes.fromhex(BOB_SK)
    assert public_key(alice).hex() == ALICE_PK
    assert public_key(bob).hex() == BOB_PK
    assert x25519(alice, bytes.fromhex(BOB_PK)).hex() == SHARED
    assert x25519(bob, bytes.fromhex(ALICE_PK)).hex() == SHARED


def test_round_keys_publish_the_rfc7748_public_keys() -> None:
    keys = RoundKeys.from_private_bytes(bytes.fromhex(ALICE_SK), bytes.fromhex(BOB_SK))
    assert (keys.public.mask_pk.hex(), keys.public.enc_pk.hex()) == (ALICE_PK, BOB_PK)
    assert ALICE_SK not in repr(keys) and "mask_sk" not in repr(keys)


@pytest.mark.parametrize(("ikm", "salt", "info", "length", "okm"), RFC5869)
def test_hkdf_sha256_matches_rfc5869(ikm: str, salt: str, info: str, length: int, okm: str) -> None:
    assert hkdf_sha256(bytes.fromhex(ikm), bytes.fromhex(salt), bytes.fromhex(info), length).hex() == okm


def test_derive_key_binds_every_field_of_the_context_and_the_label() -> None:
    base = RoundContext(1, bytes(20), 2, 3)
    others = [
        RoundContext(9, bytes(20), 2, 3),
        RoundContext(1, b"\x01" + bytes(19), 2, 3),
        RoundContext(1, bytes(20), 9, 3),
        RoundContext(1, bytes(20), 2, 9),
    ]
    ikm = bytes(32)
    key = derive_key(base, LABEL_SELF_MASK, ikm, b"\x00\x00\x00\x01")
    assert all(derive_key(c, LABEL_SELF_MASK, ikm, b"\x00\x00\x00\x01") != key for c in others)
    assert derive_key(base, LABEL_PAIRWISE_MASK, ikm, b"\x00\x00\x00\x01") != key
    assert derive_key(base, LABEL_SELF_MASK, ikm, b"\x00\x00\x00\x02") != key
    expected = hkdf_sha256(ikm, base.digest, b"fedchain-secagg/1 self-mask\x00\x00\x00\x00\x01", 32)
    assert key == expected


def test_prg_is_aes256_ctr_from_a_zero_counter() -> None:
    seed = bytes(range(32))
    ecb = Cipher(algorithms.AES(seed), modes.ECB()).encryptor()
    blocks = b"".join(ecb.update(i.to_bytes(16, "big")) for i in range(4))
    assert keystream(seed, 64) == blocks
    # AES-256 of the zero block under the zero key (FIPS-197 style known answer).
    assert keystream(bytes(32), 16).hex() == "dc95c078a2408989ad48a21492842087"


@pytest.mark.parametrize("bits", [32, 64])
def test_prg_words_are_the_little_endian_keystream(bits: int) -> None:
    seed = bytes(range(32))
    width = bits // 8
    stream = keystream(seed, 10 * width)
    words = expand_mask(seed, 10, bits)
    assert words.dtype.itemsize == width and words.shape == (10,)
    assert words.tolist() == [
        int.from_bytes(stream[i : i + width], "little") for i in range(0, len(stream), width)
    ]
    assert expand_mask(seed, 3, bits).tolist() == words[:3].tolist()  # a prefix: one stream per seed
    assert expand_mask(seed, 0, bits).shape == (0,)


@pytest.mark.parametrize("bits", [32, 64])
@pytest.mark.parametrize("extra", [-1, 0, 1, 12_345])
def test_masks_are_the_same_stream_across_the_cipher_chunks(bits: int, extra: int) -> None:
    width = bits // 8
    length = 2 * CHUNK_BYTES // width + extra  # straddles the 128 KiB pieces the cipher writes
    seed, other = b"\x07" * 32, b"\x08" * 32
    expected = words_from_bytes(keystream(seed, length * width), bits)
    assert np.array_equal(expand_mask(seed, length, bits), expected)
    out = np.zeros(length, dtype=expected.dtype)
    assert add_masks(out, plus=[seed, other], minus=[other]) is out
    assert np.array_equal(out, expected)
    add_masks(out, minus=[seed])
    assert not out.any()


# -- small-order public keys: the lookup agrees with the scalar multiplication ------------------------------


def test_every_listed_small_order_key_zeroes_the_exchange_and_is_refused() -> None:
    from fedchain.privacy.secagg.keys import _SMALL_ORDER, check_public_key

    assert len(_SMALL_ORDER) == 7
    for key in _SMALL_ORDER:
        for variant in (key, key[:31] + bytes([key[31] | 0x80])):  # bit 255 is ignored by X25519
            with pytest.raises(InvalidKeyError):
                x25519(os.urandom(32), variant)  # the library: an all-zero shared secret
            with pytest.raises(InvalidKeyError):
                check_public_key(variant)  # the lookup


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_the_lookup_and_the_exchange_agree_on_any_key(key: bytes, sk: bytes) -> None:
    from fedchain.privacy.secagg.keys import check_public_key

    try:
        x25519(sk, key)
        exchange_ok = True
    except InvalidKeyError:
        exchange_ok = False
    try:
        check_public_key(key)
        lookup_ok = True
    except InvalidKeyError:
        lookup_ok = False
    assert lookup_ok == exchange_ok


def test_generated_mask_keys_are_scalars_of_secp256k1() -> None:
    # The mask key is Feldman-shared over Z_q: RoundKeys.generate draws it in [1, q) (by rejection), while
    # the encryption key, never shared, is any 32 bytes.
    from fedchain.privacy.secagg.shamir import GROUP_ORDER

    for _ in range(50):
        keys = RoundKeys.generate()
        assert 0 < int.from_bytes(keys.mask_sk, "big") < GROUP_ORDER
    with pytest.raises(InvalidKeyError):
        RoundKeys.from_private_bytes(GROUP_ORDER.to_bytes(32, "big"), bytes(32))
