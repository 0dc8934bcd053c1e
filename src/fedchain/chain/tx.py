"""Build, sign locally, send and wait: transactions with typed errors and gas accounting."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final, NoReturn, Protocol, cast

from eth_typing import ChecksumAddress, HexStr
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import TimeExhausted, Web3RPCError
from web3.providers.eth_tester import EthereumTesterProvider
from web3.types import BlockIdentifier, Nonce, TxParams, TxReceipt, Wei

from fedchain.chain._fees import DEFAULT_PRIORITY_FEE, fee_params
from fedchain.chain.accounts import Signer
from fedchain.chain.errors import EmptyRevertError, ErrorDecoder, OutOfGasError
from fedchain.chain.gas import GasLedger, GasRecord
from fedchain.chain.nonces import NonceManager
from fedchain.exceptions import ChainError, ConfigError, ContractError

logger = logging.getLogger(__name__)

DEFAULT_GAS_MARGIN: Final = 1.25
"""Gas limit sent = estimate x margin (capped at the block gas limit)."""
DEFAULT_RECEIPT_TIMEOUT: Final = 120.0
"""Seconds to wait for a transaction to be mined."""


class TransactionError(ChainError):
    """The node refused or lost a transaction (bad nonce, insufficient funds, underpriced...)."""


class TransactionTimeoutError(TransactionError, TimeoutError):
    """A sent transaction was not mined in time; it may still be mined later."""


class _Buildable(Protocol):
    """What a ``ContractFunction`` and a ``ContractConstructor`` have in common."""

    def estimate_gas(
        self, transaction: TxParams | None = None, block_identifier: BlockIdentifier | None = None
    ) -> int: ...

    def build_transaction(self, transaction: TxParams | None = None) -> TxParams: ...


class Transactor:
    """Send locally signed transactions and wait for their receipts.

    Thread-safe: threads may share one transactor, and one transactor may serve many signers
    (pass ``signer`` per call); nonces are handed out in order per sender.

    Parameters
    ----------
    w3:
        The connected ``Web3`` (``backend.w3``).
    signer:
        Default signer of :meth:`transact`, :meth:`deploy` and :meth:`send_value`, and default
        ``from`` of :meth:`call`. The node never signs.
    role:
        Default ``role`` label of the gas records.
    ledger:
        Where mined transactions are recorded (a new ledger by default).
    decoder:
        Error decoder; the ABIs of the contracts this transactor calls are added to it.
    nonces:
        Nonce cache; share one between transactors of the same signer.
    gas_margin:
        Multiplier applied to gas estimates.
    timeout:
        Seconds to wait for a receipt.

    Examples
    --------
    >>> from fedchain.chain.backends import EmbeddedBackend
    >>> chain = EmbeddedBackend()
    >>> alice, bob = chain.funded_signer(), Signer.generate()
    >>> tx = Transactor(chain.w3, alice, role="participant")
    >>> receipt = tx.send_value(bob.address, 5, phase="pay")
    >>> chain.balance(bob.address), tx.ledger.records[0].function
    (5, 'transfer')
    """

    def __init__(
        self,
        w3: Web3,
        signer: Signer | None = None,
        *,
        role: str = "default",
        ledger: GasLedger | None = None,
        decoder: ErrorDecoder | None = None,
        nonces: NonceManager | None = None,
        gas_margin: float = DEFAULT_GAS_MARGIN,
        timeout: float = DEFAULT_RECEIPT_TIMEOUT,
        poll_latency: float = 0.05,
    ) -> None:
        if gas_margin < 1.0:
            raise ConfigError("gas_margin must be at least 1.0")
        self.w3 = w3
        self.signer = signer
        self.role = role
        self.ledger = ledger if ledger is not None else GasLedger()
        self.decoder = decoder if decoder is not None else ErrorDecoder()
        self.nonces = nonces if nonces is not None else NonceManager(w3)
        self.gas_margin = gas_margin
        self.timeout = timeout
        self.poll_latency = poll_latency
        self._abis: dict[int, Any] = {}
        self._names: dict[str, str] = {}
        self._chain_id: int | None = None
        self._block_gas_limit: int | None = None
        # Gas is estimated against the pending block (the transaction lands in a future block; a chain that
        # mines on demand, like anvil, keeps an old `latest` timestamp that would refuse a passed deadline).
        # eth-tester serves only `latest`, and its clock moves only when told to.
        self.estimate_block: BlockIdentifier = (
            "latest" if isinstance(w3.provider, EthereumTesterProvider) else "pending"
        )

    @property
    def address(self) -> ChecksumAddress | None:
        """The default signer's address."""
        return None if self.signer is None else self.signer.address

    def __repr__(self) -> str:
        return f"Transactor({self.address}, role={self.role!r})"

    def name_contract(self, address: str, name: str) -> None:
        """Label ``address`` as ``name`` in the gas records of later transactions."""
        self._names[to_checksum_address(address)] = name

    def _signer(self, signer: Signer | None) -> Signer:
        chosen = signer if signer is not None else self.signer
        if chosen is None:
            raise ConfigError("no signer: pass one to the call or to Transactor(...)")
        return chosen

    # -- public operations -------------------------------------------------------------------------

    def transact(
        self,
        fn: ContractFunction,
        signer: Signer | None = None,
        *,
        phase: str,
        role: str | None = None,
        value: int = 0,
        gas: int | None = None,
    ) -> TxReceipt:
        """Send ``fn`` (e.g. ``contract.functions.commit(h)``) and wait until it is mined.

        Raises
        ------
        ContractError
            A typed revert (see :mod:`fedchain.chain.errors`), from the gas estimate or, when
            ``gas`` is given and the transaction is mined with status 0, from replaying it.
        TransactionError
            The node refused the transaction.
        """
        self._learn(fn.contract_abi)
        context = f"{fn.fn_name} on {fn.address}"
        return self._send(
            self._signer(signer), fn, phase, role, value, gas, fn.fn_name, str(fn.address), context
        )

    def deploy(
        self,
        abi: Sequence[Mapping[str, Any]],
        bytecode: str | bytes,
        *args: Any,
        name: str = "",
        signer: Signer | None = None,
        phase: str = "deploy",
        role: str | None = None,
        value: int = 0,
        gas: int | None = None,
    ) -> tuple[Contract, TxReceipt]:
        """Deploy a contract; returns it bound to its new address, and the receipt.

        ``name`` labels the contract in gas records (see :meth:`name_contract`).

        Examples
        --------
        >>> from fedchain.chain.backends import EmbeddedBackend
        >>> chain = EmbeddedBackend()
        >>> tx = Transactor(chain.w3, chain.funded_signer())
        >>> contract, receipt = tx.deploy([], "0x600a600c600039600a6000f3602a60005260206000f3")
        >>> receipt["status"], contract.address == receipt["contractAddress"]
        (1, True)
        """
        abi_list = list(abi)
        self._learn(abi_list)
        factory = self.w3.eth.contract(abi=abi_list, bytecode=HexBytes(bytecode))
        constructor = cast(_Buildable, factory.constructor(*args))
        receipt = self._send(
            self._signer(signer),
            constructor,
            phase,
            role,
            value,
            gas,
            "constructor",
            "",
            "deploy",
            name=name,
        )
        address = receipt["contractAddress"]
        if address is None:  # pragma: no cover - a mined deployment always has an address
            raise TransactionError("deployment receipt carries no contract address")
        return self.w3.eth.contract(address=address, abi=abi_list), receipt

    def send_value(
        self,
        to: str,
        wei: int,
        signer: Signer | None = None,
        *,
        phase: str = "transfer",
        role: str | None = None,
    ) -> TxReceipt:
        """Send ``wei`` to ``to`` (an account or a payable ``receive``)."""
        recipient = to_checksum_address(to)
        transfer = _Transfer(self.w3, recipient)
        return self._send(
            self._signer(signer),
            transfer,
            phase,
            role,
            wei,
            None,
            "transfer",
            recipient,
            "transfer",
        )

    def call(
        self,
        fn: ContractFunction,
        *,
        sender: str | None = None,
        value: int = 0,
        block_identifier: BlockIdentifier = "latest",
    ) -> Any:
        """Call a view (or simulate any function) with typed errors.

        ``sender`` (``msg.sender`` of the call) defaults to the default signer's address.
        """
        self._learn(fn.contract_abi)
        return call_function(
            fn,
            decoder=self.decoder,
            sender=sender if sender is not None else self.address,
            value=value,
            block_identifier=block_identifier,
        )

    # -- internals ---------------------------------------------------------------------------------

    def _learn(self, abi: Any) -> None:
        if abi and id(abi) not in self._abis:
            self.decoder.add_abi(abi)
            self._abis[id(abi)] = abi  # keep a reference so the id is never reused

    def _send(
        self,
        signer: Signer,
        builder: _Buildable,
        phase: str,
        role: str | None,
        value: int,
        gas: int | None,
        function: str,
        contract: str,
        context: str,
        *,
        name: str = "",
    ) -> TxReceipt:
        sender = signer.address
        base: TxParams = {"from": sender, "value": Wei(value)}
        if gas is None:
            try:
                estimate = builder.estimate_gas(base, block_identifier=self.estimate_block)
            except Exception as exc:
                self._reraise(exc, f"{context} (gas estimate)", sender)
            gas = min(int(estimate * self.gas_margin) + 1, self._gas_cap())
        for attempt in (1, 2):
            fees = self._fees()
            try:
                with self.nonces.reserve(sender) as nonce:
                    params: TxParams = {
                        **base,
                        **fees,
                        "gas": gas,
                        "nonce": Nonce(nonce),
                        "chainId": self._chain(),
                    }
                    tx = builder.build_transaction(params)
                    signed = signer.sign_transaction(tx)
                    tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            except Exception as exc:
                if attempt == 1 and "nonce" in str(exc).lower():
                    logger.info("nonce of %s out of sync; resynced and retrying", sender)
                    continue
                self._reraise(exc, context, sender)
            break
        logger.debug("sent %s from %s nonce %d: %s", context, sender, nonce, tx_hash.to_0x_hex())
        try:
            receipt = self._wait(tx_hash, context)
        except TransactionTimeoutError:
            self.nonces.resync(sender)  # it may never be mined: ask the node next time
            raise
        created = receipt.get("contractAddress")
        address = str(created) if created else contract
        if created and name and receipt["status"] == 1:
            self.name_contract(created, name)
        self.ledger.record(
            GasRecord(
                role=role if role is not None else self.role,
                phase=phase,
                function=function,
                contract=address,
                gas_used=int(receipt["gasUsed"]),
                tx_hash=tx_hash.to_0x_hex(),
                block=int(receipt["blockNumber"]),
                status=int(receipt["status"]),
                effective_gas_price=int(receipt.get("effectiveGasPrice", 0) or 0),
                contract_name=name or self._names.get(address, ""),
            )
        )
        if receipt["status"] != 1:
            raise self._explain_failure(tx, receipt, context)
        return receipt

    def _wait(self, tx_hash: HexBytes, context: str) -> TxReceipt:
        try:
            return self.w3.eth.wait_for_transaction_receipt(
                tx_hash, timeout=self.timeout, poll_latency=self.poll_latency
            )
        except TimeExhausted:
            raise TransactionTimeoutError(
                f"{context}: {tx_hash.to_0x_hex()} not mined within {self.timeout} s"
            ) from None

    def _explain_failure(self, tx: TxParams, receipt: TxReceipt, context: str) -> ContractError:
        """Why a mined transaction failed: all gas used means out of gas; otherwise replay it
        as a call on the parent block to recover the revert data."""
        block = int(receipt["blockNumber"])
        tx_hash = receipt["transactionHash"].to_0x_hex()
        where = f"{context}: mined in block {block} with status 0 ({tx_hash})"
        if int(receipt["gasUsed"]) >= int(tx.get("gas", 0)):
            error: ContractError = OutOfGasError(f"{context}: used all {receipt['gasUsed']} gas")
            _note(error, where)
            return error
        replay: TxParams = {"from": tx["from"], "value": tx.get("value", Wei(0)), "gas": tx["gas"]}
        if tx.get("to"):
            replay["to"] = tx["to"]
        if "data" in tx:
            replay["data"] = tx["data"]
        try:
            self.w3.eth.call(replay, block_identifier=max(block - 1, 0))
        except Exception as exc:
            decoded = self.decoder.from_exception(exc)
            if decoded is not None:
                _note(decoded, where)
                return decoded
        error = EmptyRevertError(f"{context}: failed without a reason")
        _note(error, where)
        _note(error, "replaying it on the parent block did not reproduce the failure")
        return error

    def _reraise(self, exc: Exception, context: str, sender: str) -> NoReturn:
        """Raise ``exc`` as a typed revert, a :class:`TransactionError`, or unchanged."""
        decoded = self.decoder.from_exception(exc)
        if decoded is not None:
            _note(decoded, f"{context}, from {sender}")
            raise decoded from None
        if isinstance(exc, Web3RPCError | ValueError) or _from_embedded_evm(exc):
            raise TransactionError(f"{context}: {_message(exc)}") from exc
        raise exc

    def _chain(self) -> int:
        if self._chain_id is None:
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    def _gas_cap(self) -> int:
        if self._block_gas_limit is None:
            self._block_gas_limit = int(self.w3.eth.get_block("latest")["gasLimit"])
        return self._block_gas_limit

    def _fees(self) -> TxParams:
        return fee_params(self.w3)


class _Transfer:
    """A plain ether transfer with the ``_Buildable`` interface."""

    def __init__(self, w3: Web3, to: ChecksumAddress) -> None:
        self._w3 = w3
        self._to = to

    def estimate_gas(
        self, transaction: TxParams | None = None, block_identifier: BlockIdentifier | None = None
    ) -> int:
        return int(self._w3.eth.estimate_gas({**(transaction or {}), "to": self._to}, block_identifier))

    def build_transaction(self, transaction: TxParams | None = None) -> TxParams:
        return {**(transaction or {}), "to": self._to, "data": HexStr("0x")}


def call_function(
    fn: ContractFunction,
    *,
    decoder: ErrorDecoder | None = None,
    sender: str | None = None,
    value: int = 0,
    block_identifier: BlockIdentifier = "latest",
) -> Any:
    """``fn.call(...)`` with reverts decoded into typed exceptions.

    Examples
    --------
    >>> from fedchain.chain.backends import EmbeddedBackend
    >>> chain = EmbeddedBackend()
    >>> tx = Transactor(chain.w3, chain.funded_signer())
    >>> contract, _ = tx.deploy([{"type": "function", "name": "answer", "inputs": [],
    ...     "outputs": [{"name": "", "type": "uint256"}], "stateMutability": "view"}],
    ...     "0x600a600c600039600a6000f3602a60005260206000f3")
    >>> call_function(contract.functions.answer())
    42
    """
    decoder = decoder if decoder is not None else ErrorDecoder(fn.contract_abi or [])
    params: TxParams = {"value": Wei(value)}
    if sender is not None:
        params["from"] = to_checksum_address(sender)
    try:
        return fn.call(params, block_identifier=block_identifier)
    except Exception as exc:
        decoded = decoder.from_exception(exc)
        if decoded is None:
            raise
        _note(decoded, f"call to {fn.fn_name} on {fn.address}")
        raise decoded from None


def _note(error: BaseException, note: str) -> None:
    if note not in getattr(error, "__notes__", ()):
        error.add_note(note)


def _message(exc: BaseException) -> str:
    if isinstance(exc, Web3RPCError):
        response: Any = exc.rpc_response or {}
        error = response.get("error") if isinstance(response, Mapping) else None
        if isinstance(error, Mapping) and error.get("message"):
            return str(error["message"])
        return str(exc.message)
    return str(exc) or type(exc).__name__


def _from_embedded_evm(exc: BaseException) -> bool:
    """eth-tester / py-evm refuse transactions with their own exceptions (``ValidationError``
    for a bad nonce or balance, ``OutOfGas`` when even the block gas limit is not enough)."""
    return type(exc).__module__.startswith(("eth_tester.", "eth.", "eth_utils."))


__all__ = [
    "DEFAULT_GAS_MARGIN",
    "DEFAULT_PRIORITY_FEE",
    "DEFAULT_RECEIPT_TIMEOUT",
    "TransactionError",
    "TransactionTimeoutError",
    "Transactor",
    "call_function",
]
