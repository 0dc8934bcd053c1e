"""Backends: connect, the devnet process life cycle, the rpc backend, locating anvil."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fedchain.chain import (
    ChainBackend,
    DevnetBackend,
    EmbeddedBackend,
    RpcBackend,
    connect,
    find_anvil,
)
from fedchain.chain.backends import EMBEDDED_CHAIN_ID, redact_url
from fedchain.exceptions import BackendError, ConfigError


@pytest.fixture(scope="module")
def devnet(needs_anvil: None) -> Iterator[DevnetBackend]:
    with DevnetBackend(chain_id=4242) as chain:
        yield chain


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by someone else) counts as gone.
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        return "\nState:\tZ" not in status.read_text()
    return True  # pragma: no cover - non-Linux


# -- connect ---------------------------------------------------------------------------------------


def test_connect_defaults_to_embedded() -> None:
    with connect() as chain:
        assert isinstance(chain, EmbeddedBackend)
        assert chain.name == "embedded" and chain.chain_id == EMBEDDED_CHAIN_ID


def test_connect_refuses_unknown_kinds_and_options() -> None:
    with pytest.raises(ConfigError, match="unknown backend"):
        connect("ganache")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="bad options"):
        connect("embedded", colour="blue")


def test_closed_backend_refuses_use() -> None:
    chain = connect("embedded")
    chain.close()
    chain.close()  # idempotent
    assert chain.closed
    with pytest.raises(BackendError, match="closed"):
        _ = chain.w3


def test_embedded_honours_a_custom_gas_limit() -> None:
    with EmbeddedBackend(gas_limit=60_000_000) as chain:
        assert chain.w3.eth.get_block("latest")["gasLimit"] == 60_000_000


def test_negative_time_and_zero_blocks_are_refused() -> None:
    with connect("embedded") as chain:
        with pytest.raises(ConfigError):
            chain.advance_time(-1)
        with pytest.raises(ConfigError):
            chain.mine(0)


# -- devnet process --------------------------------------------------------------------------------


def test_devnet_listens_on_loopback_with_the_chain_id(devnet: DevnetBackend) -> None:
    assert devnet.url == f"http://127.0.0.1:{devnet.port}"
    assert devnet.chain_id == 4242 == devnet.w3.eth.chain_id
    assert devnet.process.running()


@pytest.mark.usefixtures("needs_anvil")
def test_devnet_stop_leaves_no_process_behind() -> None:
    before = set(threading.enumerate())
    chain = DevnetBackend()
    pid = chain.pid
    assert _alive(pid)
    started = time.monotonic()
    chain.close()
    assert time.monotonic() - started < 5
    assert not _alive(pid)
    assert not chain.process.running()
    assert not set(threading.enumerate()) - before  # the output reader has finished too


@pytest.mark.usefixtures("needs_anvil")
def test_devnet_is_stopped_at_interpreter_exit(tmp_path: Path) -> None:
    script = (
        "from fedchain.chain import DevnetBackend\n"
        "chain = DevnetBackend()\n"
        "print(chain.pid, flush=True)\n"  # exits without close()
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    pid = int(out.stdout.split()[0])
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


@pytest.mark.usefixtures("needs_anvil")
def test_devnet_on_a_fixed_port() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with DevnetBackend(port=port) as chain:
        assert chain.port == port and chain.url.endswith(f":{port}")


def test_devnet_port_in_use_fails_with_anvils_output(devnet: DevnetBackend) -> None:
    with pytest.raises(BackendError, match="anvil exited") as info:
        DevnetBackend(port=devnet.port, startup_timeout=5)
    assert "anvil" in str(info.value).lower()


def test_devnet_startup_failure_reports_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "anvil"
    fake.write_text("#!/bin/sh\necho 'boom: cannot start' >&2\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("FEDCHAIN_ANVIL", str(fake))
    with pytest.raises(BackendError, match="code 3") as info:
        DevnetBackend()
    assert "boom: cannot start" in str(info.value)


def test_devnet_startup_timeout(tmp_path: Path) -> None:
    fake = tmp_path / "anvil"
    fake.write_text("#!/bin/sh\nexec sleep 30\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    started = time.monotonic()
    with pytest.raises(BackendError, match="did not answer"):
        DevnetBackend(anvil=fake, startup_timeout=0.5)
    assert time.monotonic() - started < 10


# -- locating anvil --------------------------------------------------------------------------------


def test_find_anvil_prefers_the_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "anvil"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("FEDCHAIN_ANVIL", str(fake))
    assert find_anvil() == fake
    monkeypatch.setenv("FEDCHAIN_ANVIL", str(tmp_path / "missing"))
    with pytest.raises(BackendError, match="FEDCHAIN_ANVIL"):
        find_anvil()


def test_find_anvil_walks_up_to_node_modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FEDCHAIN_ANVIL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))
    binary = tmp_path / "node_modules" / ".bin" / "anvil"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert find_anvil() == binary


def test_find_anvil_swaps_the_npm_shim_for_the_native_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platform

    arch = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}[platform.machine().lower()]
    system = {"linux": "linux", "darwin": "darwin"}[sys.platform]
    scope = tmp_path / "node_modules" / "@foundry-rs"
    shim = scope / "anvil" / "bin.mjs"
    native = scope / f"anvil-{system}-{arch}" / "bin" / "anvil"
    for path, text in ((shim, "#!/usr/bin/env node\n"), (native, "\x7fELF")):
        path.parent.mkdir(parents=True)
        path.write_text(text)
        path.chmod(0o755)
    link = tmp_path / "node_modules" / ".bin" / "anvil"
    link.parent.mkdir()
    link.symlink_to(Path("..") / "@foundry-rs" / "anvil" / "bin.mjs")
    monkeypatch.setenv("FEDCHAIN_ANVIL", str(link))
    assert find_anvil() == native


def test_find_anvil_reports_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import fedchain.chain.backends._anvil as anvil_module

    monkeypatch.delenv("FEDCHAIN_ANVIL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(anvil_module, "__file__", str(tmp_path / "pkg" / "_anvil.py"))
    with pytest.raises(BackendError, match="npm ci"):
        find_anvil()


# -- rpc -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["http", "ws"])
def test_rpc_connects_to_a_devnet(devnet: DevnetBackend, scheme: str) -> None:
    url = devnet.url if scheme == "http" else devnet.ws_url
    with RpcBackend(url, 4242) as chain:
        assert chain.chain_id == 4242
        assert chain.block_number() == devnet.block_number()
        assert chain.balance(devnet.w3.eth.accounts[0]) > 0


def test_rpc_via_connect(devnet: DevnetBackend) -> None:
    with connect("rpc", url=devnet.url, chain_id=4242) as chain:
        assert isinstance(chain, RpcBackend) and chain.name == "rpc"


@pytest.mark.parametrize("scheme", ["http", "ws"])
def test_rpc_refuses_a_wrong_chain_id(devnet: DevnetBackend, scheme: str) -> None:
    url = devnet.url if scheme == "http" else devnet.ws_url
    with pytest.raises(BackendError, match="serves chain 4242, expected chain 1"):
        RpcBackend(url, 1)


def test_rpc_refuses_dev_operations(devnet: DevnetBackend) -> None:
    with RpcBackend(devnet.url, 4242) as chain:
        for operation in (
            lambda: chain.advance_time(10),
            lambda: chain.mine(),
            lambda: chain.fund(chain.w3.eth.accounts[0], 1),
            lambda: chain.funded_signer(),
        ):
            with pytest.raises(BackendError, match="only available on dev backends"):
                operation()


def test_rpc_unreachable_node_hides_the_url_path(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(BackendError, match="cannot reach") as info:
        RpcBackend(f"http://127.0.0.1:{port}/v3/secret-api-key", 1, timeout=2)
    assert "secret-api-key" not in str(info.value)


def test_rpc_refuses_unknown_schemes() -> None:
    with pytest.raises(ConfigError, match="scheme"):
        RpcBackend("ipc:///tmp/x", 1)


def test_redact_url_keeps_only_scheme_host_and_port() -> None:
    assert redact_url("wss://u:p@node.example:8546/key?x=1") == "wss://node.example:8546"


def test_backend_is_a_context_manager(devnet: DevnetBackend) -> None:
    chain: ChainBackend
    with RpcBackend(devnet.ws_url, 4242) as chain:
        assert not chain.closed
    assert chain.closed


@pytest.mark.usefixtures("needs_anvil")
def test_chains_without_a_base_fee_get_legacy_transactions() -> None:
    from fedchain.chain import Signer, Transactor

    with DevnetBackend(hardfork="berlin") as chain:  # pre-London: no base fee
        assert chain.w3.eth.get_block("latest").get("baseFeePerGas") is None
        transactor = Transactor(chain.w3, chain.funded_signer())
        receipt = transactor.send_value(Signer.generate().address, 5)
        sent = chain.w3.eth.get_transaction(receipt["transactionHash"])
        assert sent["type"] == 0 and sent["gasPrice"] > 0


def test_embedded_quick_gas_estimate_is_enough_and_tight(fixture_artifact: dict[str, Any]) -> None:
    from eth.estimators.gas import binary_gas_search_exact

    from fedchain.chain import Transactor

    with EmbeddedBackend() as chain:
        signer = chain.funded_signer()
        transactor = Transactor(chain.w3, signer)
        contract, _ = transactor.deploy(fixture_artifact["abi"], fixture_artifact["bytecode"], 1)
        calls: list[Any] = [
            chain.w3.eth.contract(
                abi=fixture_artifact["abi"], bytecode=fixture_artifact["bytecode"]
            ).constructor(3),
            contract.functions.increment(7),
            contract.functions.cancun(b"z" * 300),
            contract.functions.arm(60),
        ]
        for call in calls:
            quick = call.estimate_gas({"from": signer.address})
            chain.tester.backend.chain.gas_estimator = binary_gas_search_exact
            exact = call.estimate_gas({"from": signer.address})
            chain.tester.backend.chain.gas_estimator = type(chain.tester.backend.chain).gas_estimator
            assert exact <= quick <= exact * 1.05 + 2500
            # The estimate alone (no margin) is enough to succeed.
            if hasattr(call, "fn_name"):
                receipt = transactor.transact(call, phase="x", gas=quick)
                assert receipt["status"] == 1


LOOP_FOREVER = "0x6004600c60003960046000f3" + "5b600056"  # runtime: JUMPDEST PUSH1 0 JUMP


def _assert_refused_for_gas(chain: ChainBackend) -> None:
    from fedchain.chain import TransactionError, Transactor

    transactor = Transactor(chain.w3, chain.funded_signer())
    loop, _ = transactor.deploy([], LOOP_FOREVER)
    with pytest.raises(TransactionError, match="gas estimate"):
        transactor.send_value(loop.address, 0)


def test_code_that_never_ends_is_refused_at_estimate_on_embedded() -> None:
    with EmbeddedBackend(gas_limit=200_000) as chain:  # small limit: py-evm loops slowly
        _assert_refused_for_gas(chain)


def test_code_that_never_ends_is_refused_at_estimate_on_devnet(devnet: DevnetBackend) -> None:
    _assert_refused_for_gas(devnet)
