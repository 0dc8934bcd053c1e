"""In-process EVM: py-evm through eth-tester. The default backend: nothing to install or start."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar, Final

from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.providers.eth_tester import EthereumTesterProvider
from web3.types import RPCEndpoint, RPCResponse

from fedchain.chain.backends.base import DEFAULT_BLOCK_GAS_LIMIT, BackendKind, ChainBackend
from fedchain.chain.revert_data import revert_data_from_exception
from fedchain.exceptions import BackendError

EMBEDDED_CHAIN_ID: Final = 131277322940537
"""eth-tester's fixed chain id."""


def _raise_like_a_node(delegator: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """Wrap an eth-tester endpoint so a revert raises web3's ``ContractLogicError`` carrying
    the revert data as hex in ``.data``, as a JSON-RPC node's error does.

    Unwrapped, web3 turns eth-tester's ``TransactionFailed`` into a text message and, for
    ``eth_estimateGas``, decodes *any* revert data as ``Error(string)`` when it can, so a custom
    error with one string argument would come back as a plain reason string.
    """
    from eth_tester.exceptions import TransactionFailed

    def endpoint(tester: Any, params: Any) -> Any:
        try:
            return delegator(tester, params)
        except TransactionFailed as exc:
            data = revert_data_from_exception(exc) or b""
            raise ContractLogicError("execution reverted", data="0x" + data.hex()) from exc

    return endpoint


class _SerialTesterProvider(EthereumTesterProvider):
    """``EthereumTesterProvider`` whose requests run one at a time and whose reverts look like
    a node's (see :func:`_raise_like_a_node`).

    py-evm is not thread-safe; a lock makes one embedded chain safe to share between threads
    (participants of a simulation, a transactor's worker pool).
    """

    def __init__(self, tester: Any) -> None:
        from web3.providers.eth_tester.defaults import API_ENDPOINTS

        endpoints = {
            namespace: (
                {name: _raise_like_a_node(fn) for name, fn in methods.items()}
                if namespace == "eth"
                else dict(methods)
            )
            for namespace, methods in API_ENDPOINTS.items()
        }
        super().__init__(tester, api_endpoints=endpoints)
        self.lock = threading.RLock()

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        with self.lock:
            return super().make_request(method, params)


def _quick_gas_estimate(state: Any, transaction: Any) -> int:
    """Gas estimate in two EVM runs instead of py-evm's binary search (about thirteen).

    Run once at the block gas limit to learn the gas consumed (before refunds), then check
    that this plus the 1/64 the EVM withholds from sub-calls, plus a call stipend, suffices.
    If it does not (unusual gas-dependent code), fall back to py-evm's binary search, so the
    answer is never too low.
    """
    from eth.estimators.gas import binary_gas_search_intrinsic_tolerance
    from eth.vm.spoof import SpoofTransaction

    snapshot = state.snapshot()
    try:
        probe = SpoofTransaction(transaction, gas=state.gas_limit, gas_price=0)
        computation = state.apply_transaction(probe)
        if computation.is_error:
            raise computation.error
        consumed = int(computation.get_gas_used())
    finally:
        state.revert(snapshot)
    candidate = min(int(state.gas_limit), int(transaction.intrinsic_gas) + consumed * 64 // 63 + 2300)
    snapshot = state.snapshot()
    try:
        trial = SpoofTransaction(transaction, gas=candidate, gas_price=0)
        enough = not state.apply_transaction(trial).is_error
    except Exception:  # e.g. below an EIP-7623 calldata floor: let the search decide
        enough = False
    finally:
        state.revert(snapshot)
    if enough:
        return candidate
    return int(binary_gas_search_intrinsic_tolerance(state, transaction))


class EmbeddedBackend(ChainBackend):
    """An in-memory chain (py-evm, Prague rules, so Cancun bytecode runs) with instant mining.

    Every transaction is mined in its own block. Ten prefunded accounts (1,000,000 ETH each)
    live inside eth-tester and serve only :meth:`fund`; transactions are signed locally.

    Parameters
    ----------
    gas_limit:
        Block gas limit (30M by default, above mainnet's so large contracts deploy).

    Examples
    --------
    >>> with EmbeddedBackend() as chain:
    ...     alice = chain.funded_signer(10**18)
    ...     chain.balance(alice.address)
    1000000000000000000
    """

    name: ClassVar[BackendKind] = "embedded"
    dev: ClassVar[bool] = True

    def __init__(self, *, gas_limit: int = DEFAULT_BLOCK_GAS_LIMIT) -> None:
        try:
            from eth_tester import EthereumTester, PyEVMBackend
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise BackendError("the embedded backend needs eth-tester[py-evm]") from exc
        params = PyEVMBackend.generate_genesis_params(overrides={"gas_limit": gas_limit})
        backend = PyEVMBackend(genesis_parameters=params)
        # Chains created later from this one (snapshots) inherit the class attribute.
        type(backend.chain).gas_estimator = staticmethod(_quick_gas_estimate)
        backend.chain.gas_estimator = _quick_gas_estimate
        self._tester = EthereumTester(backend)
        self._provider = _SerialTesterProvider(self._tester)
        super().__init__(Web3(self._provider))
        self._chain_id = EMBEDDED_CHAIN_ID

    @property
    def tester(self) -> Any:
        """The underlying ``eth_tester.EthereumTester`` (snapshots, raw access)."""
        return self._tester

    def _advance_time(self, seconds: int) -> int:
        with self._provider.lock:
            latest = int(self._tester.get_block_by_number("latest")["timestamp"])
            pending = int(self._tester.get_block_by_number("pending")["timestamp"])
            target = latest + seconds
            if target > pending:
                # eth-tester mines the travelled-to block one second early: aim one later.
                self._tester.time_travel(target + 1)
            else:
                self._tester.mine_blocks(1)
            return int(self._tester.get_block_by_number("latest")["timestamp"])

    def _mine(self, blocks: int) -> None:
        with self._provider.lock:
            self._tester.mine_blocks(blocks)

    def _shutdown(self) -> None:
        self._tester = None
        self._provider.ethereum_tester = None


__all__ = ["EMBEDDED_CHAIN_ID", "EmbeddedBackend"]
