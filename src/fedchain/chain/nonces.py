"""Per-sender nonces handed out locally, so one sender can send from many threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from web3 import Web3


class NonceManager:
    """A thread-safe cache of the next nonce of each sender.

    The first use of a sender asks the node (``pending`` count); later ones count locally.
    :meth:`reserve` holds the sender's lock while the caller signs and sends, commits the
    nonce when the block exits normally and forgets the cache (so the next use resyncs from
    the node) when it raises.

    Examples
    --------
    >>> from fedchain.chain.backends import EmbeddedBackend
    >>> chain = EmbeddedBackend()
    >>> nonces = NonceManager(chain.w3)
    >>> with nonces.reserve("0x" + "11" * 20) as nonce:
    ...     nonce
    0
    >>> nonces.peek("0x" + "11" * 20)
    1
    """

    def __init__(self, w3: Web3) -> None:
        self._w3 = w3
        self._guard = threading.Lock()
        self._locks: dict[ChecksumAddress, threading.RLock] = {}
        self._next: dict[ChecksumAddress, int] = {}

    def _lock_for(self, address: ChecksumAddress) -> threading.RLock:
        with self._guard:
            lock = self._locks.get(address)
            if lock is None:
                lock = self._locks[address] = threading.RLock()
            return lock

    @contextmanager
    def reserve(self, address: str) -> Iterator[int]:
        """Lock ``address``, yield its next nonce, and commit it unless the block raises."""
        sender = to_checksum_address(address)
        with self._lock_for(sender):
            nonce = self._next.get(sender)
            if nonce is None:
                nonce = int(self._w3.eth.get_transaction_count(sender, "pending"))
            try:
                yield nonce
            except BaseException:
                self._next.pop(sender, None)
                raise
            self._next[sender] = nonce + 1

    def peek(self, address: str) -> int | None:
        """The cached next nonce of ``address``, or ``None`` if it will be read from the node."""
        return self._next.get(to_checksum_address(address))

    def resync(self, address: str) -> None:
        """Forget the cached nonce of ``address``; the next :meth:`reserve` asks the node."""
        sender = to_checksum_address(address)
        with self._lock_for(sender):
            self._next.pop(sender, None)


__all__ = ["NonceManager"]
