"""Find the revert data in the exceptions web3.py 8 and eth-tester raise.

Where web3.py 8 leaves the revert data (see :func:`revert_data_from_exception`):

- JSON-RPC nodes (anvil, geth, ...): a ``web3.exceptions.ContractLogicError`` (or its
  ``ContractCustomError`` / ``ContractPanicError`` subclasses) whose ``.data`` is the hex string
  of the full revert data (``"0x"`` when empty), for ``eth_call`` and ``eth_estimateGas`` alike.
- web3's stock ``EthereumTesterProvider`` (eth-tester): panics in ``eth_call`` arrive as web3's
  ``ContractPanicError`` with hex ``.data``; everything else (custom errors, reason strings,
  empty reverts, and panics in ``eth_estimateGas``) arrives as
  ``eth_tester.exceptions.TransactionFailed`` whose only argument is the *text*
  ``"execution reverted: <x>"``, where ``<x>`` is the decoded reason of an ``Error(string)`` or
  the Python ``repr`` of the raw bytes (``b'\\xc4c\\xf0%...'``) for anything else. Two
  traps: a reason string that looks like a bytes literal is read back as raw data, and in
  ``eth_estimateGas`` web3 decodes *any* revert data as ``Error(string)`` when it can, so a
  custom error whose only argument is a string arrives as that string.
- :class:`~fedchain.chain.backends.EmbeddedBackend` wraps eth-tester's endpoints so that
  reverts raise ``ContractLogicError`` with hex ``.data`` exactly like a node, which removes
  the second trap (and the first for everything but ``eth_call`` reason strings).
- Mined transactions with status 0 raise nothing in web3; the receipt has no revert data on
  either backend. :class:`~fedchain.chain.tx.Transactor` replays them as a call on the parent
  block to recover it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from typing import Any, Final

from eth_abi import abi as eth_abi
from web3.exceptions import ContractLogicError, Web3RPCError

from fedchain.exceptions import ConfigError

ERROR_STRING_SELECTOR: Final = bytes.fromhex("08c379a0")
"""Selector of ``Error(string)``, the encoding of ``require(cond, "reason")``."""
PANIC_SELECTOR: Final = bytes.fromhex("4e487b71")
"""Selector of ``Panic(uint256)``, raised by the compiler's own checks."""

_REVERT_PREFIX: Final = "execution reverted"


def to_bytes(data: bytes | str) -> bytes:
    """Bytes from bytes or ``0x`` hex; :class:`~fedchain.exceptions.ConfigError` if not hex."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    text = data[2:] if data[:2] in ("0x", "0X") else data
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ConfigError("revert data is not hex") from None


def encode_reason(reason: str) -> bytes:
    """The ``Error(string)`` revert data for ``reason``."""
    return ERROR_STRING_SELECTOR + eth_abi.encode(["string"], [reason])


def revert_data_from_exception(exc: BaseException) -> bytes | None:
    """Recover the raw revert data carried by an exception raised by web3.py or eth-tester.

    Returns ``None`` when ``exc`` is not a revert. Reverts whose backend only kept the decoded
    reason string (eth-tester does this for ``Error(string)``) are re-encoded as
    ``Error(string)`` data, so callers always get bytes.
    """
    if isinstance(exc, ContractLogicError):
        data: Any = exc.data
        if isinstance(data, Mapping):
            data = data.get("data") or data.get("result")
        if isinstance(data, str) and data.startswith(("0x", "0X")):
            try:
                return to_bytes(data)
            except ConfigError:
                pass
        if isinstance(data, str) and data.startswith("Reverted 0x"):
            try:
                return to_bytes(data.split(" ", 1)[1])
            except ConfigError:
                pass
        return _from_message(exc.message or "")
    if isinstance(exc, Web3RPCError):
        response: Any = exc.rpc_response or {}
        error = response.get("error") if isinstance(response, Mapping) else None
        if isinstance(error, Mapping) and _REVERT_PREFIX in str(error.get("message", "")):
            data = error.get("data")
            if isinstance(data, str):
                try:
                    return to_bytes(data)
                except ConfigError:
                    pass
            return _from_message(str(error.get("message", "")))
        return None
    if _is_eth_tester_failure(exc):
        return _from_tester_args(exc.args)
    return None


def _is_eth_tester_failure(exc: BaseException) -> bool:
    try:
        from eth_tester.exceptions import TransactionFailed
    except ImportError:  # pragma: no cover - eth-tester is a dependency, but stay optional
        return False
    return isinstance(exc, TransactionFailed)


def _from_tester_args(args: Sequence[Any]) -> bytes:
    first = args[0] if args else b""
    if isinstance(first, BaseException):  # eth-tester sometimes wraps the original error
        return _from_tester_args(first.args)
    if isinstance(first, bytes | bytearray):
        return bytes(first)
    return _from_message(str(first))


def _from_message(message: str) -> bytes:
    """Parse ``"[execution reverted: ]<x>"``: ``<x>`` is a bytes repr or a reason string."""
    text = message.strip()
    if text.startswith(_REVERT_PREFIX):
        text = text[len(_REVERT_PREFIX) :].lstrip(":").strip()
    if not text:
        return b""
    if text[:2] in ("b'", 'b"'):
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = None
        if isinstance(value, bytes):
            return value
    return encode_reason(text)


__all__ = [
    "ERROR_STRING_SELECTOR",
    "PANIC_SELECTOR",
    "encode_reason",
    "revert_data_from_exception",
    "to_bytes",
]
