"""Deploy the fedchain contracts in one call and read / write the deployment file.

The deployment file is what every other process needs to find the contracts: chain id, addresses, the block
the deployment started at (where event readers begin), and the digest of the artifacts it was made from (so a
client built from other contracts refuses it instead of misreading storage).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from eth_typing import ChecksumAddress
from eth_utils.address import is_address, to_checksum_address
from eth_utils.crypto import keccak
from web3 import Web3

from fedchain._version import __version__
from fedchain.chain._files import atomic_write_text
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


def link_bytecode(artifact: dict[str, Any], addresses: Mapping[str, str], *, runtime: bool = False) -> str:
    """The artifact's creation bytecode (or, with ``runtime``, its runtime code) with each linked library's
    address written at its offsets.

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
    code = str(artifact["deployedBytecode" if runtime else "bytecode"])
    references = artifact.get("deployedLinkReferences" if runtime else "linkReferences", {})
    for libraries in references.values():
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
        """Parse a deployment file's text.

        Raises
        ------
        DeploymentError
            If the text is not a fedchain deployment file: not JSON, another format, a field missing or of
            the wrong type, or a contract address that is not an address.
        """
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DeploymentError(
                f"not JSON: {exc.msg.lower()} at line {exc.lineno} column {exc.colno}"
            ) from None
        if not isinstance(raw, dict):
            raise DeploymentError("not a JSON object")
        if raw.get("format") != DEPLOYMENT_FORMAT:
            raise DeploymentError(f"unsupported deployment file format {raw.get('format')!r}")
        missing = [
            key for key in ("chainId", "block", "deployer", "contracts", "artifacts") if key not in raw
        ]
        if missing:
            raise DeploymentError(f"no {', '.join(missing)}")
        try:
            contracts = {str(k): str(v) for k, v in raw["contracts"].items()}
            for name, addr in contracts.items():
                if not is_address(addr):
                    raise DeploymentError(f"{name} address {addr!r} is not an address")
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
            raise DeploymentError(f"malformed: {exc}") from None

    def save(self, path: Path) -> None:
        """Write atomically (temp file + rename): a crash never leaves half a deployment file.

        Raises
        ------
        DeploymentError
            If the file cannot be written (see :func:`check_target` to refuse before deploying).
        """
        path = Path(path)
        check_target(path)
        try:
            atomic_write_text(path, self.to_json() + "\n", mode=0o600)
        except OSError as exc:
            raise DeploymentError(f"cannot write the deployment file {path}: {exc.strerror}") from None

    @classmethod
    def load(cls, path: Path, *, chain_id: int | None = None) -> Deployment:
        """Read a deployment file; with ``chain_id``, refuse one made for another chain.

        Raises
        ------
        DeploymentError
            If the file is missing, unreadable or not a deployment file, belongs to another chain, or was
            deployed from other contract sources. The message names the file and what to do.
        """
        path = Path(path)
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise DeploymentError(
                f"no deployment file at {path}: pass --deployment, or write one with `fedchain deploy`"
            ) from None
        except IsADirectoryError:
            raise DeploymentError(f"{path} is a directory, not a deployment file: pass the file") from None
        except UnicodeDecodeError:
            raise DeploymentError(f"{path} is not a fedchain deployment file (not text)") from None
        except OSError as exc:
            raise DeploymentError(f"cannot read the deployment file {path}: {exc.strerror}") from None
        try:
            deployment = cls.from_json(text)
        except DeploymentError as exc:
            raise DeploymentError(
                f"{path} is not a fedchain deployment file ({exc}): `fedchain deploy` writes one"
            ) from None
        if chain_id is not None and deployment.chain_id != chain_id:
            raise DeploymentError(
                f"{path} is a deployment on chain {deployment.chain_id}, not on chain {chain_id}"
            )
        if deployment.artifacts != artifacts_digest():
            raise DeploymentError(
                f"{path} was deployed from other contract sources than this fedchain's "
                f"(artifacts {deployment.artifacts[:12]}... vs {artifacts_digest()[:12]}...): "
                "deploy again with this version, or run the fedchain version it was made with"
            )
        return deployment


def check_target(path: Path) -> None:
    """Refuse a deployment file path that cannot be written, before anything is deployed.

    Raises
    ------
    DeploymentError
        If ``path`` is a directory, or the nearest existing folder above it is a file or not writable.
    """
    path = Path(path)
    if path.is_dir():
        raise DeploymentError(f"{path} is a directory: pass a file path for the deployment file")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise DeploymentError(f"cannot write the deployment file {path}: {parent} is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise DeploymentError(f"cannot write the deployment file {path}: {parent} is not writable")


def runtime_code(name: str, libraries: Mapping[str, str] | None = None) -> bytes:
    """The runtime code of a committed contract artifact, linked to the ``libraries`` addresses (immutables
    left as zeros, as solc emits them; a library's own address, which the EVM writes at deployment, too).

    Raises
    ------
    DeploymentError
        If the contract links a library that ``libraries`` has no address for.
    """
    linked = link_bytecode(load_artifact(name), libraries or {}, runtime=True)
    return bytes.fromhex(linked.removeprefix("0x"))


def is_runtime_of(code: bytes, name: str, libraries: Mapping[str, str] | None = None) -> bool:
    """Whether on-chain ``code`` is the runtime code of the committed ``name``, linked to ``libraries``.

    solc's ``deployedBytecode`` holds zeros where the constructor writes immutables (and where a library's
    call guard holds the library's address), so the code matches when it has the same length and differs
    only at bytes that are zero in the artifact.
    """
    expected = runtime_code(name, libraries)
    return len(code) == len(expected) and all(a == b or b == 0 for a, b in zip(code, expected, strict=True))


def check_contracts(
    w3: Web3, deployment: Deployment, source: str | os.PathLike[str] = "the deployment"
) -> None:
    """Refuse a deployment whose addresses do not hold fedchain's contracts on the chain ``w3`` serves.

    Every contract of :data:`CONTRACT_NAMES` and every library they link must be present; each but the token
    must run exactly the committed runtime code, linked to the deployment's library addresses (the token may
    be any existing ERC-20, ``fedchain deploy --token``).

    Raises
    ------
    DeploymentError
        Naming the contract and its address, if an address holds no code or another contract.
    """
    chain = deployment.chain_id
    libraries = sorted({lib for name in CONTRACT_NAMES for lib in linked_libraries(load_artifact(name))})
    names = (*CONTRACT_NAMES, *libraries)
    addresses = {name: deployment.address(name) for name in names}  # every name first: linking needs them all
    for name, address in addresses.items():
        code = bytes(w3.eth.get_code(address))
        if not code:
            raise DeploymentError(
                f"{source}: {name} address {address} holds no contract on chain {chain}: the file is not "
                "a deployment on this node's chain (a reset devnet?); deploy again or pass the right file"
            )
        if name != "FedToken" and not is_runtime_of(code, name, addresses):
            raise DeploymentError(
                f"{source}: {name} address {address} holds another contract than fedchain's {name}: pass "
                "the deployment file that `fedchain deploy` wrote for this chain"
            )


def to_address(value: str) -> ChecksumAddress:
    if not is_address(value):
        raise DeploymentError(f"{value!r} is not an address")
    return to_checksum_address(value)
