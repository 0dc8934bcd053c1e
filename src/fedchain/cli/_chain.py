"""How a command reaches the chain: the deployment file, the RPC node, and the checks before any transaction.

Every mistake in the chain's coordinates is refused here with one line: a deployment file for another chain
than the node's (11), addresses that hold no contract or another contract (11), a node that does not answer
(20), an account without ether for gas (12).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from web3 import Web3
from web3.providers import BaseProvider

from fedchain.chain import RpcBackend, Signer, Transactor
from fedchain.chain.backends import redact_url
from fedchain.chain.backends._ws import SyncWebSocketProvider
from fedchain.chain.client import Fedchain
from fedchain.chain.deploy import Deployment, check_contracts
from fedchain.exceptions import AccountError, BackendError, DeploymentError

PROBE_TIMEOUT = 10.0
"""Seconds to wait for a node's chain id when explaining a failed connection."""


def served_chain_id(rpc: str) -> int | None:
    """The chain id the node at ``rpc`` reports, or ``None`` if it does not answer."""
    scheme = urlsplit(rpc).scheme.lower()
    provider: BaseProvider
    if scheme in ("http", "https"):
        provider = Web3.HTTPProvider(rpc, request_kwargs={"timeout": PROBE_TIMEOUT})
    elif scheme in ("ws", "wss"):
        provider = SyncWebSocketProvider(rpc, timeout=PROBE_TIMEOUT)
    else:
        return None
    try:
        return int(Web3(provider).eth.chain_id)
    except Exception:
        return None
    finally:
        if isinstance(provider, SyncWebSocketProvider):
            with contextlib.suppress(Exception):
                provider.close()


def connect(rpc: str, chain_id: int, *, option: str = "--chain-id") -> RpcBackend:
    """Connect to ``rpc``, which must serve ``chain_id`` (named after ``option`` in the error).

    Raises
    ------
    BackendError
        If the node does not answer, or serves another chain.
    ConfigError
        If the URL's scheme is not http(s) or ws(s).
    """
    try:
        return RpcBackend(rpc, chain_id)
    except BackendError as exc:
        served = served_chain_id(rpc)
        if served is None or served == chain_id:
            raise BackendError(f"{exc}: check --rpc (is the node running?)") from None
        raise BackendError(f"{exc}: pass {option} {served}, or the RPC URL of chain {chain_id}") from None


@contextmanager
def open_deployment(rpc: str, deployment_file: Path) -> Iterator[tuple[RpcBackend, Deployment]]:
    """The RPC node and the deployment file's contracts on it, both checked.

    Raises
    ------
    DeploymentError
        If the file is missing or malformed, the node serves another chain than the file's, or the file's
        addresses do not hold fedchain's contracts on that chain.
    BackendError
        If the node does not answer.
    """
    deployment = Deployment.load(deployment_file)
    try:
        chain = RpcBackend(rpc, deployment.chain_id)
    except BackendError as exc:
        served = served_chain_id(rpc)
        if served is None or served == deployment.chain_id:
            raise BackendError(f"{exc}: check --rpc (is the node running?)") from None
        raise DeploymentError(
            f"{deployment_file} is a deployment on chain {deployment.chain_id}, but {redact_url(rpc)} "
            f"serves chain {served}: pass the RPC URL of chain {deployment.chain_id}, or chain {served}'s "
            "deployment file"
        ) from None
    with chain:
        check_contracts(chain.w3, deployment, deployment_file)
        yield chain, deployment


def require_gas(w3: Web3, signer: Signer) -> None:
    """Refuse an account that holds no ether: every transaction it would send fails for gas.

    Raises
    ------
    AccountError
        If the account's balance is zero.
    """
    if int(w3.eth.get_balance(signer.address)) == 0:
        raise AccountError(
            f"account {signer.address} holds no ether on chain {int(w3.eth.chain_id)} to pay for gas: "
            "fund it first (or pass the --keystore of a funded account)"
        )


@contextmanager
def open_chain(rpc: str, deployment_file: Path, signer: Signer | None, role: str) -> Iterator[Fedchain]:
    """Connect to ``rpc`` for the deployment file's chain; the chain view sends from ``signer``.

    The deployment is checked against the node (:func:`open_deployment`) and a signer must hold ether for gas,
    before the command does anything.
    """
    with open_deployment(rpc, deployment_file) as (chain, deployment):
        if signer is not None:
            require_gas(chain.w3, signer)
        tx = Transactor(chain.w3, signer, role=role) if signer is not None else Transactor(chain.w3)
        yield Fedchain(chain.w3, deployment, tx, signer, role=role)
