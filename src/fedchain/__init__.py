"""fedchain: confidential federated learning coordinated by EVM smart contracts.

The names most programs need; the subpackages hold the rest (``fedchain.chain``, ``fedchain.storage``,
``fedchain.codec``, ``fedchain.fl``, ``fedchain.data``, ``fedchain.incentives``, ``fedchain.testing``).
"""

from fedchain._version import __version__
from fedchain.chain import (
    ChainBackend,
    DevnetBackend,
    EmbeddedBackend,
    RpcBackend,
    Signer,
    Transactor,
    connect,
)
from fedchain.chain.client import Fedchain, commitment, deploy_all
from fedchain.chain.deploy import Deployment
from fedchain.codec import ModelSpec, decode, encode
from fedchain.exceptions import (
    ChainError,
    CodecError,
    ConfigError,
    ContractCustomError,
    ContractError,
    FedchainError,
    StorageError,
)
from fedchain.storage import BlobStore, ContentRef, LocalDirectoryStore, MemoryStore

__all__ = [
    "BlobStore",
    "ChainBackend",
    "ChainError",
    "CodecError",
    "ConfigError",
    "ContentRef",
    "ContractCustomError",
    "ContractError",
    "Deployment",
    "DevnetBackend",
    "EmbeddedBackend",
    "Fedchain",
    "FedchainError",
    "LocalDirectoryStore",
    "MemoryStore",
    "ModelSpec",
    "RpcBackend",
    "Signer",
    "StorageError",
    "Transactor",
    "__version__",
    "commitment",
    "connect",
    "decode",
    "deploy_all",
    "encode",
]
