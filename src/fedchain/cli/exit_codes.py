"""Exit codes of the ``fedchain`` command, in documented ranges (as Flower's ``common/exit``).

| code   | meaning |
|--------|---------|
| 0      | success |
| 1      | unexpected internal error (a bug: please report it) |
| 2      | usage error (bad option or argument; Typer/Click's own code) |
| 10-19  | configuration: 10 bad configuration, 11 deployment file missing or for another chain, 12 account |
| 20-29  | chain: 20 backend could not start or connect, 21 a contract call reverted |
| 30-39  | storage and codec: 30 storage, 31 codec |
| 40-49  | verification: 40 a model version does not re-derive bit for bit |
"""

from __future__ import annotations

from fedchain.exceptions import (
    AccountError,
    BackendError,
    CodecError,
    ConfigError,
    ContractError,
    DeploymentError,
    FedchainError,
    StorageError,
)

SUCCESS = 0
INTERNAL = 1
USAGE = 2
CONFIG = 10
DEPLOYMENT = 11
ACCOUNT = 12
BACKEND = 20
CONTRACT = 21
STORAGE = 30
CODEC = 31
VERIFICATION = 40

_BY_CLASS: tuple[tuple[type[FedchainError], int], ...] = (
    (DeploymentError, DEPLOYMENT),
    (AccountError, ACCOUNT),
    (BackendError, BACKEND),
    (ContractError, CONTRACT),
    (StorageError, STORAGE),
    (CodecError, CODEC),
    (ConfigError, CONFIG),
)


def exit_code_for(error: FedchainError) -> int:
    """The documented exit code for a fedchain error."""
    for cls, code in _BY_CLASS:
        if isinstance(error, cls):
            return code
    return INTERNAL
