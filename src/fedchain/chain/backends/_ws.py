"""A blocking JSON-RPC provider over one WebSocket (web3.py 8 only ships an async one)."""

from __future__ import annotations

import json
import threading
from contextlib import ExitStack
from typing import Any

from web3.providers import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse
from websockets.sync.client import ClientConnection, connect

from fedchain.exceptions import BackendError


class SyncWebSocketProvider(JSONBaseProvider):
    """Send each request over a shared WebSocket and wait for the reply with the same id.

    Requests are serialised by a lock, which is all a synchronous ``Web3`` needs.
    """

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        super().__init__()
        self.endpoint_uri = url
        self._timeout = timeout
        self._lock = threading.Lock()
        self._conn: ClientConnection | None = None
        self._stack = ExitStack()

    def _connection(self) -> ClientConnection:
        if self._conn is None:
            # Entered as a context manager, the form websockets supports across versions.
            opened = connect(self.endpoint_uri, open_timeout=self._timeout, max_size=None)
            self._conn = self._stack.enter_context(opened)
        return self._conn

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        request = self.encode_rpc_request(method, params)
        wanted = json.loads(request)["id"]
        with self._lock:
            conn = self._connection()
            try:
                conn.send(request.decode())
                while True:
                    raw = conn.recv(timeout=self._timeout)
                    response = self.decode_rpc_response(raw if isinstance(raw, bytes) else raw.encode())
                    if response.get("id") == wanted:
                        return response
            except TimeoutError as exc:
                self._drop()
                raise BackendError(f"no answer to {method} within {self._timeout} s") from exc
            except Exception:
                self._drop()
                raise

    def is_connected(self, show_traceback: bool = False) -> bool:
        try:
            return "result" in self.make_request(RPCEndpoint("web3_clientVersion"), [])
        except Exception:
            if show_traceback:
                raise
            return False

    def close(self) -> None:
        """Close the socket."""
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        self._conn = None
        self._stack.close()


__all__ = ["SyncWebSocketProvider"]
