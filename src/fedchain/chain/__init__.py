"""The chain client: backends, local signers, transactions, typed reverts, events, gas.

==========================  =====================================================================
module                      idea
==========================  =====================================================================
``backends``                ``connect("embedded" | "devnet" | "rpc")``: a ``ChainBackend`` owning
                            a connected ``Web3``, with dev-only time travel, mining and funding
``accounts``, ``keystore``  ``Signer`` (a local key that never shows itself), ``KeyStoreDir``
``tx``, ``nonces``          ``Transactor``: estimate, sign locally, send, wait, decode reverts,
                            record gas; per-sender nonces safe across threads
``errors``                  ``ErrorDecoder`` and the typed exception classes of reverts
``revert_data``             where web3 / eth-tester leave the revert data, per backend
``events``                  ``EventCursor`` and ``EventReader``: restart-safe event reading
``gas``                     ``GasLedger``: gas per role and phase, JSON audit files, rich tables
==========================  =====================================================================

>>> from fedchain.chain import Transactor, connect
>>> with connect("embedded") as chain:
...     tx = Transactor(chain.w3, chain.funded_signer(), role="doc")
...     receipt = tx.send_value("0x" + "22" * 20, 1, phase="example")
...     tx.ledger.total(role="doc")
21000
"""

from fedchain.chain.accounts import DEFAULT_KEY_ENV, Signer
from fedchain.chain.backends import (
    BackendKind,
    ChainBackend,
    DevnetBackend,
    EmbeddedBackend,
    RpcBackend,
    anvil_available,
    connect,
    find_anvil,
)
from fedchain.chain.errors import (
    PANIC_CODES,
    EmptyRevertError,
    ErrorDecoder,
    ErrorSpec,
    OutOfGasError,
    PanicCodeError,
    RevertReasonError,
    UnknownRevertError,
    error_class,
    register_error_class,
    revert_data_from_exception,
)
from fedchain.chain.events import EventCursor, EventReader
from fedchain.chain.gas import GasLedger, GasRecord, GasSummaryRow, gas_table
from fedchain.chain.keystore import KeyStoreDir
from fedchain.chain.nonces import NonceManager
from fedchain.chain.tx import (
    TransactionError,
    TransactionTimeoutError,
    Transactor,
    call_function,
)

# The lead adds `client`, `deploy` and `bindings` exports here.

__all__ = [
    "DEFAULT_KEY_ENV",
    "PANIC_CODES",
    "BackendKind",
    "ChainBackend",
    "DevnetBackend",
    "EmbeddedBackend",
    "EmptyRevertError",
    "ErrorDecoder",
    "ErrorSpec",
    "EventCursor",
    "EventReader",
    "GasLedger",
    "GasRecord",
    "GasSummaryRow",
    "KeyStoreDir",
    "NonceManager",
    "OutOfGasError",
    "PanicCodeError",
    "RevertReasonError",
    "RpcBackend",
    "Signer",
    "TransactionError",
    "TransactionTimeoutError",
    "Transactor",
    "UnknownRevertError",
    "anvil_available",
    "call_function",
    "connect",
    "error_class",
    "find_anvil",
    "gas_table",
    "register_error_class",
    "revert_data_from_exception",
]
