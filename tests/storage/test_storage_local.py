"""LocalDirectoryStore: on-disk layout, atomic writes, and refusal of tampered files."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from fedchain.exceptions import BlobIntegrityError, ConfigError, InvalidLocatorError, StorageError
from fedchain.storage import LOCAL_SCHEME, LocalDirectoryStore

PAYLOAD = b"weights \x00\x01\x02" * 100


def all_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def test_blobs_live_under_a_two_level_fan_out(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)
    ref = store.put(PAYLOAD)
    hex_digest = hashlib.sha256(PAYLOAD).hexdigest()
    expected = tmp_path / "sha256" / hex_digest[:2] / hex_digest[2:4] / hex_digest
    assert all_files(tmp_path) == [expected]
    assert expected.read_bytes() == PAYLOAD
    assert store.path_for(ref.locator) == expected


def test_the_locator_names_the_digest_only(tmp_path: Path) -> None:
    ref = LocalDirectoryStore(tmp_path).put(PAYLOAD)
    assert LOCAL_SCHEME == "fedchain-local"
    assert ref.locator == "fedchain-local://sha256/" + hashlib.sha256(PAYLOAD).hexdigest()


def test_a_copied_directory_resolves_the_same_locators(tmp_path: Path) -> None:
    ref = LocalDirectoryStore(tmp_path / "a").put(PAYLOAD)
    (tmp_path / "a").rename(tmp_path / "b")
    assert LocalDirectoryStore(tmp_path / "b").get(ref) == PAYLOAD


def test_the_root_is_created_on_first_put(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path / "deep" / "er")
    assert not store.root.exists()
    store.put(b"x")
    assert store.root.is_dir()


def test_a_root_that_is_a_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(ConfigError):
        LocalDirectoryStore(tmp_path / "file")


def test_idempotent_put_does_not_rewrite_an_intact_blob(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)
    path = store.path_for(store.put(PAYLOAD).locator)
    before = path.stat()
    store.put(PAYLOAD)
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_oversize_put_writes_nothing_at_all(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path, max_blob_size=8)
    with pytest.raises(StorageError):
        store.put(b"123456789")
    assert all_files(tmp_path) == []


def test_a_stored_blob_over_the_limit_is_refused_without_an_expected_size(tmp_path: Path) -> None:
    ref = LocalDirectoryStore(tmp_path).put(b"x" * 32)
    small = LocalDirectoryStore(tmp_path, max_blob_size=16)
    with pytest.raises(StorageError, match="limit"):
        small.get_by_locator(ref.locator, ref.sha256)


def test_a_file_corrupted_on_disk_is_never_returned(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)
    ref = store.put(PAYLOAD)
    path = store.path_for(ref.locator)
    corrupted = bytearray(path.read_bytes())
    corrupted[len(corrupted) // 2] ^= 0x01  # one flipped bit, same size
    path.write_bytes(bytes(corrupted))
    with pytest.raises(BlobIntegrityError):
        store.get(ref)


@pytest.mark.parametrize("fail_at", ["write", "fsync", "replace"])
def test_a_failure_mid_write_leaves_no_blob_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: str
) -> None:
    store = LocalDirectoryStore(tmp_path)
    store.put(b"already here")
    before = all_files(tmp_path)

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if fail_at == "write":
        real_fdopen = os.fdopen

        class HalfWriter:
            """Write half of the bytes, then fail, like a disk filling up."""

            def __init__(self, fd: int, mode: str) -> None:
                self._file = real_fdopen(fd, mode)

            def __enter__(self) -> HalfWriter:
                return self

            def __exit__(self, *exc: object) -> None:
                self._file.close()

            def write(self, data: bytes) -> int:
                self._file.write(data[: len(data) // 2])
                self._file.flush()
                raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fdopen", HalfWriter)
    else:
        monkeypatch.setattr(os, fail_at, boom)

    with pytest.raises(StorageError, match="No space left"):
        store.put(PAYLOAD)
    monkeypatch.undo()
    assert all_files(tmp_path) == before
    assert not store.exists(store.ref_for(PAYLOAD))
    assert store.get(store.put(PAYLOAD)) == PAYLOAD  # the store still works afterwards


def test_an_interrupt_mid_write_also_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalDirectoryStore(tmp_path)

    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        store.put(PAYLOAD)
    assert all_files(tmp_path) == []


def test_concurrent_puts_of_the_same_blob_agree(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)
    refs = []

    def worker() -> None:
        refs.append(store.put(PAYLOAD))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(refs)) == 1
    assert store.get(refs[0]) == PAYLOAD
    assert len(all_files(tmp_path)) == 1


def test_a_read_failure_other_than_missing_is_a_storage_error(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)
    ref = store.ref_for(PAYLOAD)
    store.path_for(ref.locator).mkdir(parents=True)  # a directory where the blob should be
    with pytest.raises(StorageError):
        store.get(ref)


@pytest.mark.parametrize(
    "locator",
    [
        "fedchain-local://sha256/" + "0" * 63,
        "fedchain-local://sha256/" + "g" * 64,
        "fedchain-local://sha256//" + "0" * 64,
        "fedchain-local://SHA256/" + "0" * 64,
        "FEDCHAIN-LOCAL://sha256/" + "0" * 64,
        "fedchain-local://sha256/" + "0" * 64 + "/",
        "fedchain-memory://sha256/" + "0" * 64,
    ],
)
def test_path_for_accepts_only_the_canonical_locator(tmp_path: Path, locator: str) -> None:
    with pytest.raises(InvalidLocatorError):
        LocalDirectoryStore(tmp_path).path_for(locator)


def test_repr_names_the_root(tmp_path: Path) -> None:
    assert str(tmp_path) in repr(LocalDirectoryStore(tmp_path))
