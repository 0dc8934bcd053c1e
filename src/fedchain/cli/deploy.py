"""``fedchain deploy``: deploy the contracts on any chain reachable over JSON-RPC."""

from __future__ import annotations

from typing import Annotated

import typer

from fedchain.chain import Transactor
from fedchain.chain.client import deploy_all
from fedchain.chain.deploy import check_target
from fedchain.cli._chain import connect, require_gas
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
    parse_address,
    print_json,
)
from fedchain.exceptions import ConfigError


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
    """Deploy every contract from the signing account and write the deployment file.

    Everything that can be checked is checked before the first transaction: the deployment file's path, the
    account and its ether, the node's chain id, and that ``--token`` holds a contract.
    """
    token_address = parse_address(token, "--token") if token is not None else None
    check_target(deployment_file)
    signer = load_signer(keystore)
    with connect(rpc, chain_id) as chain:
        require_gas(chain.w3, signer)
        if token_address is not None and not chain.w3.eth.get_code(token_address):
            raise ConfigError(
                f"--token {token_address} holds no contract on chain {chain_id}: pass the ERC-20's address"
            )
        tx = Transactor(chain.w3, signer, role="deployer")
        deployment = deploy_all(tx, signer, token=token_address)
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
