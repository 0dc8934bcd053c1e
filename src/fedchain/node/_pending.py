"""Updates a member committed to and has not revealed yet: kept private, published only at reveal.

A member commits to ``keccak(..., updateHash, ..., salt)`` in the commit phase and reveals the hash and the
blob's locator in the reveal phase, which opens only once the commit phase has closed. If the blob were in the
shared store from commit time on, a free rider could read a peer's update there, commit to the same hash and
be paid as much. So at commit time the node only computes the encoded bytes' reference
(:meth:`~fedchain.storage.BlobStore.ref_for`: the hash and locator :meth:`~fedchain.storage.BlobStore.put`
will give them, without storing anything) and keeps the bytes in a folder of its own next to its state file
(``<state>.pending/<sha256 hex>``, folder mode 0700, files 0600, written atomically before the commit
transaction). It publishes them (``store.put``) right before its reveal transaction; a node that crashed
between commit and reveal finds the very bytes it committed to and reveals them. The copy is deleted once
the round is settled.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from fedchain.chain._files import atomic_write_bytes
from fedchain.exceptions import BlobIntegrityError, BlobNotFoundError, BlobTooLargeError, InvalidLocatorError
from fedchain.node.errors import NodeStateError
from fedchain.storage import BlobStore, ContentRef, sha256_digest

PENDING_SUFFIX = ".pending"
"""The pending folder of state file ``node.json`` is ``node.json.pending``."""


class PendingBlobs:
    """A node's committed, unpublished blobs, by digest, in the folder beside its state file."""

    def __init__(self, state_path: Path) -> None:
        self.root = state_path.with_name(state_path.name + PENDING_SUFFIX)

    def path_for(self, ref: ContentRef) -> Path:
        return self.root / ref.digest_hex

    def keep(self, store: BlobStore, data: bytes) -> ContentRef:
        """Keep ``data`` privately and return the reference ``store.put`` will give it at reveal.

        Raises
        ------
        BlobTooLargeError
            If the store would refuse the blob (nothing to commit to that could be revealed).
        NodeStateError
            If the bytes cannot be written.
        """
        ref = store.ref_for(data)
        if ref.size > store.max_blob_size:
            raise BlobTooLargeError(
                f"blob of {ref.size} bytes exceeds the store limit of {store.max_blob_size}"
            )
        try:
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            atomic_write_bytes(self.path_for(ref), data, mode=0o600)
        except OSError as exc:
            raise NodeStateError(f"cannot keep the committed update in {self.root}: {exc.strerror}") from exc
        return ref

    def publish(self, store: BlobStore, ref: ContentRef) -> None:
        """Put the kept bytes of ``ref`` into ``store`` (before revealing them).

        A blob no longer kept but already in the store (published before a crash, or by an older node that
        stored updates at commit time) is fine.

        Raises
        ------
        NodeStateError
            If the bytes committed to are neither kept intact here nor in the store.
        """
        path = self.path_for(ref)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = None
        except OSError as exc:
            raise NodeStateError(f"cannot read the committed update {path}: {exc.strerror}") from exc
        if data is not None and sha256_digest(data) == ref.sha256:
            store.put(data)
            return
        try:
            store.get(ref)
        except (BlobNotFoundError, BlobIntegrityError, BlobTooLargeError, InvalidLocatorError):
            damaged = "is altered" if data is not None else "is missing"
            raise NodeStateError(
                f"the update committed to ({ref.digest_hex[:16]}) {damaged} in {self.root} and is not in the "
                "store: it cannot be revealed"
            ) from None

    def forget(self, ref: ContentRef) -> None:
        """Delete the kept copy of ``ref`` (published, or its round is over); the folder too once empty."""
        with contextlib.suppress(OSError):
            self.path_for(ref).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.root.rmdir()  # only succeeds when empty
