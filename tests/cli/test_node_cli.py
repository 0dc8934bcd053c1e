"""Each role as its own OS process over RPC: three participants and an aggregator finish two rounds on a
devnet, one participant is killed mid-round and restarted from its state file, and ``verify`` re-derives
every model version."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from fedchain.chain import DevnetBackend, Signer, Transactor
from fedchain.chain.bindings.coordinator import Durations, Phase
from fedchain.chain.client import Fedchain, deploy_all
from fedchain.cli import _task, verify
from fedchain.cli.aggregator import run as aggregator_run
from fedchain.cli.node import run as node_run
from fedchain.storage import LocalDirectoryStore
from fedchain.taskspec import fetch_task_spec

pytestmark = pytest.mark.devnet

TOKEN = 10**18
STAKE = 10 * TOKEN
PER_ROUND = 90 * TOKEN
PASSWORD = "node cli test password"
DURATIONS = Durations(
    advertise=0, share=0, commit=600, reveal=600, unmask=0, aggregate=600, challenge=600, idle=0
)
TIMEOUT = 300.0
"""Liveness guard per wait (not a speed assertion: the machine is shared and noisy)."""


def _runner(module: str) -> list[str]:
    return [sys.executable, "-c", f"from fedchain.cli.{module} import main; main()"]


def _wait(what: str, cond: Callable[[], bool], procs: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not cond():
        for p in procs:
            assert p.poll() is None or p.returncode == 0, f"{p.args!r} exited {p.returncode} while {what}"
        assert time.monotonic() < deadline, f"timed out: {what}"
        time.sleep(0.1)


def _finalized(fc: Fedchain, task: int) -> int:
    return _task.finalized_count(fc, task)


def test_roles_as_processes_finish_two_rounds_survive_a_kill_and_verify(
    devnet: DevnetBackend, tmp_path: Path
) -> None:
    owner_key = devnet.funded_signer()
    keys = [Signer.generate() for _ in range(4)]  # aggregator, then three participants
    for k in keys:
        devnet.fund(k.address, 10 * TOKEN)
    tx = Transactor(devnet.w3, owner_key, role="owner")
    mint: dict[str, int] = {owner_key.address: 10 * PER_ROUND}
    mint |= {k.address: 100 * TOKEN for k in keys}
    owner = Fedchain(devnet.w3, deploy_all(tx, owner_key, mint=mint), tx, owner_key, role="owner")
    deployment = tmp_path / "deployment.json"
    owner.deployment.save(deployment)

    keystores = []
    for i, k in enumerate(keys):
        path = tmp_path / f"key-{i}.json"
        k.to_keystore(path, PASSWORD, iterations=2)
        keystores.append(path)
    env = dict(os.environ, FEDCHAIN_KEYSTORE_PASSWORD=PASSWORD)
    env.pop("FEDCHAIN_PRIVATE_KEY", None)
    owner_keystore = tmp_path / "owner.json"
    owner_key.to_keystore(owner_keystore, PASSWORD, iterations=2)
    store = str(tmp_path / "blobs")
    create = [
        "create", "--rpc", devnet.url, "-d", str(deployment), "--keystore", str(owner_keystore),
        "--aggregator", keys[0].address, "--store", store, "--scenario", "hospitals", "--cohort", "3",
        "--strategy", "fedavgm", "--strategy-param", "server_momentum=0.5", "--json",
    ]  # fmt: skip
    created = CliRunner().invoke(_task.task_app, create, env={"FEDCHAIN_KEYSTORE_PASSWORD": PASSWORD})
    assert created.exit_code == 0, created.output
    task = int(json.loads(created.stdout)["task"])
    assert owner.coordinator.task(task).cohort_size == 3
    blobs = LocalDirectoryStore(tmp_path / "blobs")
    task_spec = fetch_task_spec(blobs, owner.coordinator.task(task).spec_hash)
    assert task_spec.strategy == "fedavgm"
    assert task_spec.strategy_params == {"server_learning_rate": 1.0, "server_momentum": 0.5}
    common = ["--rpc", devnet.url, "-d", str(deployment), "--task", str(task), "--store", store]

    def participant(i: int, *extra: str) -> subprocess.Popen[str]:
        cmd = [*_runner("node"), "run", *common, "--state", str(tmp_path / f"participant-{i}.json")]
        cmd += ["--keystore", str(keystores[i + 1]), "--scenario", "hospitals", "--client-index", str(i)]
        cmd += ["--clients", "3", "--seed", "0", "--poll", "0.2", "--json", *extra]
        log = (tmp_path / f"participant-{i}.log").open("a")
        return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)

    parts = [participant(0), participant(1), participant(2, "--rounds", "2")]
    procs = list(parts)
    aggregator: subprocess.Popen[str] | None = None
    try:
        _wait("participants join", lambda: owner.registry.member_count(task) == 3, procs)
        cmd = [*_runner("aggregator"), "run", *common, "--state", str(tmp_path / "aggregator.json")]
        cmd += ["--keystore", str(keystores[0]), "--rounds", "2", "--poll", "0.2"]
        cmd += ["--dev-clock", "--dev-clock-idle", "6", "--json"]
        with (tmp_path / "aggregator.log").open("w") as log:
            aggregator = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        procs.append(aggregator)

        # Kill participant 1 (SIGKILL, no clean-up) once it has committed in round 2, then restart it.
        victim = keys[2].address
        activity = owner.coordinator.member_activity
        _wait("participant 1 commits in round 2", lambda: activity(task, victim).committed == 2, procs)
        parts[1].kill()
        parts[1].wait(timeout=10)
        procs.remove(parts[1])
        parts[1] = participant(1)
        procs.append(parts[1])

        _wait("two rounds finalize", lambda: _finalized(owner, task) >= 2, procs)
        assert aggregator.wait(timeout=30) == 0
        assert parts[2].wait(timeout=30) == 0  # --rounds 2: it claims round 2, then stops by itself
        for p in (parts[0], parts[1]):
            p.send_signal(signal.SIGTERM)
            assert p.wait(timeout=30) == 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()

    assert owner.coordinator.round(task, 2).phase == Phase.FINALIZED
    assert owner.coordinator.round(task, 2).revealers == 3  # the restarted node still revealed
    assert owner.coordinator.member_activity(task, victim).revealed == 2
    assert all(owner.coordinator.is_claimed(task, r, keys[3].address) for r in (1, 2))
    assert owner.models.version_count(task) == 3
    log_text = (tmp_path / "participant-1.log").read_text()
    assert "revealed" in log_text and PASSWORD not in log_text
    assert keys[2].local_account.key.hex() not in log_text

    run_opts: dict[str, Any] = {"env": env, "capture_output": True, "text": True, "timeout": 60}
    result = subprocess.run([*_runner("verify"), *common], **run_opts)  # strategy: from the task spec
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("ok, bit for bit") == 2
    # One revealed update of round 2 altered in the store: round 2 no longer re-derives.
    reveal = next(e for e in owner.coordinator.events("UpdateRevealed", from_block=0) if e.round == 2)
    path = blobs.path_for(reveal.locator)
    path.write_bytes(path.read_bytes()[:-1] + b"\x07")
    wrong = subprocess.run([*_runner("verify"), *common], **run_opts)
    assert wrong.returncode == verify.VERIFICATION_FAILED, wrong.stdout + wrong.stderr
    assert "version 2 (round 2)" in wrong.stdout and "FAILED" in wrong.stdout


def test_bad_options_get_documented_exit_codes(devnet: DevnetBackend, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command("node")(node_run)
    app.command("aggregator")(aggregator_run)
    app.command("verify")(verify.verify)
    runner = CliRunner()
    deployment = tmp_path / "missing.json"
    base = ["--rpc", devnet.url, "-d", str(deployment), "--task", "1", "--store", str(tmp_path)]
    create = ["create", "--rpc", devnet.url, "-d", str(deployment), "--aggregator", "0x" + "11" * 20]
    unknown = CliRunner().invoke(_task.task_app, [*create, "--store", str(tmp_path), "--strategy", "nope"])
    assert unknown.exit_code == 10 and "unknown strategy" in unknown.output
    bad = [*create, "--store", str(tmp_path), "--strategy", "fedadam", "--strategy-param", "eta"]
    bad_param = CliRunner().invoke(_task.task_app, bad)
    assert bad_param.exit_code == 10 and "NAME=VALUE" in bad_param.output
    missing = runner.invoke(app, ["verify", *base])
    assert missing.exit_code == 11
    bad_index = runner.invoke(
        app, ["node", *base, "--state", str(tmp_path / "s.json"), "--client-index", "7"]
    )
    assert bad_index.exit_code == 10
