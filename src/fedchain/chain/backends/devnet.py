"""A local anvil node started as a child process."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import ClassVar, Final

import requests
from web3 import Web3
from web3.types import RPCEndpoint

from fedchain.chain.backends._anvil import AnvilProcess, find_anvil
from fedchain.chain.backends.base import DEFAULT_BLOCK_GAS_LIMIT, BackendKind, ChainBackend
from fedchain.exceptions import BackendError, ConfigError

DEFAULT_DEVNET_CHAIN_ID: Final = 31337
"""anvil's default chain id."""
DEFAULT_HARDFORK: Final = "prague"
"""EVM rules of the devnet: the same as the embedded backend's (Cancun bytecode runs)."""


class DevnetBackend(ChainBackend):
    """A fresh anvil on a free loopback port, automining each transaction.

    anvil's prefunded accounts are unlocked in the node and serve only :meth:`fund`; no key
    is ever read or derived here.

    Parameters
    ----------
    port:
        Port to listen on (127.0.0.1 only); a free one by default.
    chain_id:
        Chain id to report.
    anvil:
        Path of the anvil binary; see :func:`~fedchain.chain.backends.find_anvil` otherwise.
    hardfork:
        anvil ``--hardfork`` value; ``None`` for anvil's default (its latest).
    gas_limit:
        Block gas limit.
    block_time:
        Seconds between blocks for interval mining; ``None`` mines one block per transaction.
    startup_timeout:
        Seconds to wait for the node to answer.
    extra_args:
        More anvil command-line arguments.

    Examples
    --------
    >>> from fedchain.chain.backends import anvil_available
    >>> if anvil_available():
    ...     with DevnetBackend(chain_id=1337) as chain:
    ...         assert chain.w3.eth.chain_id == 1337
    """

    name: ClassVar[BackendKind] = "devnet"
    dev: ClassVar[bool] = True

    def __init__(
        self,
        *,
        port: int | None = None,
        chain_id: int = DEFAULT_DEVNET_CHAIN_ID,
        anvil: str | os.PathLike[str] | None = None,
        hardfork: str | None = DEFAULT_HARDFORK,
        gas_limit: int = DEFAULT_BLOCK_GAS_LIMIT,
        block_time: float | None = None,
        startup_timeout: float = 10.0,
        extra_args: Sequence[str] = (),
    ) -> None:
        if port is not None and not 0 < port < 65536:
            raise ConfigError(f"invalid port {port}")
        if chain_id <= 0:
            raise ConfigError("chain_id must be positive")
        args = [
            "--chain-id",
            str(chain_id),
            "--gas-limit",
            str(gas_limit),
            "--accounts",
            "2",
            "--balance",
            "1000000",
        ]
        if hardfork:
            args += ["--hardfork", hardfork]
        if block_time is not None:
            args += ["--block-time", str(block_time)]
        args += list(extra_args)
        self._process = AnvilProcess(find_anvil(anvil), args, port=port, startup_timeout=startup_timeout)
        session = requests.Session()
        session.trust_env = False  # loopback: never through a proxy from the environment
        self._session = session
        provider = Web3.HTTPProvider(
            self._process.url,
            session=session,
            request_kwargs={"timeout": 60},
            # web3 asks the chain id before each send/estimate; it never changes here.
            cache_allowed_requests=True,
            cacheable_requests={RPCEndpoint("eth_chainId")},
        )
        super().__init__(Web3(provider))
        try:
            actual = int(self._w3.eth.chain_id)
        except Exception as exc:
            self._process.stop()
            raise BackendError(f"anvil started but does not answer: {exc}") from exc
        if actual != chain_id:  # pragma: no cover - anvil honours --chain-id
            self._process.stop()
            raise BackendError(f"anvil reports chain id {actual}, expected {chain_id}")
        self._chain_id = actual

    @property
    def url(self) -> str:
        """HTTP JSON-RPC endpoint, e.g. ``http://127.0.0.1:40123``."""
        return self._process.url

    @property
    def ws_url(self) -> str:
        """WebSocket JSON-RPC endpoint on the same port."""
        return self._process.ws_url

    @property
    def port(self) -> int:
        """The port anvil listens on."""
        return self._process.port

    @property
    def pid(self) -> int:
        """anvil's process id."""
        return self._process.pid

    @property
    def process(self) -> AnvilProcess:
        """The anvil child process."""
        return self._process

    def _advance_time(self, seconds: int) -> int:
        w3 = self.w3
        before = self.timestamp()
        w3.manager.request_blocking(RPCEndpoint("evm_increaseTime"), [seconds])
        w3.manager.request_blocking(RPCEndpoint("evm_mine"), [])
        after = self.timestamp()
        if after < before + seconds:  # pragma: no cover - anvil adds the offset exactly
            raise BackendError(f"anvil moved time by {after - before} s, not {seconds} s")
        return after

    def _mine(self, blocks: int) -> None:
        self.w3.manager.request_blocking(RPCEndpoint("anvil_mine"), [hex(blocks)])

    def _shutdown(self) -> None:
        self._process.stop()
        self._session.close()


__all__ = ["DEFAULT_DEVNET_CHAIN_ID", "DEFAULT_HARDFORK", "DevnetBackend"]
