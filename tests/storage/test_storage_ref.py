"""ContentRef: validation, serialisation and the chain's bytes32 view."""

from __future__ import annotations

import hashlib
import json

import pytest

from fedchain.exceptions import ConfigError, InvalidLocatorError
from fedchain.storage import (
    DIGEST_SIZE,
    MAX_LOCATOR_LENGTH,
    ContentRef,
    check_locator,
    parse_digest_hex,
    sha256_digest,
)

DIGEST = hashlib.sha256(b"abc").digest()
LOCATOR = "fedchain-local://sha256/" + DIGEST.hex()


@pytest.mark.parametrize(
    ("message", "expected_hex"),
    [  # FIPS 180-2 test vectors
        (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
    ],
)
def test_sha256_digest_matches_the_standard_vectors(message: bytes, expected_hex: str) -> None:
    assert sha256_digest(message).hex() == expected_hex


def test_a_reference_exposes_its_digest_as_hex_and_as_bytes32() -> None:
    ref = ContentRef(DIGEST, 3, LOCATOR)
    assert ref.digest_hex == DIGEST.hex()
    assert ref.bytes32 == DIGEST
    assert len(ref.bytes32) == DIGEST_SIZE == 32


def test_a_reference_is_frozen_and_hashable() -> None:
    ref = ContentRef(DIGEST, 3, LOCATOR)
    with pytest.raises(AttributeError):
        ref.size = 4  # type: ignore[misc]
    assert {ref, ContentRef(DIGEST, 3, LOCATOR)} == {ref}


def test_json_form_is_canonical_and_round_trips() -> None:
    ref = ContentRef(DIGEST, 3, LOCATOR)
    text = ref.to_json()
    assert text == f'{{"locator":"{LOCATOR}","sha256":"{DIGEST.hex()}","size":3}}'
    assert ContentRef.from_json(text) == ref
    assert ContentRef.from_json(text.encode()) == ref
    assert ContentRef.from_dict(ref.to_dict()) == ref


def test_from_dict_accepts_a_0x_prefixed_digest() -> None:
    ref = ContentRef.from_dict({"locator": LOCATOR, "sha256": "0x" + DIGEST.hex(), "size": 3})
    assert ref.sha256 == DIGEST


@pytest.mark.parametrize("digest", [b"", bytes(31), bytes(33), DIGEST.hex(), bytearray(32), None], ids=repr)
def test_the_digest_must_be_32_bytes(digest: object) -> None:
    with pytest.raises(ConfigError):
        ContentRef(digest, 3, LOCATOR)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [-1, 1.0, "3", True, None])
def test_the_size_must_be_a_non_negative_int(size: object) -> None:
    with pytest.raises(ConfigError):
        ContentRef(DIGEST, size, LOCATOR)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "locator",
    [
        "",
        " ",
        "a b",
        "line\nbreak",
        "nul\x00",
        "caf\u00e9",
        "x" * (MAX_LOCATOR_LENGTH + 1),
        None,
        7,
    ],
    ids=repr,
)
def test_the_locator_must_be_printable_ascii_without_whitespace(locator: object) -> None:
    with pytest.raises(InvalidLocatorError):
        ContentRef(DIGEST, 3, locator)  # type: ignore[arg-type]
    with pytest.raises(InvalidLocatorError):
        check_locator(locator)


def test_the_longest_locator_is_accepted() -> None:
    assert check_locator("x" * MAX_LOCATOR_LENGTH) == "x" * MAX_LOCATOR_LENGTH


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        "null",
        json.dumps({"sha256": DIGEST.hex(), "size": 3}),
        json.dumps({"locator": LOCATOR, "sha256": DIGEST.hex(), "size": 3, "extra": 1}),
        json.dumps({"locator": LOCATOR, "sha256": DIGEST.hex().upper(), "size": 3}),
        json.dumps({"locator": LOCATOR, "sha256": DIGEST.hex()[:-2], "size": 3}),
        json.dumps({"locator": LOCATOR, "sha256": 5, "size": 3}),
        json.dumps({"locator": LOCATOR, "sha256": DIGEST.hex(), "size": -3}),
    ],
)
def test_from_json_refuses_anything_but_a_well_formed_reference(text: str) -> None:
    with pytest.raises(ConfigError):
        ContentRef.from_json(text)


@pytest.mark.parametrize("text", ["", "0x", "zz" * 32, "0X" + "00" * 32, "00" * 31, b"00" * 32])
def test_parse_digest_hex_refuses_malformed_hex(text: object) -> None:
    with pytest.raises(ConfigError):
        parse_digest_hex(text)
