"""The ``fedchain`` command as its users run it: output, JSON, and exit codes on bad input."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest
from typer.testing import CliRunner

from fedchain import __version__
from fedchain.chain import DevnetBackend, Signer, anvil_available
from fedchain.cli import exit_codes
from fedchain.cli.app import app
from fedchain.exceptions import ConfigError
from fedchain.testing import World

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"fedchain {__version__}"


def test_demo_trains_over_the_chain_and_verifies_every_version(tmp_path: Path) -> None:
    """The default demo runs SecAgg+: only masked vectors and their sum are ever published."""
    args = ["demo", "--participants", "3", "--rounds", "2", "--out", str(tmp_path), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [r["round"] for r in data["rounds"]] == [1, 2]
    assert data["verified"] is True
    versions = data["model_versions"]
    assert [v["version"] for v in versions] == [0, 1, 2]
    assert all(v["parentHash"] == p["modelHash"] for p, v in itertools.pairwise(versions))
    assert data["rounds"][-1]["accuracy"] > 0.85
    assert all(sum(r["paid"].values()) > 0 for r in data["rounds"])
    assert all(len(set(r["paid"].values())) == 1 for r in data["rounds"])  # secagg: survivors paid equally
    assert sum(data["records"].values()) > 0 and set(data["records"]) == set(data["names"].values())
    seen = data["visibility"]
    assert seen["round"] == 2 and seen["total_weight"] == sum(data["records"].values())
    assert len(seen["published"]) == 3 and seen["sum_p"] < 1e-6  # the sum is structured...
    for row in seen["published"]:  # 31 parameters + the weight, in 32-bit words: nothing else is sent
        assert row["bytes"] == 4 * (30 + 1 + 1)
    assert set(data["local_accuracy"]) == set(data["names"].values())
    audit = json.loads((tmp_path / "audit.json").read_text())
    assert audit["modelVersions"] == versions and audit["verified"] is True
    assert (tmp_path / "accuracy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plain_demo_pays_by_contribution(tmp_path: Path) -> None:
    args = ["demo", "--mode", "plain", "--participants", "3", "--rounds", "1", "--out", str(tmp_path)]
    args.append("--json")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["verified"] is True and data["visibility"] is None
    assert all(set(r["alignment"]) == set(r["paid"]) for r in data["rounds"])  # paid by contribution
    assert all(0 < a <= 1_000_000 for r in data["rounds"] for a in r["alignment"].values())


def test_demo_table_output(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--participants", "2", "--rounds", "1", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "verified" in result.stdout and "centralized" in result.stdout
    assert "What each party could see" in result.stdout and "their unmasked sum" in result.stdout


def test_demo_refuses_bad_options() -> None:
    assert runner.invoke(app, ["demo", "--participants", "99"]).exit_code == exit_codes.USAGE
    assert runner.invoke(app, ["demo", "--strategy", "fedmagic"]).exit_code == exit_codes.USAGE


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


def test_devnet_command_serves_a_deployment_until_stopped(tmp_path: Path) -> None:
    if not anvil_available():
        if os.environ.get("CI"):
            pytest.fail("anvil missing under CI: run `npm ci`")
        pytest.skip("anvil not installed (npm ci)")
    file = tmp_path / "deployment.json"
    env = dict(os.environ, FEDCHAIN_KEYSTORE_PASSWORD="devnet test password")
    cmd = [sys.executable, "-m", "fedchain.cli", "devnet", "-d", str(file), "--accounts", "2"]
    cmd += ["--keys", str(tmp_path / "keys"), "--json"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not file.exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "devnet did not write its deployment file"
            time.sleep(0.2)
        assert proc.stdout is not None
        info = json.loads(_read_json_object(proc.stdout))
        assert len(info["accounts"]) == 2 and len(info["keystores"]) == 2
        status = runner.invoke(app, ["status", "--rpc", info["rpc"], "-d", str(file), "--json"])
        assert status.exit_code == 0, status.output
        assert json.loads(status.stdout)["contracts"] == info["contracts"]
        key = Signer.from_keystore(info["keystores"][0], "devnet test password")
        assert key.address == info["accounts"][0]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def _read_json_object(stream: IO[str]) -> str:
    """Read lines until they form one JSON document (the command keeps running after printing it)."""
    text = ""
    for line in stream:
        text += line
        if line.startswith("}"):
            return text
    raise AssertionError(f"no JSON document in the output: {text!r}")


def test_demo_over_rpc_with_keystore_accounts(devnet: DevnetBackend, tmp_path: Path) -> None:
    """`--chain rpc`: funded keystores, a real clock (the challenge window is waited out), verified."""
    from fedchain.chain.keystore import KeyStoreDir

    keys = KeyStoreDir(tmp_path / "keys")
    for i in range(4):
        keys.save(f"account-{i}", devnet.funded_signer(), "pw", iterations=2)
    args = ["demo", "--chain", "rpc", "--rpc", devnet.url, "--chain-id", str(devnet.chain_id), "--keys",
            str(tmp_path / "keys"), "--participants", "2", "--rounds", "1", "--challenge-seconds", "2",
            "--out", str(tmp_path / "out"), "--json"]  # fmt: skip
    result = runner.invoke(app, args, env={"FEDCHAIN_KEYSTORE_PASSWORD": "pw"})
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["chain"] == "rpc" and data["verified"] is True and len(data["rounds"]) == 1
    assert "pw" not in json.dumps(data["config"])

    too_many = [a if a != "2" else "3" for a in args]  # 3 holders + owner + aggregator > 4 keystores
    result = runner.invoke(app, too_many, env={"FEDCHAIN_KEYSTORE_PASSWORD": "pw"})
    assert result.exit_code == exit_codes.exit_code_for(ConfigError("x")), result.output
    assert "needs 5 funded accounts" in result.output
    result = runner.invoke(app, args, env={"FEDCHAIN_KEYSTORE_PASSWORD": "wrong"})
    assert result.exit_code != 0 and "AccountError" in result.output
