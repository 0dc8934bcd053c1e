"""The ``fedchain`` command as its users run it: output, JSON, and exit codes on bad input."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fedchain import __version__
from fedchain.chain import DevnetBackend, Signer, anvil_available
from fedchain.cli import exit_codes
from fedchain.cli.app import app
from fedchain.testing import World

runner = CliRunner()


@pytest.fixture(scope="module")
def devnet() -> Iterator[DevnetBackend]:
    if not anvil_available():
        if os.environ.get("CI"):
            pytest.fail("anvil missing under CI: run `npm ci`")
        pytest.skip("anvil not installed (npm ci)")
    with DevnetBackend() as chain:
        yield chain


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"fedchain {__version__}"


def test_demo_runs_a_round_and_writes_an_audit_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--participants", "2", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["phase"] == "finalized"
    assert [v["version"] for v in data["model_versions"]] == [0, 1]
    assert data["model_versions"][1]["parentHash"] == data["model_versions"][0]["modelHash"]
    assert data["global_accuracy"] > 0.9
    assert all(h["attested"] and h["reward"] > 0 for h in data["hospitals"])
    audit = json.loads((tmp_path / "audit.json").read_text())
    assert audit["modelVersions"] == data["model_versions"]


def test_demo_refuses_too_many_hospitals() -> None:
    result = runner.invoke(app, ["demo", "--participants", "99"])
    assert result.exit_code == exit_codes.USAGE


def test_deploy_then_status_over_rpc(devnet: DevnetBackend, tmp_path: Path) -> None:
    deployer = devnet.funded_signer()
    file = tmp_path / "deployment.json"
    env = {"FEDCHAIN_PRIVATE_KEY": "0x" + deployer.local_account.key.hex()}
    args = [
        "deploy",
        "--rpc",
        devnet.url,
        "--chain-id",
        str(devnet.chain_id),
        "-d",
        str(file),
        "--json",
    ]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(file.read_text())["chainId"] == devnet.chain_id
    assert deployer.local_account.key.hex() not in result.output

    status = runner.invoke(app, ["status", "--rpc", devnet.url, "-d", str(file), "--json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["taskCount"] == 0


def test_status_shows_tasks_rounds_members_and_models(devnet: DevnetBackend, tmp_path: Path) -> None:
    world = World.create(devnet, members=2)
    world.run_round()
    file = tmp_path / "deployment.json"
    world.owner.deployment.save(file)
    result = runner.invoke(app, ["status", "--rpc", devnet.url, "-d", str(file), "--json"])
    assert result.exit_code == 0, result.output
    task = json.loads(result.stdout)["tasks"][0]
    assert len(task["members"]) == 2
    assert task["rounds"][0]["phase"] == "finalized"
    assert len(task["modelVersions"]) == 2
    table = runner.invoke(app, ["status", "--rpc", devnet.url, "-d", str(file)])
    assert table.exit_code == 0 and "finalized" in table.stdout


def test_bad_input_gets_a_named_error_and_its_exit_code(devnet: DevnetBackend, tmp_path: Path) -> None:
    missing = runner.invoke(app, ["status", "--rpc", devnet.url, "-d", str(tmp_path / "none.json")])
    assert missing.exit_code == exit_codes.DEPLOYMENT
    assert "DeploymentError" in missing.output

    no_key = runner.invoke(
        app,
        ["deploy", "--rpc", devnet.url, "--chain-id", str(devnet.chain_id)],
        env={"FEDCHAIN_PRIVATE_KEY": ""},
    )
    assert no_key.exit_code == exit_codes.ACCOUNT

    key = Signer.generate()
    wrong_chain = runner.invoke(
        app,
        ["deploy", "--rpc", devnet.url, "--chain-id", "1", "-d", str(tmp_path / "d.json")],
        env={"FEDCHAIN_PRIVATE_KEY": "0x" + key.local_account.key.hex()},
    )
    assert wrong_chain.exit_code == exit_codes.BACKEND
    assert not (tmp_path / "d.json").exists()

    bad_keystore = tmp_path / "key.json"
    key.to_keystore(bad_keystore, "right password", iterations=2)
    wrong_password = runner.invoke(
        app,
        [
            "deploy",
            "--rpc",
            devnet.url,
            "--chain-id",
            str(devnet.chain_id),
            "--keystore",
            str(bad_keystore),
        ],
        env={"FEDCHAIN_KEYSTORE_PASSWORD": "wrong password"},
    )
    assert wrong_password.exit_code == exit_codes.ACCOUNT
