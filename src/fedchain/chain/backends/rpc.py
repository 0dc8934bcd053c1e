"""Any JSON-RPC node: a testnet, a rollup, Oasis Sapphire, or a devnet started elsewhere."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlsplit

from web3 import Web3
from web3.middleware import ExtraDataToPOAMiddleware
from web3.providers import BaseProvider
from web3.types import RPCEndpoint

from fedchain.chain.backends._ws import SyncWebSocketProvider
from fedchain.chain.backends.base import BackendKind, ChainBackend
from fedchain.exceptions import BackendError, ConfigError


def redact_url(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: paths, queries and credentials often hold API keys.

    Examples
    --------
    >>> redact_url("https://user:secret@rpc.example.org/v3/0123abcd?key=1")
    'https://rpc.example.org'
    """
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


class RpcBackend(ChainBackend):
    """Connect to a node over HTTP(S) or WebSocket and check it serves the expected chain.

    Dev-only operations (time travel, mining, funding) raise
    :class:`~fedchain.exceptions.BackendError`.

    Parameters
    ----------
    url:
        ``http://``, ``https://``, ``ws://`` or ``wss://`` endpoint.
    chain_id:
        The chain the caller means; a node reporting another raises
        :class:`~fedchain.exceptions.BackendError`.
    timeout:
        Seconds per request.
    poa:
        Add web3's ``ExtraDataToPOAMiddleware`` (proof-of-authority chains with long
        ``extraData``).

    Examples
    --------
    >>> RpcBackend("ftp://example.org", 1)
    Traceback (most recent call last):
    ...
    fedchain.exceptions.ConfigError: unsupported RPC URL scheme 'ftp' (use http, https, ws or wss)
    """

    name: ClassVar[BackendKind] = "rpc"
    dev: ClassVar[bool] = False

    def __init__(self, url: str, chain_id: int, *, timeout: float = 30.0, poa: bool = False) -> None:
        scheme = urlsplit(url).scheme.lower()
        provider: BaseProvider
        if scheme in ("http", "https"):
            provider = Web3.HTTPProvider(
                url,
                request_kwargs={"timeout": timeout},
                cache_allowed_requests=True,  # only the chain id, checked right below
                cacheable_requests={RPCEndpoint("eth_chainId")},
            )
        elif scheme in ("ws", "wss"):
            provider = SyncWebSocketProvider(url, timeout=timeout)
        else:
            raise ConfigError(f"unsupported RPC URL scheme {scheme!r} (use http, https, ws or wss)")
        self.url = url
        w3 = Web3(provider)
        if poa:
            w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
        super().__init__(w3)
        shown = redact_url(url)
        try:
            actual = int(w3.eth.chain_id)
        except Exception as exc:
            self._drop_provider()
            raise BackendError(f"cannot reach {shown}: {type(exc).__name__}") from None
        if actual != chain_id:
            self._drop_provider()
            raise BackendError(f"{shown} serves chain {actual}, expected chain {chain_id}")
        self._chain_id = actual

    def __repr__(self) -> str:
        return f"RpcBackend({redact_url(self.url)}, chain_id={self._chain_id})"

    def _drop_provider(self) -> None:
        provider = self._w3.provider
        if isinstance(provider, SyncWebSocketProvider):
            provider.close()

    def _shutdown(self) -> None:
        self._drop_provider()


__all__ = ["RpcBackend", "redact_url"]
