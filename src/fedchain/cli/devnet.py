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
from fedchain.chain.deploy import check_target
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
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Loopback port (default: a free one).")
    ] = None,
    deployment_file: DeploymentOption = DEFAULT_DEPLOYMENT,
    accounts: Annotated[
        int,
        typer.Option(
            min=0,
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
    check_target(deployment_file)
    if accounts:
        _check_keys_dir(keys, accounts)
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


def _check_keys_dir(keys: Path, accounts: int) -> None:
    """Refuse a ``--keys`` path where the keystores cannot be written, before anvil starts.

    Raises
    ------
    AccountError
        If ``keys`` is a file, lies under a file, or already holds keystores the new ones would collide with.
    """
    above = keys
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise AccountError(f"--keys {keys} cannot hold keystores: {above} is a file (pass a directory)")
    store = KeyStoreDir(keys)
    taken = [name for name in (f"account-{i}" for i in range(accounts)) if name in store]
    if taken:
        raise AccountError(
            f"--keys {keys} already holds {taken[0]}.json (from an earlier devnet?): pass an empty directory"
        )
