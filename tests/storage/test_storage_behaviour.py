"""The behaviour every blob store shares, run against each backend (web3.py's module_testing)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fedchain.exceptions import (
    BlobIntegrityError,
    BlobNotFoundError,
    BlobTooLargeError,
    ConfigError,
    InvalidLocatorError,
    StorageError,
)
from fedchain.storage import DEFAULT_MAX_BLOB_SIZE, BlobStore, ContentRef

StoreFactory = Callable[..., BlobStore]
Tamper = Callable[[BlobStore, ContentRef, bytes], None]

PAYLOAD = b"global model v0 \x00\xff" * 10


# -- round trip and idempotence ---------------------------------------------------------------


def test_put_returns_the_digest_size_and_a_locator_that_get_resolves(store: BlobStore) -> None:
    ref = store.put(PAYLOAD)
    assert ref.sha256 == hashlib.sha256(PAYLOAD).digest()
    assert ref.size == len(PAYLOAD)
    assert ref.bytes32 == ref.sha256
    assert ref.locator.endswith("://sha256/" + ref.digest_hex)
    assert store.get(ref) == PAYLOAD


def test_ref_for_computes_the_put_reference_without_storing(store: BlobStore) -> None:
    ref = store.ref_for(PAYLOAD)
    assert not store.exists(ref)
    assert store.put(PAYLOAD) == ref
    assert store.exists(ref)


def test_put_of_identical_bytes_is_idempotent(store: BlobStore) -> None:
    first = store.put(PAYLOAD)
    second = store.put(bytes(PAYLOAD))
    assert first == second
    assert store.get(second) == PAYLOAD


def test_distinct_blobs_get_distinct_references(store: BlobStore) -> None:
    one, two = store.put(b"one"), store.put(b"two")
    assert one.locator != two.locator
    assert (store.get(one), store.get(two)) == (b"one", b"two")


def test_the_empty_blob_is_a_valid_blob(store: BlobStore) -> None:
    ref = store.put(b"")
    assert ref.size == 0
    assert store.get(ref) == b""


@pytest.mark.parametrize("wrap", [bytearray, memoryview], ids=["bytearray", "memoryview"])
def test_put_accepts_bytes_like_input(store: BlobStore, wrap: Callable[[bytes], object]) -> None:
    ref = store.put(wrap(PAYLOAD))  # type: ignore[arg-type]
    assert ref == store.ref_for(PAYLOAD)
    assert store.get(ref) == PAYLOAD


@pytest.mark.parametrize("value", ["text", 42, None, [1, 2]])
def test_put_refuses_non_bytes(store: BlobStore, value: object) -> None:
    with pytest.raises(ConfigError):
        store.put(value)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096))
def test_get_of_put_returns_the_same_bytes(store: BlobStore, data: bytes) -> None:
    ref = store.put(data)
    assert store.get(ref) == data
    assert store.get_by_locator(ref.locator, ref.sha256) == data
    assert ref == store.ref_for(data)


# -- verification on read ---------------------------------------------------------------------


def test_get_refuses_a_reference_whose_digest_differs(store: BlobStore) -> None:
    ref = store.put(PAYLOAD)
    wrong = ContentRef(hashlib.sha256(b"other").digest(), ref.size, ref.locator)
    with pytest.raises(BlobIntegrityError):
        store.get(wrong)


@pytest.mark.parametrize("delta", [-1, 1, 1000])
def test_get_refuses_a_reference_whose_size_differs(store: BlobStore, delta: int) -> None:
    ref = store.put(PAYLOAD)
    with pytest.raises(BlobIntegrityError):
        store.get(ContentRef(ref.sha256, ref.size + delta, ref.locator))


def test_get_of_a_missing_blob_raises_not_found(store: BlobStore) -> None:
    ref = store.ref_for(b"never stored")
    with pytest.raises(BlobNotFoundError) as info:
        store.get(ref)
    assert isinstance(info.value, KeyError)
    assert ref.locator in str(info.value)


@pytest.mark.parametrize(
    "stored",
    [
        pytest.param(PAYLOAD[:-1], id="truncated"),
        pytest.param(PAYLOAD + b"\x00", id="extended"),
        pytest.param(b"X" + PAYLOAD[1:], id="one-byte-changed"),
        pytest.param(b"", id="emptied"),
        pytest.param(b"other blob", id="replaced"),
    ],
)
def test_get_refuses_bytes_tampered_with_in_storage(store: BlobStore, tamper: Tamper, stored: bytes) -> None:
    ref = store.put(PAYLOAD)
    tamper(store, ref, stored)
    with pytest.raises(BlobIntegrityError):
        store.get(ref)
    with pytest.raises(BlobIntegrityError):
        store.get_by_locator(ref.locator, ref.sha256)


def test_put_repairs_a_damaged_blob(store: BlobStore, tamper: Tamper) -> None:
    ref = store.put(PAYLOAD)
    tamper(store, ref, PAYLOAD[:3])
    assert store.put(PAYLOAD) == ref
    assert store.get(ref) == PAYLOAD


def test_integrity_errors_carry_no_detail_about_the_stored_bytes(store: BlobStore, tamper: Tamper) -> None:
    ref = store.put(PAYLOAD)
    tamper(store, ref, b"attacker bytes")
    with pytest.raises(BlobIntegrityError) as info:
        store.get(ref)
    message = str(info.value)
    assert hashlib.sha256(b"attacker bytes").hexdigest() not in message
    assert str(len(b"attacker bytes")) not in message


# -- size limits ------------------------------------------------------------------------------


def test_default_size_limit(store: BlobStore) -> None:
    assert store.max_blob_size == DEFAULT_MAX_BLOB_SIZE == 256 * 1024 * 1024


def test_put_accepts_a_blob_of_exactly_the_limit(make_store: StoreFactory) -> None:
    store = make_store(max_blob_size=16)
    assert store.get(store.put(b"x" * 16)) == b"x" * 16


def test_put_refuses_an_oversized_blob_before_storing_anything(make_store: StoreFactory) -> None:
    store = make_store(max_blob_size=16)
    with pytest.raises(BlobTooLargeError):
        store.put(b"x" * 17)
    assert not store.exists(store.ref_for(b"x" * 17))


def test_get_refuses_a_reference_larger_than_the_limit(make_store: StoreFactory) -> None:
    store = make_store(max_blob_size=16)
    ref = store.ref_for(b"x" * 17)
    with pytest.raises(BlobTooLargeError):
        store.get(ref)


@pytest.mark.parametrize("limit", [0, -1, 1.5, "10", True, None])
def test_an_invalid_size_limit_is_a_config_error(make_store: StoreFactory, limit: object) -> None:
    with pytest.raises(ConfigError):
        make_store(max_blob_size=limit)


def test_storage_errors_share_one_root() -> None:
    for error in (BlobIntegrityError, BlobNotFoundError, BlobTooLargeError, InvalidLocatorError):
        assert issubclass(error, StorageError)


# -- locators ---------------------------------------------------------------------------------

BAD_LOCATORS = [
    "fedchain-local://sha256/" + "AB" * 32,  # upper-case hex is not canonical
    "fedchain-memory://sha256/" + "ab" * 31,  # too short
    "fedchain-local://sha256/" + "ab" * 33,  # too long
    "fedchain-local://sha256/../../../etc/passwd",
    "fedchain-local://sha1/" + "ab" * 20,
    "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
    "s3://bucket/key",
    "/tmp/blob",
]


@pytest.mark.parametrize("locator", BAD_LOCATORS)
def test_get_by_locator_refuses_a_locator_the_store_cannot_resolve(store: BlobStore, locator: str) -> None:
    with pytest.raises(InvalidLocatorError):
        store.get_by_locator(locator, bytes(32))
    with pytest.raises(InvalidLocatorError):
        store.exists(ContentRef(bytes(32), 0, locator))


@pytest.mark.parametrize("locator", ["", "has space", "tab\there", "\u00e9", "x" * 2049])
def test_a_malformed_locator_is_refused_when_the_reference_is_built(locator: str) -> None:
    with pytest.raises(InvalidLocatorError):
        ContentRef(bytes(32), 0, locator)


def test_a_store_refuses_the_other_backends_locators(make_store: StoreFactory) -> None:
    from fedchain.storage import LocalDirectoryStore, MemoryStore

    store = make_store()
    digest = hashlib.sha256(PAYLOAD).digest()
    other = MemoryStore() if isinstance(store, LocalDirectoryStore) else LocalDirectoryStore(".")
    with pytest.raises(InvalidLocatorError):
        store.get(ContentRef(digest, len(PAYLOAD), other.locator_for(digest)))


def test_get_by_locator_with_the_on_chain_pair(store: BlobStore) -> None:
    ref = store.put(PAYLOAD)
    assert store.get_by_locator(ref.locator, ref.bytes32) == PAYLOAD
    assert store.get_by_locator(ref.locator, ref.bytes32, ref.size) == PAYLOAD


def test_get_by_locator_refuses_a_hash_that_does_not_match_the_locator(store: BlobStore) -> None:
    honest, other = store.put(PAYLOAD), store.put(b"other")
    with pytest.raises(BlobIntegrityError):
        store.get_by_locator(other.locator, honest.bytes32)
    with pytest.raises(BlobIntegrityError):
        store.get_by_locator(other.locator, honest.bytes32, honest.size)


@pytest.mark.parametrize("digest", [b"", bytes(31), bytes(33), "00" * 32])
def test_get_by_locator_refuses_a_digest_that_is_not_32_bytes(store: BlobStore, digest: object) -> None:
    ref = store.put(PAYLOAD)
    with pytest.raises(ConfigError):
        store.get_by_locator(ref.locator, digest)  # type: ignore[arg-type]


def test_get_refuses_what_is_not_a_content_ref(store: BlobStore) -> None:
    with pytest.raises(ConfigError):
        store.get("fedchain-local://sha256/" + "00" * 32)  # type: ignore[arg-type]


def test_exists_refuses_what_is_not_a_content_ref(store: BlobStore) -> None:
    with pytest.raises(ConfigError):
        store.exists("fedchain-local://sha256/" + "00" * 32)  # type: ignore[arg-type]
