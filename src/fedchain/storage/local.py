"""The default blob store: one file per blob in a local directory.

Layout and locator
------------------
A blob with SHA-256 digest ``<hex>`` (64 lowercase hex characters) lives at::

    <root>/sha256/<hex[0:2]>/<hex[2:4]>/<hex>

and its locator is ``fedchain-local://sha256/<hex>``. The locator names the blob by digest only,
not by directory, so every ``LocalDirectoryStore`` resolves it against its own root (a directory
can be copied or shared between machines without rewriting any on-chain locator).

Writes are atomic: bytes go to a temporary file in the blob's own directory, are flushed and
fsync'd, then moved into place with :func:`os.replace`. A crash leaves either the whole blob or no
blob, never a half-written one (at worst an orphan ``.*.tmp`` file, which no locator names).
Blob files are created readable by their owner only (mode 0600, as :func:`tempfile.mkstemp` makes
them): a plain-mode update is visible to whoever can read the store, so nobody else can by default.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Final

from fedchain.exceptions import BlobNotFoundError, ConfigError, InvalidLocatorError, StorageError
from fedchain.storage.base import DEFAULT_MAX_BLOB_SIZE, BlobStore

LOCAL_SCHEME: Final = "fedchain-local"
"""URI scheme of :class:`LocalDirectoryStore` locators."""

_LOCATOR_RE: Final = re.compile(r"fedchain-local://sha256/([0-9a-f]{64})")


class LocalDirectoryStore(BlobStore):
    """Content-addressed blobs stored as files under ``root``.

    Parameters
    ----------
    root
        Directory holding the blobs; created on the first :meth:`put` if missing.
    max_blob_size
        Largest blob, in bytes, the store accepts.

    Raises
    ------
    ConfigError
        If ``root`` exists and is not a directory, or ``max_blob_size`` is not a positive int.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     store = LocalDirectoryStore(tmp)
    ...     ref = store.put(b"weights")
    ...     print(ref.locator.startswith("fedchain-local://sha256/"), store.get(ref))
    True b'weights'
    """

    def __init__(self, root: str | os.PathLike[str], max_blob_size: int = DEFAULT_MAX_BLOB_SIZE) -> None:
        super().__init__(max_blob_size)
        self._root = Path(root)
        if self._root.exists() and not self._root.is_dir():
            raise ConfigError(f"store root {str(self._root)!r} is not a directory")

    @property
    def root(self) -> Path:
        """The directory holding the blobs."""
        return self._root

    def __repr__(self) -> str:
        return f"LocalDirectoryStore({str(self._root)!r}, max_blob_size={self.max_blob_size})"

    def locator_for(self, digest: bytes) -> str:
        """Return ``fedchain-local://sha256/<hex>`` for a 32-byte ``digest``."""
        return f"{LOCAL_SCHEME}://sha256/{digest.hex()}"

    def path_for(self, locator: str) -> Path:
        """Return the file path a locator maps to (whether or not the blob exists).

        Raises
        ------
        InvalidLocatorError
            If ``locator`` is not ``fedchain-local://sha256/<64 lowercase hex>``.
        """
        match = _LOCATOR_RE.fullmatch(locator) if isinstance(locator, str) else None
        if match is None:
            raise InvalidLocatorError("not a fedchain-local://sha256/<64 lowercase hex> locator")
        hex_digest = match.group(1)
        return self._root / "sha256" / hex_digest[:2] / hex_digest[2:4] / hex_digest

    # -- backend primitives --------------------------------------------------------------------

    def _check_store_locator(self, locator: str) -> None:
        self.path_for(locator)

    def _write(self, locator: str, data: bytes) -> None:
        path = self.path_for(locator)
        if _holds(path, data):
            return  # idempotent: the same bytes are already in place
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(path, data)
        except OSError as exc:
            raise StorageError(f"could not write blob {path.name}: {exc.strerror}") from exc

    def _read(self, locator: str, limit: int) -> bytes:
        path = self.path_for(locator)
        try:
            with path.open("rb") as handle:
                return handle.read(limit)
        except FileNotFoundError:
            raise BlobNotFoundError(f"no blob for {locator}") from None
        except OSError as exc:
            raise StorageError(f"could not read blob {path.name}: {exc.strerror}") from exc

    def _contains(self, locator: str) -> bool:
        return self.path_for(locator).is_file()


def _holds(path: Path, data: bytes) -> bool:
    """Return whether ``path`` already holds exactly ``data`` (a damaged copy does not count)."""
    try:
        with path.open("rb") as handle:
            existing = handle.read(len(data) + 1)
    except OSError:
        return False
    return existing == data


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old file or all of ``data``."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:16]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["LOCAL_SCHEME", "LocalDirectoryStore"]
