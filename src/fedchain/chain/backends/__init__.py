"""Chain backends: one interface, three ways to reach an EVM.

- ``embedded``: py-evm in this process (the default; nothing to install or start);
- ``devnet``: a local anvil started as a child process;
- ``rpc``: any JSON-RPC endpoint.

>>> with connect("embedded") as chain:
...     chain.name, chain.block_number() >= 0
('embedded', True)
"""

from __future__ import annotations

from typing import Any

from fedchain.chain.backends._anvil import ANVIL_ENV, AnvilProcess, find_anvil
from fedchain.chain.backends.base import (
    DEFAULT_BLOCK_GAS_LIMIT,
    DEFAULT_FUND_WEI,
    BackendKind,
    ChainBackend,
)
from fedchain.chain.backends.devnet import DEFAULT_DEVNET_CHAIN_ID, DevnetBackend
from fedchain.chain.backends.embedded import EMBEDDED_CHAIN_ID, EmbeddedBackend
from fedchain.chain.backends.rpc import RpcBackend, redact_url
from fedchain.exceptions import BackendError, ConfigError


def connect(kind: BackendKind = "embedded", **opts: Any) -> ChainBackend:
    """Open a backend of the given kind; ``opts`` go to its constructor.

    ``connect("rpc", url=..., chain_id=...)`` needs both options; ``embedded`` and ``devnet``
    need none.

    Raises
    ------
    ConfigError
        For an unknown kind or options the backend does not take.
    BackendError
        If the backend cannot start or connect.
    """
    factories: dict[str, type[ChainBackend]] = {
        "embedded": EmbeddedBackend,
        "devnet": DevnetBackend,
        "rpc": RpcBackend,
    }
    factory = factories.get(kind)
    if factory is None:
        raise ConfigError(f"unknown backend {kind!r}; choose one of {', '.join(factories)}")
    try:
        return factory(**opts)
    except TypeError as exc:
        raise ConfigError(f"bad options for the {kind} backend: {exc}") from exc


def anvil_available() -> bool:
    """Whether :func:`find_anvil` finds an anvil binary."""
    try:
        find_anvil()
    except BackendError:
        return False
    return True


__all__ = [
    "ANVIL_ENV",
    "DEFAULT_BLOCK_GAS_LIMIT",
    "DEFAULT_DEVNET_CHAIN_ID",
    "DEFAULT_FUND_WEI",
    "EMBEDDED_CHAIN_ID",
    "AnvilProcess",
    "BackendKind",
    "ChainBackend",
    "DevnetBackend",
    "EmbeddedBackend",
    "RpcBackend",
    "anvil_available",
    "connect",
    "find_anvil",
    "redact_url",
]
