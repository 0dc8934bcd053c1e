"""The node's only local state: a small JSON document, written atomically before any dependent transaction."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fedchain.chain._files import atomic_write_text
from fedchain.node.errors import NodeStateError

STATE_KEYS = frozenset({"account", "identity", "rounds"})
"""The top-level keys a node state file holds; a JSON object with others is another kind of file."""


class StateFile:
    """A JSON object on disk; :meth:`save` replaces it atomically (write, fsync, rename, fsync the folder).

    The file is created readable by its owner only (it holds round secrets). A failed save leaves the
    previous document in place and no temporary file behind.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "node.json"
    >>> state = StateFile(path)
    >>> state.data["rounds"] = {"1": {"salt": "00"}}
    >>> state.save()
    >>> StateFile(path).data["rounds"]["1"]["salt"]
    '00'
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.data: dict[str, Any] = self._load()

    def _load(self) -> dict[str, Any]:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return {}
        except IsADirectoryError:
            raise NodeStateError(
                f"node state {self.path} is a directory: pass a file path for --state"
            ) from None
        except NotADirectoryError:
            raise NodeStateError(f"cannot use {self.path} as node state: a folder above is a file") from None
        except UnicodeDecodeError:
            raise NodeStateError(f"{self.path} is not a node state file (not text)") from None
        except OSError as exc:
            raise NodeStateError(f"cannot read node state {self.path}: {exc.strerror}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise NodeStateError(
                f"node state {self.path} is not valid JSON (truncated or edited?): restore it from a backup "
                "(a new --state file would lose this node's open commitments)"
            ) from exc
        if not isinstance(data, dict):
            raise NodeStateError(f"{self.path} is not a node state file (a JSON object is expected)")
        return data

    def save(self) -> None:
        """Write the document atomically; it survives a crash right after this returns.

        Raises
        ------
        NodeStateError
            If the file cannot be written; the previous document is then left as it was.
        """
        text = json.dumps(self.data, sort_keys=True, indent=1)
        try:
            atomic_write_text(self.path, text, mode=0o600)  # it holds salts and, until settled, mask secrets
        except OSError as exc:
            raise NodeStateError(f"cannot write node state {self.path}: {exc.strerror}") from exc

    def rounds(self) -> dict[str, Any]:
        """The per-round section (``{"<round>": {...}}``), created on first use."""
        section = self.data.setdefault("rounds", {})
        if not isinstance(section, dict):
            raise NodeStateError(f"node state {self.path}: 'rounds' is not an object")
        return section


def _describe(identity: Any) -> str:
    if not isinstance(identity, dict):
        return "an unreadable identity"
    return (
        f"task {identity.get('task')} on chain {identity.get('chainId')} "
        f"(coordinator {identity.get('coordinator')})"
    )


def bind_state(state: StateFile, chain_id: int, coordinator: str, task: int) -> None:
    """Tie a state file to one chain, coordinator and task; refuse a file written for another one.

    A new (empty) file is bound and saved at once. A JSON object that holds other keys than a node state's
    (a deployment file or a keystore passed as ``--state`` by mistake) is refused, never rewritten.

    Raises
    ------
    NodeStateError
        If the file was written for another chain, deployment or task, or is not a node state file.
    """
    identity = {"chainId": chain_id, "coordinator": coordinator, "task": task}
    if "identity" not in state.data:
        foreign = sorted(set(state.data) - STATE_KEYS)
        if foreign:
            raise NodeStateError(
                f"{state.path} is not a node state file (it holds {', '.join(map(repr, foreign[:3]))}): pass "
                "this node's own --state file, or a new path"
            )
        state.data["identity"] = identity
        state.save()
    elif state.data["identity"] != identity:
        raise NodeStateError(
            f"node state {state.path} belongs to {_describe(state.data['identity'])}, not to "
            f"{_describe(identity)}: pass this node's state file for task {task}, or a new path"
        )


def bind_account(state: StateFile, account: str) -> None:
    """Tie a state file to the account that acts on it; refuse a file another node's account wrote.

    Two nodes of one task on one ``--state`` file would reuse each other's round secrets; the identity
    (:func:`bind_state`) names the task, this names the node.

    Raises
    ------
    NodeStateError
        If the file was written by another account.
    """
    written_by = state.data.get("account")
    if written_by is None:
        state.data["account"] = account
        state.save()
    elif written_by != account:
        raise NodeStateError(
            f"node state {state.path} belongs to account {written_by}, not to {account}: each node needs its "
            "own --state file"
        )
