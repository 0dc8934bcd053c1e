"""Fixed-width big-endian fields and a strict reader for the canonical byte encodings."""

from __future__ import annotations

from typing import Final

from fedchain.exceptions import ConfigError, MalformedBundleError

MAX_MEMBER: Final = 2**32 - 1
"""Largest member index (the contract stores indices as ``uint32``)."""


def u8(value: int) -> bytes:
    """One unsigned byte."""
    return value.to_bytes(1, "big")


def u32(value: int) -> bytes:
    """Four bytes, big-endian."""
    return value.to_bytes(4, "big")


def u256(value: int) -> bytes:
    """Thirty-two bytes, big-endian (an EVM word)."""
    return value.to_bytes(32, "big")


def check_member(value: object, what: str = "member") -> int:
    """Return ``value`` if it is an int member index in ``[0, 2**32)``, else raise :class:`ConfigError`."""
    if type(value) is not int or not 0 <= value <= MAX_MEMBER:
        raise ConfigError(f"{what} must be an int in [0, 2**32), not {value!r}")
    return value


def check_bytes(value: object, size: int, what: str) -> bytes:
    """Return ``value`` as bytes if it is ``size`` bytes long, else raise :class:`ConfigError`."""
    if not isinstance(value, bytes | bytearray) or len(value) != size:
        raise ConfigError(f"{what} must be {size} bytes")
    return bytes(value)


class Reader:
    """Reads fixed-width fields; a shortfall or leftover is a :class:`MalformedBundleError`."""

    def __init__(self, data: object, what: str) -> None:
        if not isinstance(data, bytes | bytearray | memoryview):
            raise MalformedBundleError(f"a {what} must be bytes, not {type(data).__name__}")
        self._data = bytes(data)
        self._pos = 0
        self._what = what

    def take(self, size: int) -> bytes:
        """The next ``size`` bytes."""
        end = self._pos + size
        if end > len(self._data):
            raise MalformedBundleError(f"truncated {self._what}")
        chunk = self._data[self._pos : end]
        self._pos = end
        return chunk

    def u8(self) -> int:
        """The next unsigned byte."""
        return self.take(1)[0]

    def u32(self) -> int:
        """The next big-endian ``uint32``."""
        return int.from_bytes(self.take(4), "big")

    def remaining(self) -> int:
        """Bytes not read yet."""
        return len(self._data) - self._pos

    def expect(self, prefix: bytes) -> None:
        """Check the next bytes are exactly ``prefix`` (a magic and version)."""
        if self.take(len(prefix)) != prefix:
            raise MalformedBundleError(f"not a {self._what} of a supported version")

    def finish(self) -> None:
        """Check every byte was read."""
        if self._pos != len(self._data):
            raise MalformedBundleError(f"trailing bytes after the {self._what}")
