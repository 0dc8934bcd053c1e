"""The chain backend interface: a connected ``Web3`` plus dev-only chain controls."""

from __future__ import annotations

import abc
import threading
from types import TracebackType
from typing import ClassVar, Final, Literal, Self

from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.types import TxParams, Wei

from fedchain.chain._fees import fee_params
from fedchain.chain.accounts import Signer
from fedchain.exceptions import BackendError, ConfigError

BackendKind = Literal["embedded", "devnet", "rpc"]
"""Names accepted by :func:`fedchain.chain.backends.connect`."""

DEFAULT_BLOCK_GAS_LIMIT: Final = 30_000_000
"""Block gas limit of the dev backends: enough to deploy contracts up to the 24 KiB code limit."""
DEFAULT_FUND_WEI: Final = 100 * 10**18
"""Ether given to an account by :meth:`ChainBackend.funded_signer` (100 ETH)."""


class ChainBackend(abc.ABC):
    """A connection to one chain, owning whatever it started (a process, an in-memory EVM).

    Subclasses set :attr:`name` and implement the dev-only operations when the chain allows
    them; on a public chain they raise :class:`~fedchain.exceptions.BackendError`.

    Use it as a context manager, or call :meth:`close`:

    >>> from fedchain.chain.backends import connect
    >>> with connect("embedded") as backend:
    ...     start = backend.timestamp()
    ...     backend.advance_time(3600) >= start + 3600
    True
    """

    name: ClassVar[BackendKind]
    dev: ClassVar[bool] = False
    """Whether time travel, mining and funding are available."""

    def __init__(self, w3: Web3) -> None:
        self._w3 = w3
        self._chain_id: int | None = None
        self._closed = False
        self._fund_lock = threading.Lock()
        self._funder: ChecksumAddress | None = None

    # -- connection --------------------------------------------------------------------------------

    @property
    def w3(self) -> Web3:
        """The connected ``Web3``; :class:`~fedchain.exceptions.BackendError` once closed."""
        if self._closed:
            raise BackendError(f"the {self.name} backend is closed")
        return self._w3

    @property
    def chain_id(self) -> int:
        """The chain id (asked once, then cached)."""
        if self._chain_id is None:
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Release what the backend holds. Idempotent."""
        if not self._closed:
            self._closed = True
            self._shutdown()

    def _shutdown(self) -> None:  # noqa: B027 - an optional hook, not an abstract method
        """Subclass hook run once by :meth:`close`."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"chain_id={self._chain_id or '?'}"
        return f"{type(self).__name__}({state})"

    # -- reading -----------------------------------------------------------------------------------

    def block_number(self) -> int:
        """Number of the latest mined block."""
        return int(self.w3.eth.block_number)

    def timestamp(self) -> int:
        """Timestamp of the latest mined block."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def balance(self, address: str) -> int:
        """Balance of ``address`` in wei."""
        return int(self.w3.eth.get_balance(to_checksum_address(address)))

    # -- dev-only operations -----------------------------------------------------------------------

    def advance_time(self, seconds: int) -> int:
        """Move the chain clock forward by ``seconds`` and mine a block.

        Returns the new block's timestamp, at least the previous one plus ``seconds``.
        """
        self._require_dev("advance_time")
        if seconds < 0:
            raise ConfigError("cannot move time backwards")
        return self._advance_time(int(seconds))

    def mine(self, blocks: int = 1) -> int:
        """Mine ``blocks`` empty blocks; returns the new latest block number."""
        self._require_dev("mine")
        if blocks < 1:
            raise ConfigError("blocks must be at least 1")
        self._mine(int(blocks))
        return self.block_number()

    def fund(self, address: str, wei: int) -> None:
        """Send ``wei`` to ``address`` from a prefunded dev account and wait for it to be mined."""
        self._require_dev("fund")
        if wei < 0:
            raise ConfigError("wei must not be negative")
        to = to_checksum_address(address)
        with self._fund_lock:
            w3 = self.w3
            sender = self._funding_account()
            tx: TxParams = {"from": sender, "to": to, "value": Wei(wei), **fee_params(w3)}
            tx_hash = w3.eth.send_transaction(tx)
            receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
        if receipt["status"] != 1:
            raise BackendError(f"funding {to} failed")

    def funded_signer(self, wei: int = DEFAULT_FUND_WEI) -> Signer:
        """A fresh random :class:`~fedchain.chain.accounts.Signer` holding ``wei``."""
        signer = Signer.generate()
        self.fund(signer.address, wei)
        return signer

    def _funding_account(self) -> ChecksumAddress:
        if self._funder is None:
            accounts = self.w3.eth.accounts
            if not accounts:
                raise BackendError(f"the {self.name} node has no prefunded accounts")
            self._funder = to_checksum_address(accounts[0])
        return self._funder

    def _require_dev(self, operation: str) -> None:
        if not self.dev:
            raise BackendError(
                f"{operation} is only available on dev backends (embedded, devnet), not on {self.name}"
            )

    def _advance_time(self, seconds: int) -> int:  # pragma: no cover - dev subclasses override
        raise NotImplementedError

    def _mine(self, blocks: int) -> None:  # pragma: no cover - dev subclasses override
        raise NotImplementedError


__all__ = ["DEFAULT_BLOCK_GAS_LIMIT", "DEFAULT_FUND_WEI", "BackendKind", "ChainBackend"]
