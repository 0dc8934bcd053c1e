"""``fedchain deploy``: deploy the contracts on any chain reachable over JSON-RPC."""

from __future__ import annotations

from typing import Annotated

import typer

from fedchain.chain import RpcBackend, Transactor
from fedchain.chain.client import deploy_all
from fedchain.cli._common import (
    DEFAULT_DEPLOYMENT,
    ChainIdOption,
    DeploymentOption,
    JsonOption,
    KeystoreOption,
    RpcOption,
    console,
    handle_errors,
    load_signer,
    print_json,
)


@handle_errors
def deploy(
    rpc: RpcOption,
    chain_id: ChainIdOption,
    keystore: KeystoreOption = None,
    token: Annotated[
        str | None,
        typer.Option(help="An existing ERC-20 for stakes and rewards (default: deploy a FedToken)."),
    ] = None,
    deployment_file: DeploymentOption = DEFAULT_DEPLOYMENT,
    as_json: JsonOption = False,
) -> None:
    """Deploy every contract from the signing account and write the deployment file."""
    signer = load_signer(keystore)
    with RpcBackend(rpc, chain_id) as chain:
        tx = Transactor(chain.w3, signer, role="deployer")
        deployment = deploy_all(tx, signer, token=token)
        deployment.save(deployment_file)
    if as_json:
        print_json({"deployment": str(deployment_file), **deployment.__dict__, "gas": tx.ledger.total()})
        return
    console.print(f"[bold green]deployed[/] on chain {deployment.chain_id} from {signer.address}")
    for name, addr in sorted(deployment.contracts.items()):
        console.print(f"  {name:<20} {addr}")
    console.print(
        f"{len(tx.ledger)} transactions, {tx.ledger.total():,} gas; deployment file: {deployment_file}"
    )
