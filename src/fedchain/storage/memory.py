"""An in-memory blob store for tests and simulations.

Locators have the form ``fedchain-memory://sha256/<hex>``. Blobs live in a dict owned by the store
and disappear with it; behaviour is otherwise that of :class:`~fedchain.storage.LocalDirectoryStore`
(the same behaviour suite runs against both).
"""

from __future__ import annotations

import re
import threading
from typing import Final

from fedchain.exceptions import BlobNotFoundError, InvalidLocatorError
from fedchain.storage.base import DEFAULT_MAX_BLOB_SIZE, BlobStore

MEMORY_SCHEME: Final = "fedchain-memory"
"""URI scheme of :class:`MemoryStore` locators."""

_LOCATOR_RE: Final = re.compile(r"fedchain-memory://sha256/[0-9a-f]{64}")


class MemoryStore(BlobStore):
    """Content-addressed blobs kept in a dict; thread-safe.

    Parameters
    ----------
    max_blob_size
        Largest blob, in bytes, the store accepts.

    Examples
    --------
    >>> store = MemoryStore()
    >>> ref = store.put(b"update")
    >>> store.exists(ref), store.get(ref)
    (True, b'update')
    """

    def __init__(self, max_blob_size: int = DEFAULT_MAX_BLOB_SIZE) -> None:
        super().__init__(max_blob_size)
        self._blobs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryStore(max_blob_size={self.max_blob_size}, blobs={len(self._blobs)})"

    def __len__(self) -> int:
        return len(self._blobs)

    def locator_for(self, digest: bytes) -> str:
        """Return ``fedchain-memory://sha256/<hex>`` for a 32-byte ``digest``."""
        return f"{MEMORY_SCHEME}://sha256/{digest.hex()}"

    def _check_store_locator(self, locator: str) -> None:
        if not isinstance(locator, str) or _LOCATOR_RE.fullmatch(locator) is None:
            raise InvalidLocatorError("not a fedchain-memory://sha256/<64 lowercase hex> locator")

    def _write(self, locator: str, data: bytes) -> None:
        with self._lock:
            self._blobs[locator] = data  # bytes are immutable: no defensive copy needed

    def _read(self, locator: str, limit: int) -> bytes:
        with self._lock:
            blob = self._blobs.get(locator)
        if blob is None:
            raise BlobNotFoundError(f"no blob for {locator}")
        return blob[:limit]

    def _contains(self, locator: str) -> bool:
        with self._lock:
            return locator in self._blobs


__all__ = ["MEMORY_SCHEME", "MemoryStore"]
