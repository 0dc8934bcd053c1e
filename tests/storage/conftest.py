"""Fixtures for the storage tests: every behaviour test runs against each backend."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fedchain.storage import BlobStore, ContentRef, LocalDirectoryStore, MemoryStore

StoreFactory = Callable[..., BlobStore]

BACKENDS = ("memory", "local")


@pytest.fixture(params=BACKENDS)
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """Build a store of the parametrized backend; keyword arguments go to its constructor."""

    def factory(**kwargs: int) -> BlobStore:
        if request.param == "memory":
            return MemoryStore(**kwargs)
        return LocalDirectoryStore(tmp_path / "blobs", **kwargs)

    return factory


@pytest.fixture
def store(make_store: StoreFactory) -> BlobStore:
    """A store of the parametrized backend with the default size limit."""
    return make_store()


def _overwrite_stored(store: BlobStore, ref: ContentRef, data: bytes) -> None:
    if isinstance(store, LocalDirectoryStore):
        store.path_for(ref.locator).write_bytes(data)
    elif isinstance(store, MemoryStore):
        store._blobs[ref.locator] = data
    else:  # pragma: no cover - a new backend must teach this helper how to tamper
        raise NotImplementedError(type(store).__name__)


@pytest.fixture
def tamper() -> Callable[[BlobStore, ContentRef, bytes], None]:
    """Return a function replacing the bytes a store holds for a ref behind the store's back."""
    return _overwrite_stored
