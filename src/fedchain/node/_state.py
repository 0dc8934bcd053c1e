"""The node's only local state: a small JSON document, written atomically before any dependent transaction."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fedchain.node.errors import NodeStateError


class StateFile:
    """A JSON object on disk; :meth:`save` replaces it atomically (write, fsync, rename).

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
        except OSError as exc:
            raise NodeStateError(f"cannot read node state {self.path}: {exc.strerror}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise NodeStateError(f"node state {self.path} is not valid JSON") from exc
        if not isinstance(data, dict):
            raise NodeStateError(f"node state {self.path} is not a JSON object")
        return data

    def save(self) -> None:
        """Write the document atomically; it survives a crash right after this returns."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            with tmp.open("w") as handle:
                json.dump(self.data, handle, sort_keys=True, indent=1)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            raise NodeStateError(f"cannot write node state {self.path}: {exc.strerror}") from exc

    def rounds(self) -> dict[str, Any]:
        """The per-round section (``{"<round>": {...}}``), created on first use."""
        section = self.data.setdefault("rounds", {})
        if not isinstance(section, dict):
            raise NodeStateError(f"node state {self.path}: 'rounds' is not an object")
        return section


def bind_state(state: StateFile, chain_id: int, coordinator: str, task: int) -> None:
    """Tie a state file to one chain, coordinator and task; refuse a file written for another one.

    Raises
    ------
    NodeStateError
        If the file was written for another chain, deployment or task.
    """
    identity = {"chainId": chain_id, "coordinator": coordinator, "task": task}
    if "identity" not in state.data:
        state.data["identity"] = identity
        state.save()
    elif state.data["identity"] != identity:
        raise NodeStateError(f"state file {state.path} belongs to another task or deployment")
