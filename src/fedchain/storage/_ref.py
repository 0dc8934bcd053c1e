"""Content references: what the chain records about a blob, and how to compute it.

A :class:`ContentRef` names a blob by its SHA-256 digest and size, plus a backend-specific locator
that says where to fetch it. The digest is the value the contracts store as a ``bytes32`` model or
update hash; the locator is stored next to it as a string.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Final

from fedchain.exceptions import ConfigError, InvalidLocatorError

DIGEST_SIZE: Final = 32
"""Length in bytes of a SHA-256 digest (and of the on-chain ``bytes32`` hash)."""

MAX_LOCATOR_LENGTH: Final = 2048
"""Longest locator accepted, in characters (locators live on-chain, so keep them short)."""

# Printable ASCII without spaces: a locator is a URI-like token, never free text.
_LOCATOR_RE: Final = re.compile(r"[\x21-\x7e]+")
_HEX64_RE: Final = re.compile(r"[0-9a-f]{64}")


def sha256_digest(data: bytes) -> bytes:
    """Return the SHA-256 digest of ``data`` (32 bytes).

    Examples
    --------
    >>> sha256_digest(b"").hex()[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(data).digest()


def check_locator(locator: object) -> str:
    """Return ``locator`` if it is a well-formed locator string, else raise.

    A locator is 1 to :data:`MAX_LOCATOR_LENGTH` printable ASCII characters without whitespace.
    Whether a particular store can resolve it is that store's business.

    Raises
    ------
    InvalidLocatorError
        If ``locator`` is not a string of that form.

    Examples
    --------
    >>> check_locator("fedchain-local://sha256/" + "00" * 32)[:17]
    'fedchain-local://'
    """
    if not isinstance(locator, str):
        raise InvalidLocatorError(f"locator must be a str, not {type(locator).__name__}")
    if not 0 < len(locator) <= MAX_LOCATOR_LENGTH:
        raise InvalidLocatorError(
            f"locator must have 1 to {MAX_LOCATOR_LENGTH} characters, not {len(locator)}"
        )
    if _LOCATOR_RE.fullmatch(locator) is None:
        raise InvalidLocatorError("locator must be printable ASCII without whitespace")
    return locator


def parse_digest_hex(text: object) -> bytes:
    """Parse 64 lowercase hex characters (optionally ``0x``-prefixed) into a 32-byte digest.

    Raises
    ------
    ConfigError
        If ``text`` is not such a string.

    Examples
    --------
    >>> parse_digest_hex("0x" + "ab" * 32) == bytes([0xAB]) * 32
    True
    """
    if not isinstance(text, str):
        raise ConfigError(f"digest must be a hex str, not {type(text).__name__}")
    body = text[2:] if text.startswith("0x") else text
    if _HEX64_RE.fullmatch(body) is None:
        raise ConfigError("digest must be 64 lowercase hex characters")
    return bytes.fromhex(body)


@dataclass(frozen=True, slots=True)
class ContentRef:
    """An immutable reference to a blob: its SHA-256 digest, its size and where to find it.

    Parameters
    ----------
    sha256
        The 32-byte SHA-256 digest of the blob. The chain stores this as the ``bytes32`` hash.
    size
        The blob's length in bytes (``>= 0``).
    locator
        Where a store finds the blob, e.g. ``fedchain-local://sha256/<hex>``.

    Raises
    ------
    ConfigError
        If ``sha256`` is not 32 bytes or ``size`` is not a non-negative int.
    InvalidLocatorError
        If ``locator`` is not a well-formed locator (see :func:`check_locator`).

    Examples
    --------
    >>> digest = sha256_digest(b"hi")
    >>> ref = ContentRef(digest, 2, "fedchain-memory://sha256/" + digest.hex())
    >>> ContentRef.from_json(ref.to_json()) == ref
    True
    >>> ref.bytes32 == ref.sha256
    True
    """

    sha256: bytes
    size: int
    locator: str

    def __post_init__(self) -> None:
        if type(self.sha256) is not bytes or len(self.sha256) != DIGEST_SIZE:
            raise ConfigError(f"sha256 must be {DIGEST_SIZE} bytes")
        if type(self.size) is not int or self.size < 0:
            raise ConfigError(f"size must be a non-negative int, not {self.size!r}")
        check_locator(self.locator)

    @property
    def digest_hex(self) -> str:
        """The digest as 64 lowercase hex characters, without ``0x``."""
        return self.sha256.hex()

    @property
    def bytes32(self) -> bytes:
        """The digest as the 32 bytes the chain records as the model or update hash."""
        return self.sha256

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict: ``{"locator": str, "sha256": hex, "size": int}``."""
        return {"locator": self.locator, "sha256": self.digest_hex, "size": self.size}

    @classmethod
    def from_dict(cls, data: object) -> ContentRef:
        """Build a reference from the output of :meth:`to_dict`.

        Raises
        ------
        ConfigError
            If keys are missing or extra, or a value has the wrong type or form.
        InvalidLocatorError
            If the locator is malformed.
        """
        if not isinstance(data, dict) or set(data) != {"locator", "sha256", "size"}:
            raise ConfigError("a content reference needs exactly: locator, sha256, size")
        return cls(parse_digest_hex(data["sha256"]), data["size"], data["locator"])

    def to_json(self) -> str:
        """Return the canonical JSON text (sorted keys, no whitespace)."""
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> ContentRef:
        """Parse the output of :meth:`to_json`.

        Raises
        ------
        ConfigError
            If ``text`` is not valid JSON of the expected shape.
        """
        try:
            data = json.loads(text)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"content reference is not valid JSON: {exc}") from None
        return cls.from_dict(data)
