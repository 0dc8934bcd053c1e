"""The node state file: atomic JSON, bound to one deployment and task, unreadable files refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fedchain.node import NodeStateError
from fedchain.node._state import StateFile, bind_account, bind_state


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


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"identity": {"chainId": 31'])
def test_unreadable_state_is_refused(tmp_path: Path, text: str) -> None:
    (tmp_path / "node.json").write_text(text)
    with pytest.raises(NodeStateError):
        StateFile(tmp_path / "node.json")


def test_a_failed_save_keeps_the_previous_document_and_no_temporary_file(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "node.json")
    state.rounds()["1"] = {"salt": "00"}
    state.save()
    before = (tmp_path / "node.json").read_bytes()
    state.rounds()["2"] = {"salt": object()}  # not JSON: the write fails half-way through
    with pytest.raises(TypeError):
        state.save()
    assert (tmp_path / "node.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["node.json"]


def test_state_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "node.json")
    state.save()
    assert (tmp_path / "node.json").stat().st_mode & 0o777 == 0o600


def test_an_unusable_location_is_a_state_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(NodeStateError, match="a folder above is a file"):
        StateFile(tmp_path / "file" / "node.json")
    state = StateFile(tmp_path / "later" / "node.json")
    (tmp_path / "later").write_text("x")  # the folder became a file before the first save
    with pytest.raises(NodeStateError, match="cannot write node state"):
        state.save()
    with pytest.raises(NodeStateError, match="is a directory"):
        StateFile(tmp_path)


@pytest.mark.parametrize(
    "document", [{"format": 1, "chainId": 31337, "contracts": {}}, {"address": "ab", "crypto": {}}]
)
def test_another_kind_of_json_file_is_refused_and_left_untouched(tmp_path: Path, document: object) -> None:
    path = tmp_path / "node.json"
    path.write_text(json.dumps(document))
    before = path.read_bytes()
    with pytest.raises(NodeStateError, match="is not a node state file"):
        bind_state(StateFile(path), 31337, "0x" + "11" * 20, 1)
    assert path.read_bytes() == before


def test_a_foreign_identity_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "node.json"
    bind_state(StateFile(path), 1, "0x" + "11" * 20, 2)
    with pytest.raises(NodeStateError, match=r"belongs to task 2 on chain 1 .* not to task 1 on chain 31337"):
        bind_state(StateFile(path), 31337, "0x" + "11" * 20, 1)


def test_state_is_bound_to_one_account(tmp_path: Path) -> None:
    path = tmp_path / "node.json"
    a, b = "0x" + "aa" * 20, "0x" + "bb" * 20
    bind_account(StateFile(path), a)
    bind_account(StateFile(path), a)  # the same node again: fine
    with pytest.raises(NodeStateError, match=f"belongs to account {a}, not to {b}"):
        bind_account(StateFile(path), b)
