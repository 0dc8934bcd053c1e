"""``fedchain devnet``: a local anvil node with the contracts deployed, until Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from fedchain.chain import DevnetBackend, Transactor
from fedchain.chain.client import deploy_all
from fedchain.chain.keystore import KeyStoreDir
from fedchain.cli._common import (
    DEFAULT_DEPLOYMENT,
    PASSWORD_ENV,
    DeploymentOption,
    JsonOption,
    console,
    handle_errors,
    print_json,
)
from fedchain.exceptions import AccountError

TOKEN = 10**18


@handle_errors
def devnet(
    port: Annotated[int | None, typer.Option(help="Loopback port (default: a free one).")] = None,
    deployment_file: DeploymentOption = DEFAULT_DEPLOYMENT,
    accounts: Annotated[
        int,
        typer.Option(
            help=f"Funded accounts to create (ETH + 1,000 FED each), saved as encrypted keystores "
            f"under --keys (password from ${PASSWORD_ENV}).",
        ),
    ] = 0,
    keys: Annotated[Path, typer.Option(help="Keystore directory for --accounts.")] = Path(".fedchain/keys"),
    as_json: JsonOption = False,
) -> None:
    """Start anvil on 127.0.0.1, deploy every contract, write the deployment file, and wait."""
    password = os.environ.get(PASSWORD_ENV)
    if accounts and not password:
        raise AccountError(f"--accounts needs ${PASSWORD_ENV} to encrypt the keystores")
    with DevnetBackend(port=port) as chain:
        deployer = chain.funded_signer()
        signers = [chain.funded_signer() for _ in range(accounts)]
        tx = Transactor(chain.w3, deployer, role="deployer")
        deployment = deploy_all(tx, deployer, mint={s.address: 1_000 * TOKEN for s in signers})
        deployment.save(deployment_file)
        saved = []
        if signers and password:
            store = KeyStoreDir(keys)
            for i, signer in enumerate(signers):
                saved.append(str(store.save(f"account-{i}", signer, password)))
        info = {
            "rpc": chain.url,
            "chainId": deployment.chain_id,
            "deployment": str(deployment_file),
            "contracts": deployment.contracts,
            "accounts": [s.address for s in signers],
            "keystores": saved,
        }
        if as_json:
            print_json(info)
        else:
            console.print(f"[bold green]devnet[/] {chain.url} (chain id {deployment.chain_id})")
            for name, addr in sorted(deployment.contracts.items()):
                console.print(f"  {name:<20} {addr}")
            console.print(f"deployment file: {deployment_file}")
            for addr, path in zip([s.address for s in signers], saved, strict=False):
                console.print(f"  account {addr}  keystore {path}")
            console.print("Ctrl-C stops the node.")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the normal way to stop
            stop.wait()
