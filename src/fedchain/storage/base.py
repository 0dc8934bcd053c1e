"""The blob store interface every backend implements.

A backend (local directory, memory, later IPFS or S3) only moves bytes: it writes a blob under a
locator, reads at most ``limit`` bytes back, and says which locators it owns. Everything that
decides whether bytes may be trusted (size limits, digest and size checks) lives here, once, so all
backends behave the same way — the pattern of httpx's ``BaseTransport``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Final

from fedchain.exceptions import (
    BlobIntegrityError,
    BlobTooLargeError,
    ConfigError,
)
from fedchain.storage._ref import ContentRef, sha256_digest

DEFAULT_MAX_BLOB_SIZE: Final = 256 * 1024 * 1024
"""Largest blob a store accepts unless configured otherwise: 256 MiB."""

_INTEGRITY_MESSAGE: Final = "stored bytes do not match the reference"


class BlobStore(ABC):
    """A content-addressed blob store.

    Subclasses implement :meth:`locator_for`, :meth:`_check_store_locator`, :meth:`_write`,
    :meth:`_read` and :meth:`_contains`; the public methods here are shared by every backend.

    Parameters
    ----------
    max_blob_size
        Largest blob, in bytes, that :meth:`put` stores and :meth:`get` returns.

    Raises
    ------
    ConfigError
        If ``max_blob_size`` is not a positive int.
    """

    def __init__(self, max_blob_size: int = DEFAULT_MAX_BLOB_SIZE) -> None:
        if type(max_blob_size) is not int or max_blob_size <= 0:
            raise ConfigError(f"max_blob_size must be a positive int, not {max_blob_size!r}")
        self._max_blob_size = max_blob_size

    @property
    def max_blob_size(self) -> int:
        """Largest blob, in bytes, this store accepts."""
        return self._max_blob_size

    # -- backend primitives --------------------------------------------------------------------

    @abstractmethod
    def locator_for(self, digest: bytes) -> str:
        """Return the locator under which this store keeps the blob with SHA-256 ``digest``."""

    @abstractmethod
    def _check_store_locator(self, locator: str) -> None:
        """Raise :class:`InvalidLocatorError` unless this store can resolve ``locator``."""

    @abstractmethod
    def _write(self, locator: str, data: bytes) -> None:
        """Store ``data`` under ``locator`` atomically; storing identical bytes again is a no-op."""

    @abstractmethod
    def _read(self, locator: str, limit: int) -> bytes:
        """Return the blob under ``locator``, reading at most ``limit`` bytes.

        Raises :class:`BlobNotFoundError` when nothing is stored under ``locator``.
        """

    @abstractmethod
    def _contains(self, locator: str) -> bool:
        """Return whether a blob is stored under ``locator``."""

    # -- public API ----------------------------------------------------------------------------

    def ref_for(self, data: bytes) -> ContentRef:
        """Return the reference :meth:`put` would return for ``data``, without storing anything.

        Examples
        --------
        >>> from fedchain.storage import MemoryStore
        >>> store = MemoryStore()
        >>> store.ref_for(b"abc") == store.put(b"abc")
        True
        """
        data = _as_bytes(data)
        digest = sha256_digest(data)
        return ContentRef(digest, len(data), self.locator_for(digest))

    def put(self, data: bytes) -> ContentRef:
        """Store ``data`` and return its reference. Storing the same bytes twice is harmless.

        Raises
        ------
        BlobTooLargeError
            If ``data`` is longer than :attr:`max_blob_size`; nothing is written.
        StorageError
            If the backend fails; no partial blob is left behind.

        Examples
        --------
        >>> from fedchain.storage import MemoryStore
        >>> store = MemoryStore()
        >>> ref = store.put(b"model bytes")
        >>> store.get(ref)
        b'model bytes'
        """
        data = _as_bytes(data)
        if len(data) > self._max_blob_size:
            raise BlobTooLargeError(
                f"blob of {len(data)} bytes exceeds the store limit of {self._max_blob_size}"
            )
        ref = self.ref_for(data)
        self._write(ref.locator, data)
        return ref

    def get(self, ref: ContentRef) -> bytes:
        """Return the blob ``ref`` names, after checking its size and SHA-256 digest.

        Raises
        ------
        InvalidLocatorError
            If this store cannot resolve ``ref.locator``.
        BlobNotFoundError
            If no blob is stored under ``ref.locator``.
        BlobTooLargeError
            If ``ref.size`` exceeds :attr:`max_blob_size` (nothing is read).
        BlobIntegrityError
            If the stored bytes are shorter, longer or different from what ``ref`` describes.
        """
        if not isinstance(ref, ContentRef):
            raise ConfigError(f"expected a ContentRef, not {type(ref).__name__}")
        return self._fetch(ref.locator, ref.sha256, ref.size)

    def get_by_locator(self, locator: str, sha256: bytes, size: int | None = None) -> bytes:
        """Return the blob under ``locator`` if it hashes to ``sha256`` (and has ``size`` bytes).

        Use this when only the on-chain pair (hash, locator) is known. Without ``size`` the read
        is bounded by :attr:`max_blob_size`.

        Raises
        ------
        ConfigError
            If ``sha256`` is not 32 bytes or ``size`` is negative.
        InvalidLocatorError, BlobNotFoundError, BlobTooLargeError, BlobIntegrityError
            As for :meth:`get`.

        Examples
        --------
        >>> from fedchain.storage import MemoryStore
        >>> store = MemoryStore()
        >>> ref = store.put(b"update")
        >>> store.get_by_locator(ref.locator, ref.bytes32)
        b'update'
        """
        if size is not None:
            return self.get(ContentRef(sha256, size, locator))
        ContentRef(sha256, 0, locator)  # validates the digest and the locator's form only
        return self._fetch(locator, sha256, None)

    def exists(self, ref: ContentRef) -> bool:
        """Return whether a blob is stored under ``ref.locator``.

        This neither reads nor verifies the blob; :meth:`get` does.

        Raises
        ------
        InvalidLocatorError
            If this store cannot resolve ``ref.locator``.
        """
        if not isinstance(ref, ContentRef):
            raise ConfigError(f"expected a ContentRef, not {type(ref).__name__}")
        self._check_store_locator(ref.locator)
        return self._contains(ref.locator)

    # -- shared verification -------------------------------------------------------------------

    def _fetch(self, locator: str, digest: bytes, size: int | None) -> bytes:
        self._check_store_locator(locator)
        if size is not None and size > self._max_blob_size:
            raise BlobTooLargeError(f"reference size {size} exceeds the store limit of {self._max_blob_size}")
        # Read one byte more than allowed, so an oversized stored blob is detected, not cut.
        limit = (self._max_blob_size if size is None else size) + 1
        data = self._read(locator, limit)
        if size is None and len(data) > self._max_blob_size:
            raise BlobTooLargeError(f"stored blob exceeds the store limit of {self._max_blob_size}")
        if (size is not None and len(data) != size) or sha256_digest(data) != digest:
            raise BlobIntegrityError(_INTEGRITY_MESSAGE)
        return data


def _as_bytes(data: object) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise ConfigError(f"blob data must be bytes, not {type(data).__name__}")


__all__ = ["DEFAULT_MAX_BLOB_SIZE", "BlobStore"]
