"""Content-addressed blob storage.

Blobs (models, updates, key shares) are stored off-chain and named by their SHA-256 digest; the
chain records the digest as a ``bytes32`` hash next to a locator string. :meth:`BlobStore.get`
refuses any bytes whose size or digest differs from the reference.

Examples
--------
>>> from fedchain.storage import MemoryStore
>>> store = MemoryStore()
>>> ref = store.put(b"global model v0")
>>> store.get(ref)
b'global model v0'
>>> len(ref.bytes32)
32
"""

from fedchain.exceptions import (
    BlobIntegrityError,
    BlobNotFoundError,
    BlobTooLargeError,
    InvalidLocatorError,
    StorageError,
)
from fedchain.storage._ref import (
    DIGEST_SIZE,
    MAX_LOCATOR_LENGTH,
    ContentRef,
    check_locator,
    parse_digest_hex,
    sha256_digest,
)
from fedchain.storage.base import DEFAULT_MAX_BLOB_SIZE, BlobStore
from fedchain.storage.local import LOCAL_SCHEME, LocalDirectoryStore
from fedchain.storage.memory import MEMORY_SCHEME, MemoryStore

__all__ = [
    "DEFAULT_MAX_BLOB_SIZE",
    "DIGEST_SIZE",
    "LOCAL_SCHEME",
    "MAX_LOCATOR_LENGTH",
    "MEMORY_SCHEME",
    "BlobIntegrityError",
    "BlobNotFoundError",
    "BlobStore",
    "BlobTooLargeError",
    "ContentRef",
    "InvalidLocatorError",
    "LocalDirectoryStore",
    "MemoryStore",
    "StorageError",
    "check_locator",
    "parse_digest_hex",
    "sha256_digest",
]
