"""Exit codes of the ``fedchain`` command, in documented ranges (as Flower's ``common/exit``).

Every operator mistake ends with one line on stderr, ``error: <ErrorClass>: <what is wrong>: <what to do>``,
and one of these codes; a traceback only ever means a bug (exit 1).

| code   | meaning |
|--------|---------|
| 0      | success |
| 1      | unexpected internal error (a bug: please report it) |
| 2      | usage error (unknown option, missing option, a value out of its range; Typer/Click's own code) |
| 10-19  | configuration: 10 bad configuration (an option's value, an unknown task, a task of an unsupported |
|        | mode); 11 deployment file missing, unreadable, malformed, for another chain than the RPC node's, |
|        | or naming addresses that do not hold fedchain's contracts; 12 account (keystore missing, not a |
|        | keystore, wrong or missing password, bad key, no funds, not the task's aggregator); 13 node state |
|        | file unreadable, not a node state file, or written for another task, chain or coordinator |
| 20-29  | chain: 20 the node could not be started or reached, or serves another chain than ``--chain-id``; |
|        | 21 a contract call reverted; 22 the node refused or lost a transaction (fees, nonce, timeout) |
| 30-39  | storage and codec: 30 the blob store cannot be used (missing, a file, unwritable, not the task's |
|        | store); 31 codec |
| 40-49  | verification: 40 a blob the chain names is missing or altered, or a model version does not |
|        | re-derive bit for bit |
"""

from __future__ import annotations

from fedchain.chain.tx import TransactionError
from fedchain.exceptions import (
    AccountError,
    BackendError,
    CodecError,
    ConfigError,
    ContractError,
    DeploymentError,
    FedchainError,
    NodeStateError,
    StorageError,
    VerificationError,
)

SUCCESS = 0
INTERNAL = 1
USAGE = 2
CONFIG = 10
DEPLOYMENT = 11
ACCOUNT = 12
NODE_STATE = 13
BACKEND = 20
CONTRACT = 21
TRANSACTION = 22
STORAGE = 30
CODEC = 31
VERIFICATION = 40

_BY_CLASS: tuple[tuple[type[FedchainError], int], ...] = (
    (DeploymentError, DEPLOYMENT),
    (AccountError, ACCOUNT),
    (NodeStateError, NODE_STATE),
    (BackendError, BACKEND),
    (ContractError, CONTRACT),
    (TransactionError, TRANSACTION),
    (StorageError, STORAGE),
    (CodecError, CODEC),
    (VerificationError, VERIFICATION),
    (ConfigError, CONFIG),
)


def exit_code_for(error: FedchainError) -> int:
    """The documented exit code for a fedchain error (1 for an error no range covers: a bug).

    Examples
    --------
    >>> exit_code_for(DeploymentError("no deployment file at deployment.json"))
    11
    >>> exit_code_for(NodeStateError("node state s.json is not valid JSON"))
    13
    """
    for cls, code in _BY_CLASS:
        if isinstance(error, cls):
            return code
    return INTERNAL
