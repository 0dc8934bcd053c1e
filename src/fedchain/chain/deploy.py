"""Deploy the fedchain contracts in one call and read / write the deployment file.

The deployment file is what every other process needs to find the contracts: chain id, addresses, the block
the deployment started at (where event readers begin), and the digest of the artifacts it was made from (so a
client built from other contracts refuses it instead of misreading storage).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from eth_typing import ChecksumAddress
from eth_utils.address import is_address, to_checksum_address
from eth_utils.crypto import keccak

from fedchain._version import __version__
from fedchain.exceptions import DeploymentError

#: Contracts deployed by :func:`deploy_all`, in deployment order (the coordinator's linked libraries, deployed
#: just before it, are listed in the deployment file too).
CONTRACT_NAMES: tuple[str, ...] = (
    "FedToken",
    "StakeVault",
    "ParticipantRegistry",
    "ModelRegistry",
    "ConsentLedger",
    "Coordinator",
)
#: Contracts whose ``OPERATOR_ROLE`` the coordinator holds.
OPERATED: tuple[str, ...] = ("StakeVault", "ParticipantRegistry", "ModelRegistry", "ConsentLedger")
OPERATOR_ROLE = keccak(text="OPERATOR_ROLE")
DEFAULT_ADMIN_ROLE = b"\x00" * 32
DEPLOYMENT_FORMAT = 1


def load_artifact(name: str) -> dict[str, Any]:
    """The committed ABI and bytecode of a contract (``src/fedchain/contracts/<name>.json``)."""
    try:
        text = resources.files("fedchain.contracts").joinpath(f"{name}.json").read_text()
    except FileNotFoundError:
        raise DeploymentError(f"no compiled artifact for contract {name!r}") from None
    data: dict[str, Any] = json.loads(text)
    return data


def linked_libraries(artifact: dict[str, Any]) -> list[str]:
    """The libraries an artifact's bytecode links to (their addresses are filled in at deployment)."""
    return sorted(name for libraries in artifact.get("linkReferences", {}).values() for name in libraries)


def link_bytecode(artifact: dict[str, Any], addresses: dict[str, str]) -> str:
    """The artifact's creation bytecode with each linked library's address written at its offsets.

    Raises
    ------
    DeploymentError
        If a linked library has no address in ``addresses``.

    Examples
    --------
    >>> art = {"bytecode": "0x60" + "__$" + "ab" * 17 + "$__" + "00",
    ...        "linkReferences": {"src/L.sol": {"L": [{"start": 1, "length": 20}]}}}
    >>> link_bytecode(art, {"L": "0x" + "11" * 20})
    '0x60111111111111111111111111111111111111111100'
    """
    code = str(artifact["bytecode"])
    for libraries in artifact.get("linkReferences", {}).values():
        for name, places in libraries.items():
            if name not in addresses:
                raise DeploymentError(f"library {name} is not deployed")
            address = to_checksum_address(addresses[name])[2:].lower()
            for place in places:
                start = 2 + 2 * int(place["start"])
                code = code[:start] + address + code[start + 2 * int(place["length"]) :]
    return code


def artifacts_digest() -> str:
    """sha256 of the artifacts manifest: identifies the exact contract sources a deployment came from."""
    text = resources.files("fedchain.contracts").joinpath("manifest.json").read_bytes()
    return hashlib.sha256(text).hexdigest()


@dataclass(frozen=True)
class Deployment:
    """Where the contracts live on one chain.

    Examples
    --------
    >>> d = Deployment(chain_id=31337, block=1, deployer="0x" + "11" * 20, contracts={})
    >>> Deployment.from_json(d.to_json()) == d
    True
    """

    chain_id: int
    block: int
    deployer: str
    contracts: dict[str, str]
    artifacts: str = field(default_factory=artifacts_digest)
    fedchain_version: str = __version__

    def address(self, name: str) -> ChecksumAddress:
        try:
            return to_checksum_address(self.contracts[name])
        except KeyError:
            raise DeploymentError(f"the deployment has no {name} contract") from None

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": DEPLOYMENT_FORMAT,
                "chainId": self.chain_id,
                "block": self.block,
                "deployer": self.deployer,
                "contracts": dict(sorted(self.contracts.items())),
                "artifacts": self.artifacts,
                "fedchainVersion": self.fedchain_version,
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> Deployment:
        try:
            raw = json.loads(text)
            if raw.get("format") != DEPLOYMENT_FORMAT:
                raise DeploymentError(f"unsupported deployment file format {raw.get('format')!r}")
            contracts = {str(k): str(v) for k, v in raw["contracts"].items()}
            for name, addr in contracts.items():
                if not is_address(addr):
                    raise DeploymentError(f"deployment file: {name} address {addr!r} is not an address")
            return cls(
                chain_id=int(raw["chainId"]),
                block=int(raw["block"]),
                deployer=str(raw["deployer"]),
                contracts=contracts,
                artifacts=str(raw["artifacts"]),
                fedchain_version=str(raw.get("fedchainVersion", "")),
            )
        except DeploymentError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DeploymentError(f"malformed deployment file: {exc}") from None

    def save(self, path: Path) -> None:
        """Write atomically (temp file + rename): a crash never leaves half a deployment file."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(self.to_json() + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path, *, chain_id: int | None = None) -> Deployment:
        """Read a deployment file; with ``chain_id``, refuse one made for another chain."""
        try:
            text = Path(path).read_text()
        except FileNotFoundError:
            raise DeploymentError(f"no deployment file at {path}") from None
        deployment = cls.from_json(text)
        if chain_id is not None and deployment.chain_id != chain_id:
            raise DeploymentError(
                f"{path} is a deployment on chain {deployment.chain_id}, not on chain {chain_id}"
            )
        if deployment.artifacts != artifacts_digest():
            raise DeploymentError(
                f"{path} was deployed from other contract sources than this fedchain's "
                f"(artifacts {deployment.artifacts[:12]}... vs {artifacts_digest()[:12]}...)"
            )
        return deployment


def to_address(value: str) -> ChecksumAddress:
    if not is_address(value):
        raise DeploymentError(f"{value!r} is not an address")
    return to_checksum_address(value)
