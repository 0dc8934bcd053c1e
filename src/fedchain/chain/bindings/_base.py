"""Runtime base of the generated contract bindings."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from eth_typing import ChecksumAddress
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

from fedchain.exceptions import ConfigError


class SignerLike(Protocol):
    @property
    def address(self) -> ChecksumAddress: ...


class TransactorLike(Protocol):
    """What a binding needs from the transaction layer (``fedchain.chain.tx.Transactor``)."""

    def call(self, fn: ContractFunction) -> Any: ...

    def transact(
        self, fn: ContractFunction, signer: Any, *, role: str, phase: str, value: int = 0
    ) -> TxReceipt: ...


class BoundContract:
    """A deployed contract bound to a transactor and, for transactions, a signer and a role label.

    Views decode reverts into typed exceptions like transactions do; transactions are signed locally by the
    bound signer and recorded in the transactor's gas ledger under ``role`` and the call's ``phase``.
    """

    CONTRACT_NAME: ClassVar[str] = ""
    EVENTS: ClassVar[dict[str, type[Any]]] = {}

    def __init__(
        self,
        contract: Contract,
        transactor: TransactorLike,
        signer: SignerLike | None = None,
        role: str = "",
    ) -> None:
        self.contract = contract
        self.transactor = transactor
        self.signer = signer
        self.role = role

    @property
    def address(self) -> ChecksumAddress:
        return ChecksumAddress(self.contract.address)

    def bind(self, signer: SignerLike, role: str = "") -> BoundContract:
        """The same contract with another signer (and role label)."""
        return type(self)(self.contract, self.transactor, signer, role or self.role)

    def _function(self, selector: str, args: tuple[Any, ...]) -> ContractFunction:
        fn: ContractFunction = self.contract.get_function_by_signature(selector)(*args)
        return fn

    def _call(self, selector: str, args: tuple[Any, ...]) -> Any:
        return self.transactor.call(self._function(selector, args))

    def _send(self, selector: str, args: tuple[Any, ...], *, phase: str, value: int = 0) -> TxReceipt:
        if self.signer is None:
            raise ConfigError(f"{self.CONTRACT_NAME}.{selector}: no signer bound; use .bind(signer)")
        fn = self._function(selector, args)
        return self.transactor.transact(fn, self.signer, role=self.role, phase=phase, value=value)

    def events_in_receipt(self, receipt: TxReceipt, name: str) -> list[Any]:
        """Typed events of one kind emitted by this contract in ``receipt``."""
        from web3.logs import DISCARD

        raw = self.contract.events[name]().process_receipt(receipt, errors=DISCARD)
        return [self.EVENTS[name].from_event(ev) for ev in raw]

    def events(self, name: str, from_block: int, to_block: int | str = "latest") -> list[Any]:
        """Typed events of one kind in a block range (for restart-safe reading use ``EventReader``)."""
        raw = self.contract.events[name]().get_logs(from_block=from_block, to_block=to_block)
        return [self.EVENTS[name].from_event(ev) for ev in raw]
