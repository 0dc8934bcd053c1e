"""The node state file: atomic JSON, bound to one deployment and task, unreadable files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from fedchain.node import NodeStateError
from fedchain.node._state import StateFile, bind_state


def test_state_round_trips_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "node.json")
    state.rounds()["3"] = {"salt": "ab" * 32}
    state.save()
    assert StateFile(tmp_path / "node.json").rounds() == {"3": {"salt": "ab" * 32}}
    assert [p.name for p in tmp_path.iterdir()] == ["node.json"]


def test_state_is_bound_to_one_deployment_and_task(tmp_path: Path) -> None:
    path = tmp_path / "node.json"
    bind_state(StateFile(path), 31337, "0x" + "11" * 20, 1)
    bind_state(StateFile(path), 31337, "0x" + "11" * 20, 1)  # same identity: fine
    with pytest.raises(NodeStateError):
        bind_state(StateFile(path), 31337, "0x" + "11" * 20, 2)


@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_unreadable_state_is_refused(tmp_path: Path, text: str) -> None:
    (tmp_path / "node.json").write_text(text)
    with pytest.raises(NodeStateError):
        StateFile(tmp_path / "node.json")
