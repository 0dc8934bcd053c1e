"""``fedchain verify`` after a real plain-mode federation ran three rounds: every blob the chain names is
checked, and a damaged one fails with exit 40 on the line of its own version, naming the blob.

Each test damages a copy of the federation's store (flip a byte, truncate, delete) and verifies against it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_federation import CliFederation, build_cli_federation
from typer.testing import CliRunner

from fedchain.chain import DevnetBackend
from fedchain.cli import exit_codes
from fedchain.cli.app import app
from fedchain.storage import LocalDirectoryStore

pytestmark = pytest.mark.devnet

ROUNDS = 3
runner = CliRunner()


@pytest.fixture(scope="module")
def federation(devnet: DevnetBackend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliFederation]:
    yield build_cli_federation(devnet, tmp_path_factory.mktemp("federation"), rounds=ROUNDS)


@pytest.fixture
def store(federation: CliFederation, tmp_path: Path) -> Path:
    """A copy of the federation's store, free to damage."""
    return Path(shutil.copytree(federation.store, tmp_path / "blobs"))


def flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-7])


def delete(path: Path) -> None:
    path.unlink()


DAMAGE: dict[str, Callable[[Path], None]] = {"flip": flip, "truncate": truncate, "delete": delete}


def verify(federation: CliFederation, store: Path) -> tuple[int, dict[str, Any], str]:
    """Run ``fedchain verify --json``; the exit code, the report, and the text output of a second run."""
    result = runner.invoke(app, ["verify", *federation.common(store), "--json"])
    assert "Traceback" not in result.output
    text = runner.invoke(app, ["verify", *federation.common(store)])
    assert text.exit_code == result.exit_code
    return result.exit_code, json.loads(result.stdout), text.stdout


def blob(federation: CliFederation, store: Path, locator: str) -> Path:
    return LocalDirectoryStore(store).path_for(locator)


def test_an_untouched_store_verifies_every_version(federation: CliFederation, store: Path) -> None:
    code, report, text = verify(federation, store)
    assert code == exit_codes.SUCCESS
    assert report["ok"] is True and report["findings"] == [] and report["versions"] == ROUNDS + 1
    assert text.count("ok, bit for bit") == ROUNDS and "FAILED" not in text


@pytest.mark.parametrize("damage", DAMAGE)
@pytest.mark.parametrize("version", [1, ROUNDS], ids=["middle", "head"])
def test_a_damaged_model_version_fails_itself_and_its_child_names_it_as_base(
    federation: CliFederation, store: Path, damage: str, version: int
) -> None:
    v = federation.owner.models.version(federation.task, version)
    DAMAGE[damage](blob(federation, store, v.locator))
    code, report, text = verify(federation, store)
    assert code == exit_codes.VERIFICATION
    first, *rest = report["findings"]
    assert first["version"] == version and first["round"] == v.round and first["kind"] == "model"
    assert first["locator"] == v.locator and first["sha256"] == "0x" + v.model_hash.hex()
    expected = "missing from the store" if damage == "delete" else "do not hash"
    assert expected in first["problem"]
    if version == ROUNDS:  # the head: nothing derives from it
        assert rest == []
    else:
        (child,) = rest
        assert child["version"] == version + 1 and child["kind"] == "round"
        assert f"its base, version {version}" in child["problem"] and "unavailable" in child["problem"]
    assert f"version {version} (round {v.round}): FAILED: model blob {v.locator}" in text
    assert text.count("ok, bit for bit") == ROUNDS - len(report["findings"])


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_initial_model_fails_version_0(federation: CliFederation, store: Path, damage: str) -> None:
    v0 = federation.owner.models.version(federation.task, 0)
    DAMAGE[damage](blob(federation, store, v0.locator))
    code, report, text = verify(federation, store)
    assert code == exit_codes.VERIFICATION
    assert [(f["version"], f["kind"]) for f in report["findings"]] == [(0, "model"), (1, "round")]
    assert report["findings"][0]["locator"] == v0.locator and report["findings"][0]["round"] is None
    assert "its base, version 0" in report["findings"][1]["problem"]
    assert f"version 0: FAILED: model blob {v0.locator}" in text


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_round_record_fails_its_version(
    federation: CliFederation, store: Path, damage: str
) -> None:
    rnd = federation.owner.coordinator.round(federation.task, 2)
    locator = LocalDirectoryStore(store).locator_for(rnd.metrics_hash)
    DAMAGE[damage](blob(federation, store, locator))
    code, report, text = verify(federation, store)
    assert code == exit_codes.VERIFICATION
    (finding,) = report["findings"]
    assert (finding["version"], finding["round"], finding["kind"]) == (2, 2, "round-record")
    assert finding["locator"] == locator and finding["sha256"] == "0x" + rnd.metrics_hash.hex()
    assert f"version 2 (round 2): FAILED: round record blob {locator}" in text


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_task_spec_fails_version_0_and_nothing_re_derives(
    federation: CliFederation, store: Path, damage: str
) -> None:
    spec_hash = federation.owner.coordinator.task(federation.task).spec_hash
    locator = LocalDirectoryStore(store).locator_for(spec_hash)
    DAMAGE[damage](blob(federation, store, locator))
    code, report, text = verify(federation, store)
    assert code == exit_codes.VERIFICATION
    first, *rest = report["findings"]
    assert (first["version"], first["kind"], first["locator"]) == (0, "task-spec", locator)
    assert [f["version"] for f in rest] == list(range(1, ROUNDS + 1))
    assert all("task spec (version 0) is unavailable" in f["problem"] for f in rest)
    assert f"version 0: FAILED: task spec blob {locator}" in text


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_revealed_update_fails_its_version_and_names_the_member(
    federation: CliFederation, store: Path, damage: str
) -> None:
    events = federation.owner.coordinator.events(
        "UpdateRevealed", from_block=federation.owner.deployment.block
    )
    reveal = next(e for e in events if e.task == federation.task and e.round == 2)
    DAMAGE[damage](blob(federation, store, reveal.locator))
    code, report, text = verify(federation, store)
    assert code == exit_codes.VERIFICATION
    (finding,) = report["findings"]
    assert (finding["version"], finding["round"], finding["kind"]) == (2, 2, "update")
    assert finding["member"] == reveal.member and finding["locator"] == reveal.locator
    assert f"version 2 (round 2): FAILED: update blob of member {reveal.member} at {reveal.locator}" in text


def test_a_store_that_is_not_the_tasks_is_a_storage_error(federation: CliFederation, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["verify", *federation.common(empty)])
    assert result.exit_code == exit_codes.STORAGE
    assert "holds neither task" in result.output and "Traceback" not in result.output
    missing = runner.invoke(app, ["verify", *federation.common(tmp_path / "nowhere")])
    assert missing.exit_code == exit_codes.STORAGE and "does not exist" in missing.output
