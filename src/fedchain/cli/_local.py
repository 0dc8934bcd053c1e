"""The local files a command uses besides the deployment: the blob store directory and the node state file.

Both are checked before the command sends any transaction, so a wrong path is refused with one line (exit 30
for the store, 13 for the state file) instead of failing half-way through a round.
"""

from __future__ import annotations

import os
from pathlib import Path

from fedchain.chain.client import Fedchain
from fedchain.exceptions import StorageError
from fedchain.node._state import StateFile, bind_account, bind_state
from fedchain.storage import LocalDirectoryStore


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def open_store(path: Path, *, create: bool = False, writable: bool = True) -> LocalDirectoryStore:
    """The blob store directory ``--store``.

    ``create``: the command starts the store (``task create``) and makes the directory; otherwise it must
    exist already (the task's owner wrote its spec there). ``writable``: the command writes blobs (the node
    roles) rather than only reading them (``verify``).

    Raises
    ------
    StorageError
        If ``path`` is a file or lies under one, does not exist (without ``create``), cannot be created, or
        cannot be written (``writable``) or read.
    """
    if path.exists() and not path.is_dir():
        raise StorageError(f"--store {path} is a file, not a blob directory: pass the task's blob directory")
    above = _nearest_existing(path)
    if not above.is_dir():
        raise StorageError(f"--store {path} cannot be a blob directory: {above} is a file")
    if not path.exists():
        if not create:
            raise StorageError(f"--store {path} does not exist: pass the task's blob directory")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"--store {path} cannot be created: {exc.strerror}") from None
    if not os.access(path, os.R_OK | os.X_OK):
        raise StorageError(f"--store {path} is not readable by this user: fix its permissions")
    if (writable or create) and not os.access(path, os.W_OK):
        raise StorageError(f"--store {path} is not writable by this user: fix its permissions")
    return LocalDirectoryStore(path)


def open_state(path: Path, fc: Fedchain, task: int) -> None:
    """Check the node's ``--state`` file and bind a new one to this chain, coordinator and task.

    Run before the role's first transaction: a corrupted, foreign or unwritable state file, or one another
    node's account wrote, is refused while nothing has happened yet (the role then loads the same file).

    Raises
    ------
    NodeStateError
        If the file is unreadable, not a node state file, belongs to another task, chain, coordinator or
        account, or cannot be written.
    """
    state = StateFile(path)
    bind_state(state, fc.deployment.chain_id, fc.coordinator.address, task)
    bind_account(state, fc.address)
