"""Decode revert data into typed exceptions.

Every Solidity custom error becomes a subclass of
:class:`~fedchain.exceptions.ContractCustomError` carrying ``error_name`` and ``error_args``;
``Error(string)``, ``Panic(uint256)`` and empty reverts become subclasses of
:class:`~fedchain.exceptions.ContractPanicError`.

The typed class for an error name comes from a process-wide registry: a class registered with
:func:`register_error_class` (generated bindings register one static class per Solidity error)
wins; otherwise a subclass named after the error is created once and cached, so
``except error_class("FixtureTooLarge")`` catches every later decode of that error.

Where each backend leaves the revert data is documented in :mod:`fedchain.chain.revert_data`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from eth_abi import abi as eth_abi
from eth_abi.exceptions import DecodingError
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address

from fedchain.chain.revert_data import (
    ERROR_STRING_SELECTOR,
    PANIC_SELECTOR,
    encode_reason,
    revert_data_from_exception,
    to_bytes,
)
from fedchain.exceptions import (
    ConfigError,
    ContractCustomError,
    ContractError,
    ContractPanicError,
)

PANIC_CODES: Final[Mapping[int, str]] = {
    0x00: "generic compiler-inserted panic",
    0x01: "assert evaluated to false",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "conversion into an invalid enum value",
    0x22: "incorrectly encoded storage byte array",
    0x31: "pop() on an empty array",
    0x32: "array index out of bounds",
    0x41: "too much memory allocated or array too large",
    0x51: "call to a zero-initialised internal function",
}
"""Meaning of each Solidity panic code."""


class RevertReasonError(ContractPanicError):
    """A revert with a reason string: ``require(cond, "reason")`` or ``revert("reason")``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"reverted: {reason}")


class PanicCodeError(ContractPanicError):
    """A ``Panic(uint256)`` revert; :data:`PANIC_CODES` gives the meaning of ``code``."""

    def __init__(self, code: int) -> None:
        self.code = code
        self.meaning = PANIC_CODES.get(code, "unknown panic code")
        super().__init__(f"panic 0x{code:02x}: {self.meaning}")


class EmptyRevertError(ContractPanicError):
    """A revert without any data (``revert()``, a failed low-level check, or out of gas)."""

    def __init__(self, message: str = "reverted without data") -> None:
        super().__init__(message)


class OutOfGasError(EmptyRevertError):
    """A mined transaction used all the gas it was given: out of gas (or an invalid opcode)."""


class UnknownRevertError(ContractError):
    """Revert data that no known ABI explains (unknown selector or malformed arguments).

    Attributes
    ----------
    data:
        The raw revert data.
    """

    def __init__(self, data: bytes, why: str = "unknown error selector") -> None:
        self.data = bytes(data)
        self.selector = self.data[:4]
        super().__init__(f"{why}: 0x{self.data.hex()}")


# -- registry of typed classes ---------------------------------------------------------------------

_E = TypeVar("_E", bound=type[ContractCustomError])

_registry_lock = threading.Lock()
_registered: dict[str, type[ContractCustomError]] = {}
_dynamic: dict[str, type[ContractCustomError]] = {}


def register_error_class(cls: _E) -> _E:
    """Register a static exception class for one Solidity error; usable as a decorator.

    The class must subclass :class:`~fedchain.exceptions.ContractCustomError`, keep its
    ``(error_name, error_args)`` constructor, and name its error in the class attribute
    ``error_name`` (the class name is used when that is empty). Registering the same class
    twice is harmless; registering a different class under a taken name raises
    :class:`~fedchain.exceptions.ConfigError`.

    Examples
    --------
    >>> from fedchain.exceptions import ContractCustomError
    >>> @register_error_class
    ... class DocExampleClosed(ContractCustomError):
    ...     error_name = "DocExampleClosed"
    >>> error_class("DocExampleClosed") is DocExampleClosed
    True
    """
    if not (isinstance(cls, type) and issubclass(cls, ContractCustomError)):
        raise ConfigError("error classes must subclass ContractCustomError")
    name = cls.error_name or cls.__name__
    if not name.isidentifier():
        raise ConfigError(f"not a Solidity error name: {name!r}")
    with _registry_lock:
        existing = _registered.get(name)
        if existing is not None and existing is not cls:
            raise ConfigError(f"another class is already registered for error {name}")
        _registered[name] = cls
    return cls


def error_class(name: str) -> type[ContractCustomError]:
    """The typed exception class for the Solidity error ``name``.

    Returns the registered class if there is one, otherwise a subclass of
    :class:`~fedchain.exceptions.ContractCustomError` named ``name``, created on first use and
    cached, so the same class comes back every time.

    Examples
    --------
    >>> cls = error_class("DocExampleTooLarge")
    >>> cls.__name__, cls is error_class("DocExampleTooLarge")
    ('DocExampleTooLarge', True)
    >>> err = cls("DocExampleTooLarge", {"value": 7})
    >>> isinstance(err, ContractCustomError), err.error_args
    (True, {'value': 7})
    """
    if not name.isidentifier():
        raise ConfigError(f"not a Solidity error name: {name!r}")
    with _registry_lock:
        cls = _registered.get(name) or _dynamic.get(name)
        if cls is None:
            cls = type(
                name,
                (ContractCustomError,),
                {
                    "error_name": name,
                    "__module__": __name__,
                    "__qualname__": name,
                    "__doc__": f"The Solidity custom error ``{name}`` (created at run time).",
                },
            )
            _dynamic[name] = cls
        return cls


# -- ABI error specs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorSpec:
    """One ``type: "error"`` ABI entry.

    Attributes
    ----------
    name:
        Error name, e.g. ``"FixtureTooLarge"``.
    selector:
        First four bytes of ``keccak256(signature)``.
    arg_names:
        Argument names in declaration order (``arg0``, ``arg1``, ... for unnamed ones).
    arg_types:
        Canonical ABI types, tuples collapsed (``"(uint256,address)[]"``).
    """

    name: str
    selector: bytes
    arg_names: tuple[str, ...]
    arg_types: tuple[str, ...]
    inputs: tuple[Mapping[str, Any], ...]

    @property
    def signature(self) -> str:
        """The canonical signature, e.g. ``FixtureTooLarge(uint256,uint256)``."""
        return f"{self.name}({','.join(self.arg_types)})"

    @classmethod
    def from_abi(cls, entry: Mapping[str, Any]) -> ErrorSpec:
        """Build the spec of one ABI entry of type ``error``."""
        inputs = tuple(entry.get("inputs", ()))
        types = tuple(_canonical_type(i) for i in inputs)
        names = tuple(str(i.get("name") or f"arg{n}") for n, i in enumerate(inputs))
        name = str(entry["name"])
        selector = function_signature_to_4byte_selector(f"{name}({','.join(types)})")
        return cls(name, bytes(selector), names, types, inputs)


def _canonical_type(param: Mapping[str, Any]) -> str:
    kind = str(param["type"])
    if not kind.startswith("tuple"):
        return kind
    inner = ",".join(_canonical_type(c) for c in param.get("components", ()))
    return f"({inner}){kind[len('tuple') :]}"


def _normalize(param: Mapping[str, Any], value: Any) -> Any:
    """Checksum addresses (eth_abi returns them in lower case), recursing into arrays/tuples."""
    kind = str(param["type"])
    if kind.endswith("]"):
        element = dict(param, type=kind[: kind.rindex("[")])
        return tuple(_normalize(element, v) for v in value)
    if kind == "tuple":
        return tuple(_normalize(c, v) for c, v in zip(param.get("components", ()), value, strict=True))
    if kind == "address":
        return to_checksum_address(value)
    return value


# -- the decoder -----------------------------------------------------------------------------------


class ErrorDecoder:
    """Decode revert data against the custom errors of any number of ABIs.

    Parameters
    ----------
    *abis:
        Contract ABIs (lists of ABI entries); only ``type: "error"`` entries are used.

    Examples
    --------
    >>> abi = [{"type": "error", "name": "Late", "inputs": [
    ...     {"name": "round", "type": "uint256"}]}]
    >>> decoder = ErrorDecoder(abi)
    >>> data = decoder.spec("Late").selector + (7).to_bytes(32, "big")
    >>> err = decoder.decode(data)
    >>> type(err).__name__, err.error_args
    ('Late', {'round': 7})
    >>> decoder.decode(b"")
    EmptyRevertError('reverted without data')
    """

    def __init__(self, *abis: Iterable[Mapping[str, Any]]) -> None:
        self._lock = threading.Lock()
        self._specs: dict[bytes, ErrorSpec] = {}
        for entries in abis:
            self.add_abi(entries)

    def add_abi(self, abi: Iterable[Mapping[str, Any]]) -> None:
        """Learn the custom errors declared in ``abi``.

        Two different errors with the same selector (a real but vanishingly rare collision)
        raise :class:`~fedchain.exceptions.ConfigError`.
        """
        specs = [ErrorSpec.from_abi(e) for e in abi if e.get("type") == "error"]
        with self._lock:
            for spec in specs:
                known = self._specs.get(spec.selector)
                if known is not None and known.signature != spec.signature:
                    raise ConfigError(
                        f"selector clash: {known.signature} and {spec.signature} "
                        f"share 0x{spec.selector.hex()}"
                    )
                self._specs[spec.selector] = spec

    @property
    def specs(self) -> Mapping[bytes, ErrorSpec]:
        """Known errors by selector."""
        with self._lock:
            return dict(self._specs)

    def spec(self, name: str) -> ErrorSpec:
        """The spec of the error called ``name`` (``KeyError`` when unknown)."""
        with self._lock:
            for spec in self._specs.values():
                if spec.name == name:
                    return spec
        raise KeyError(name)

    def decode(self, data: bytes | str) -> ContractError:
        """Turn raw revert data (bytes or ``0x`` hex) into an exception instance.

        Returns (does not raise) one of: the typed class of a known custom error, a
        :class:`RevertReasonError`, a :class:`PanicCodeError`, an :class:`EmptyRevertError`, or
        an :class:`UnknownRevertError` for data nothing explains.
        """
        raw = to_bytes(data)
        if not raw:
            return EmptyRevertError()
        selector, body = raw[:4], raw[4:]
        try:
            if selector == ERROR_STRING_SELECTOR:
                (reason,) = eth_abi.decode(["string"], body)
                return RevertReasonError(str(reason))
            if selector == PANIC_SELECTOR:
                (code,) = eth_abi.decode(["uint256"], body)
                return PanicCodeError(int(code))
        except (DecodingError, OverflowError, ValueError):
            return UnknownRevertError(raw, "malformed revert data")
        with self._lock:
            spec = self._specs.get(selector)
        if spec is None:
            return UnknownRevertError(raw)
        try:
            values = eth_abi.decode(list(spec.arg_types), body)
            args = {n: _normalize(p, v) for n, p, v in zip(spec.arg_names, spec.inputs, values, strict=True)}
        except (DecodingError, OverflowError, ValueError):
            return UnknownRevertError(raw, f"malformed arguments for {spec.signature}")
        return error_class(spec.name)(spec.name, args)

    def from_exception(self, exc: BaseException) -> ContractError | None:
        """Decode the revert carried by a web3 / eth-tester exception, or ``None`` if none.

        Exceptions that are already :class:`~fedchain.exceptions.ContractError` are returned
        as they are.
        """
        if isinstance(exc, ContractError):
            return exc
        data = revert_data_from_exception(exc)
        return None if data is None else self.decode(data)


__all__ = [
    "ERROR_STRING_SELECTOR",
    "PANIC_CODES",
    "PANIC_SELECTOR",
    "EmptyRevertError",
    "ErrorDecoder",
    "ErrorSpec",
    "OutOfGasError",
    "PanicCodeError",
    "RevertReasonError",
    "UnknownRevertError",
    "encode_reason",
    "error_class",
    "register_error_class",
    "revert_data_from_exception",
]
