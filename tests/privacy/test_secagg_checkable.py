"""Known-answer and property tests of the chain-checkable primitives (issue 9): the keccak256 and SHA-256
counter-mode masks against reference hashes, the secp256k1 key agreement and its ecrecover check against two
independent implementations (libsecp256k1's recovery, eth-keys' pure-Python one), and the vectors the Foundry
test ``contracts/test/CheckablePrimitives.t.sol`` hard-codes."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest
from coincurve import PrivateKey, PublicKey
from Crypto.Hash import keccak as pycryptodome_keccak
from eth_hash.auto import keccak
from eth_keys.backends.native.ecdsa import ecdsa_raw_recover
from hypothesis import given, settings
from hypothesis import strategies as st

from fedchain.exceptions import ConfigError, InvalidKeyError
from fedchain.privacy.secagg.checkable import (
    MAX_WORDS,
    ecdh_point,
    ecdh_secp256k1,
    ecrecover_inputs,
    keccak_mask,
    point_address,
    public_key,
    sha256_mask,
    sha256_mask_hashlib,
)
from fedchain.privacy.secagg.shamir import GROUP_ORDER

SOLIDITY_TEST = Path(__file__).parents[2] / "contracts" / "test" / "CheckablePrimitives.t.sol"
P_FIELD = 2**256 - 2**32 - 977
seeds = st.binary(min_size=32, max_size=32)
lengths = st.integers(0, 300)
offsets = st.one_of(st.integers(0, 5000), st.integers(0, 2**62))
scalars = st.integers(1, GROUP_ORDER - 1).map(lambda k: k.to_bytes(32, "big"))


def reference_mask(hash_fn, seed: bytes, length: int, offset: int) -> np.ndarray:
    """Block ``j`` = ``hash_fn(seed || uint256(j))``, words big-endian: the specification, word by word."""
    words = []
    for index in range(offset, offset + length):
        j, i = divmod(index, 8)
        digest = hash_fn(seed + j.to_bytes(32, "big"))
        words.append(int.from_bytes(digest[4 * i : 4 * i + 4], "big"))
    return np.array(words, dtype=np.uint32)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def keccak_pycryptodome(data: bytes) -> bytes:
    return pycryptodome_keccak.new(digest_bits=256, data=data).digest()


# -- the keccak256 mask ---------------------------------------------------------------------------------


def test_keccak_mask_known_answer() -> None:
    # keccak256 of 64 zero bytes (the depth-1 zero hash of Merkle trees); its first words, big-endian
    assert keccak(bytes(64)).hex() == "ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5"
    assert keccak_mask(bytes(32), 2).tolist() == [0xAD3228B6, 0x76F7D3CD]
    assert keccak_mask(bytes(32), 3).tolist() == [2905745590, 1995953101, 1115989316]


@settings(max_examples=200, deadline=None)
@given(seeds, lengths, offsets)
def test_keccak_mask_matches_reference(seed: bytes, length: int, offset: int) -> None:
    mask = keccak_mask(seed, length, offset)
    assert mask.dtype == np.uint32 and mask.shape == (length,)
    assert np.array_equal(mask, reference_mask(keccak, seed, length, offset))


def test_keccak_mask_matches_pycryptodome_on_a_long_mask() -> None:
    seed = os.urandom(32)
    assert np.array_equal(keccak_mask(seed, 4099, 13), reference_mask(keccak_pycryptodome, seed, 4099, 13))


def test_keccak_mask_large_block_index() -> None:
    # block indices beyond 2**32 reach the upper bytes of the counter
    seed, offset = bytes(range(32)), (2**40 + 3) * 8 + 5
    assert np.array_equal(keccak_mask(seed, 20, offset), reference_mask(keccak, seed, 20, offset))


# -- the SHA-256 mask -----------------------------------------------------------------------------------


def test_sha256_mask_known_answer() -> None:
    digest = sha256(bytes(32) + (1).to_bytes(32, "big"))
    assert sha256_mask(bytes(32), 8, 8).tolist() == [
        int.from_bytes(digest[i : i + 4], "big") for i in range(0, 32, 4)
    ]


@settings(max_examples=200, deadline=None)
@given(seeds, lengths, offsets)
def test_sha256_mask_matches_hashlib(seed: bytes, length: int, offset: int) -> None:
    mask = sha256_mask(seed, length, offset)
    assert mask.dtype == np.uint32 and mask.shape == (length,)
    expected = reference_mask(sha256, seed, length, offset)
    assert np.array_equal(mask, expected)
    assert np.array_equal(sha256_mask_hashlib(seed, length, offset), expected)


def test_sha256_mask_long() -> None:
    seed = os.urandom(32)
    assert np.array_equal(sha256_mask(seed, 100_003, 7), sha256_mask_hashlib(seed, 100_003, 7))


# -- properties of both ---------------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [keccak_mask, sha256_mask, sha256_mask_hashlib])
@settings(max_examples=50, deadline=None)
@given(seed=seeds, length=st.integers(0, 200), offset=st.integers(0, 200), split=st.integers(0, 200))
def test_a_chunk_is_a_slice_of_the_stream(mask, seed: bytes, length: int, offset: int, split: int) -> None:
    whole = mask(seed, offset + length)
    assert np.array_equal(mask(seed, length, offset), whole[offset:])
    cut = min(split, length)  # two consecutive chunks are the chunk
    joined = np.concatenate([mask(seed, cut, offset), mask(seed, length - cut, offset + cut)])
    assert np.array_equal(joined, whole[offset:])


@pytest.mark.parametrize("mask", [keccak_mask, sha256_mask])
def test_masks_differ_by_seed_and_hash(mask) -> None:
    a, b = mask(bytes(32), 64), mask(b"\x01" + bytes(31), 64)
    assert not np.array_equal(a, b)
    assert not np.array_equal(keccak_mask(bytes(32), 64), sha256_mask(bytes(32), 64))
    assert a.flags.c_contiguous and a.flags.writeable


@pytest.mark.parametrize("mask", [keccak_mask, sha256_mask, sha256_mask_hashlib])
def test_mask_arguments_are_checked(mask) -> None:
    assert mask(bytes(32), 0, 5).shape == (0,)
    for seed in (bytes(31), bytes(33), "x" * 32):
        with pytest.raises(ConfigError, match="seed"):
            mask(seed, 4)
    for length, offset in ((-1, 0), (1, -1), (True, 0), (1.0, 0), (1, MAX_WORDS)):
        with pytest.raises(ConfigError):
            mask(bytes(32), length, offset)
    assert mask(bytearray(32), 3).tolist() == mask(bytes(32), 3).tolist()


def test_uniform_looking_words() -> None:
    # a coarse sanity check (not a test of pseudorandomness): bit frequencies near one half
    for mask in (keccak_mask, sha256_mask):
        words = mask(b"\x07" * 32, 1 << 16)
        bits = np.unpackbits(words.view(np.uint8))
        assert abs(bits.mean() - 0.5) < 0.005


# -- secp256k1 key agreement and the ecrecover check -----------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(scalars, scalars)
def test_ecdh_is_symmetric_and_is_libsecp256k1s(a: bytes, b: bytes) -> None:
    shared = ecdh_secp256k1(a, public_key(b))
    assert shared == ecdh_secp256k1(b, public_key(a))
    assert len(shared) == 32
    x, y = ecdh_point(a, public_key(b))
    assert shared == x.to_bytes(32, "big")
    assert (x**3 + 7 - y * y) % P_FIELD == 0
    # libsecp256k1's own ECDH hashes the compressed point with SHA-256
    assert PrivateKey(a).ecdh(public_key(b)) == sha256(bytes([2 + (y & 1)]) + shared)
    # uncompressed peer keys give the same
    assert ecdh_secp256k1(a, PublicKey(public_key(b)).format(compressed=False)) == shared


def test_ecdh_known_answer() -> None:
    # 2 * (3 * G) = 6 * G
    two, three, six = (i.to_bytes(32, "big") for i in (2, 3, 6))
    assert ecdh_secp256k1(two, public_key(three)) == public_key(six)[1:]
    assert public_key((1).to_bytes(32, "big")).hex() == (
        "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    )


@settings(max_examples=50, deadline=None)
@given(scalars, scalars)
def test_ecrecover_returns_the_address_of_k_times_p(k: bytes, b: bytes) -> None:
    peer = public_key(b)
    v, r, s = ecrecover_inputs(k, peer)
    q = ecdh_point(k, peer)
    assert v in (27, 28) and 0 < r < GROUP_ORDER and 0 < s < GROUP_ORDER
    # libsecp256k1's public-key recovery (what the EVM precompile does), message hash 0
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v - 27])
    assert PublicKey.from_signature_and_message(signature, bytes(32), hasher=None).point() == q
    # an independent, pure-Python recovery (eth-keys), compared through the address as a contract does
    recovered = ecdsa_raw_recover(bytes(32), (v - 27, r, s))
    assert keccak(recovered)[12:] == point_address(q)


def test_point_address_known_answer() -> None:
    # the address of the private key 1 (1 * G), well known
    g = PublicKey(public_key((1).to_bytes(32, "big"))).point()
    assert point_address(g).hex() == "7e5f4552091a69125d5dfcb7b8c2659029395bdf"


def test_key_arguments_are_checked() -> None:
    peer = public_key(b"\x05" * 32)
    for bad in (bytes(32), GROUP_ORDER.to_bytes(32, "big"), b"\xff" * 32, bytes(31)):
        for fn in (ecdh_secp256k1, ecrecover_inputs, ecdh_point):
            with pytest.raises(InvalidKeyError):
                fn(bad, peer)
    for bad_peer in (peer[:32], b"\x02" + (5).to_bytes(32, "big"), b"\x05" + peer[1:], "x" * 33):
        with pytest.raises(InvalidKeyError):
            ecdh_secp256k1(b"\x05" * 32, bad_peer)


def test_ecrecover_refuses_x_at_least_n() -> None:
    # a point whose x is in [n, p): ecrecover takes r < n only
    x = next(
        x
        for x in range(GROUP_ORDER, GROUP_ORDER + 100)
        if pow((x**3 + 7) % P_FIELD, (P_FIELD - 1) // 2, P_FIELD) == 1
    )
    peer = b"\x02" + x.to_bytes(32, "big")
    assert len(ecdh_secp256k1(b"\x05" * 32, peer)) == 32  # the key agreement itself works
    with pytest.raises(InvalidKeyError, match=r"P\.x >= n"):
        ecrecover_inputs(b"\x05" * 32, peer)


# -- the Foundry test's vectors -------------------------------------------------------------------------


def _solidity() -> str:
    return SOLIDITY_TEST.read_text()


def _hex_constant(source: str, name: str) -> bytes:
    match = re.search(rf"bytes internal constant {name} =\s*((?:hex\"[0-9a-f]*\"\s*)+);", source)
    assert match, name
    return bytes.fromhex("".join(re.findall(r'hex"([0-9a-f]*)"', match.group(1))))


def test_foundry_mask_vectors_are_ours() -> None:
    source = _solidity()
    seed = sha256(b"fedchain/checkable/kat/seed")
    assert f"bytes32 internal constant SEED = 0x{seed.hex()};" in source
    for prefix, mask in (("KECCAK", keccak_mask), ("SHA256", sha256_mask)):
        for tag, offset in (("ALIGNED", 1792), ("UNALIGNED", 123461)):
            assert f"uint256 internal constant {tag} = {offset};" in source
            expected = _hex_constant(source, f"{prefix}_{tag}")
            assert expected == mask(seed, 256, offset).astype(">u4").tobytes()


def test_foundry_multiplication_vectors_are_ours() -> None:
    source = _solidity()
    bodies = re.findall(r"// vector (\d+): P\.y (even|odd).*?return Mul\(\{(.*?)\}\);", source, re.S)
    assert [parity for _, parity, _ in bodies] == ["even", "odd"]
    for index, parity, body in bodies:
        fields = dict(re.findall(r"(\w+): (0x[0-9a-f]+|\d+|true|false)", body))
        i = int(index)
        k = sha256(b"fedchain/checkable/kat/k/%d" % i)
        peer = public_key(sha256(b"fedchain/checkable/kat/peer/%d" % i))
        px, py = PublicKey(peer).point()
        qx, qy = ecdh_point(k, peer)
        v, r, s = ecrecover_inputs(k, peer)
        assert (py & 1) == (parity == "odd") and fields["pyOdd"] == ("true" if py & 1 else "false")
        assert int(fields["k"], 16) == int.from_bytes(k, "big")
        assert int(fields["px"], 16) == px == r
        assert (int(fields["qx"], 16), int(fields["qy"], 16)) == (qx, qy)
        assert int(fields["v"]) == v and int(fields["s"], 16) == s
        # the first index with that parity, as the file says
        for earlier in range(i):
            other = PublicKey(public_key(sha256(b"fedchain/checkable/kat/peer/%d" % earlier))).point()
            assert (other[1] & 1) != (py & 1)
