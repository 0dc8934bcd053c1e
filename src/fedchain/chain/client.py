"""The deployed fedchain contracts, bound to a transactor and a signer: what nodes, the CLI and tests use.

Examples
--------
>>> from fedchain.chain import EmbeddedBackend, Transactor
>>> chain = EmbeddedBackend()
>>> owner = chain.funded_signer()
>>> tx = Transactor(chain.w3, owner, role="owner")
>>> fc = Fedchain(chain.w3, deploy_all(tx, owner), tx, owner, role="owner")
>>> fc.coordinator.task_count()
0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from eth_abi.abi import encode
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3 import Web3

from fedchain.chain.accounts import Signer
from fedchain.chain.bindings import (
    ConsentLedger,
    Coordinator,
    FedToken,
    ModelRegistry,
    ParticipantRegistry,
    StakeVault,
)
from fedchain.chain.bindings._base import BoundContract
from fedchain.chain.deploy import (
    DEFAULT_ADMIN_ROLE,
    OPERATOR_ROLE,
    Deployment,
    load_artifact,
)
from fedchain.chain.tx import Transactor
from fedchain.exceptions import ConfigError, DeploymentError

B = TypeVar("B", bound=BoundContract)


def commitment(task: int, round_number: int, member: str, update_hash: bytes, salt: bytes) -> bytes:
    """``keccak256(abi.encode(task, round, member, updateHash, salt))``, as the coordinator checks it."""
    if len(update_hash) != 32 or len(salt) != 32:
        raise ConfigError("update hash and salt must be 32 bytes each")
    types = ["uint256", "uint256", "address", "bytes32", "bytes32"]
    return keccak(encode(types, [task, round_number, to_checksum_address(member), update_hash, salt]))


def next_reveal_digest(previous: bytes, member: str, update_hash: bytes) -> bytes:
    """One step of the round's running reveal digest: ``keccak256(abi.encode(prev, member, updateHash))``."""
    return keccak(
        encode(["bytes32", "address", "bytes32"], [previous, to_checksum_address(member), update_hash])
    )


def deploy_all(
    tx: Transactor,
    deployer: Signer,
    *,
    token: str | None = None,
    mint: Mapping[str, int] | None = None,
) -> Deployment:
    """Deploy every contract, wire the coordinator in, and give up admin powers.

    The coordinator receives ``OPERATOR_ROLE`` on the vault, both registries and the consent ledger; then
    the deployer renounces ``DEFAULT_ADMIN_ROLE`` on those four, so no key can later grant itself the power
    to move stakes or rewrite the model registry. With ``token=None`` a ``FedToken`` is deployed (the
    deployer keeps its minter role, for devnets) and ``mint`` credits accounts; with an existing ERC-20
    address, ``mint`` must be empty.
    """
    role = "deployer"
    first_block = tx.w3.eth.block_number + 1
    addresses: dict[str, str] = {}

    def deploy(name: str, *args: object) -> ChecksumAddress:
        art = load_artifact(name)
        contract, _ = tx.deploy(art["abi"], art["bytecode"], *args, signer=deployer, role=role)
        addresses[name] = contract.address
        return ChecksumAddress(contract.address)

    admin = deployer.address
    if token is None:
        token_address = deploy("FedToken", admin)
    else:
        if mint:
            raise ConfigError("cannot mint an existing token; fund the accounts yourself")
        token_address = to_checksum_address(token)
        addresses["FedToken"] = token_address
    vault = deploy("StakeVault", token_address, admin)
    registry = deploy("ParticipantRegistry", admin)
    models = deploy("ModelRegistry", admin)
    consent = deploy("ConsentLedger", admin)
    deploy("Coordinator", vault, registry, models, consent)

    deployment = Deployment(
        chain_id=tx.w3.eth.chain_id, block=first_block, deployer=admin, contracts=addresses
    )
    fc = Fedchain(tx.w3, deployment, tx, deployer, role=role)
    for operated in (fc.vault, fc.registry, fc.models, fc.consent):
        operated.grant_role(OPERATOR_ROLE, fc.coordinator.address, phase="wire")
        operated.renounce_role(DEFAULT_ADMIN_ROLE, admin, phase="wire")
    for account, amount in (mint or {}).items():
        fc.token.mint(to_checksum_address(account), amount, phase="mint")
    return deployment


@dataclass
class Fedchain:
    """Typed bindings of every deployed contract, sending from ``signer`` and labelled ``role`` in the gas
    ledger. Use :meth:`as_signer` for another party sharing the same transactor (nonces, ledger)."""

    w3: Web3
    deployment: Deployment
    tx: Transactor
    signer: Signer | None = None
    role: str = "client"

    def __post_init__(self) -> None:
        if self.deployment.chain_id != self.w3.eth.chain_id:
            raise DeploymentError(
                f"deployment is for chain {self.deployment.chain_id}, "
                f"connected to chain {self.w3.eth.chain_id}"
            )

        self.coordinator = self._bind(Coordinator)
        self.registry = self._bind(ParticipantRegistry)
        self.models = self._bind(ModelRegistry)
        self.consent = self._bind(ConsentLedger)
        self.vault = self._bind(StakeVault)
        self.token = self._bind(FedToken)

    def _bind(self, cls: type[B]) -> B:
        art = load_artifact(cls.CONTRACT_NAME)
        contract = self.w3.eth.contract(address=self.deployment.address(cls.CONTRACT_NAME), abi=art["abi"])
        self.tx.decoder.add_abi(art["abi"])
        return cls(contract, self.tx, self.signer, self.role)

    @property
    def address(self) -> ChecksumAddress:
        if self.signer is None:
            raise ConfigError("this Fedchain view has no signer")
        return self.signer.address

    def as_signer(self, signer: Signer, role: str) -> Fedchain:
        """The same deployment seen by another party (shares the transactor, its nonces and gas ledger)."""
        return Fedchain(self.w3, self.deployment, self.tx, signer, role)
