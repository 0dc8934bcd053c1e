"""Local signing keys that never show themselves.

A :class:`Signer` wraps an eth-account ``LocalAccount``. Its ``repr``/``str`` show only the
address, it refuses to be pickled, and every error about a key says what went wrong without
repeating the key. Keys come from a fresh random draw, an environment variable, or an
encrypted keystore v3 file (scrypt), which :meth:`Signer.to_keystore` writes atomically with
mode ``0600``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, NoReturn

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eth_account import Account
from eth_account.datastructures import SignedMessage, SignedTransaction
from eth_account.messages import SignableMessage
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress

from fedchain.chain._files import atomic_write_text
from fedchain.exceptions import AccountError

DEFAULT_KEY_ENV: Final = "FEDCHAIN_PRIVATE_KEY"
"""Environment variable :meth:`Signer.from_env` reads by default."""
DEFAULT_KDF: Final = "scrypt"
"""Key-derivation function of written keystores."""
KEYSTORE_MODE: Final = 0o600
"""Permissions of written keystore files."""

_HEX_KEY = re.compile(r"(0x)?[0-9a-fA-F]{64}")
_HKDF_SALT: Final = b"fedchain Signer.derive_key v1"
"""HKDF salt of :meth:`Signer.derive_key`: keys derived here differ from any other software's HKDF of the same
account key."""


class Signer:
    """A local private key that signs transactions and messages.

    Parameters
    ----------
    account:
        The eth-account ``LocalAccount`` to wrap.

    Examples
    --------
    >>> signer = Signer.generate()
    >>> repr(signer) == f"Signer({signer.address})"
    True
    >>> signer == Signer.from_key(signer.local_account.key)
    True
    """

    __slots__ = ("_account",)

    def __init__(self, account: LocalAccount) -> None:
        self._account = account

    # -- constructors ------------------------------------------------------------------------------

    @classmethod
    def generate(cls) -> Signer:
        """A fresh random key (from the operating system's CSPRNG)."""
        return cls(Account.create())

    @classmethod
    def from_key(cls, key: str | bytes) -> Signer:
        """Wrap a raw 32-byte key or its 64-digit hex form (``0x`` optional).

        Raises
        ------
        AccountError
            If the key is malformed; the message never contains the key.
        """
        if isinstance(key, str):
            text = key.strip()
            if not _HEX_KEY.fullmatch(text):
                raise AccountError("private key must be 32 bytes as 64 hex digits")
            raw = bytes.fromhex(text.removeprefix("0x"))
        elif isinstance(key, bytes | bytearray):
            raw = bytes(key)
            if len(raw) != 32:
                raise AccountError("private key must be exactly 32 bytes")
        else:
            raise AccountError("private key must be str or bytes")
        try:
            return cls(Account.from_key(raw))
        except Exception:  # out of the curve's range; never chain: the cause may show the key
            raise AccountError("private key is not a valid secp256k1 key") from None

    @classmethod
    def from_env(cls, var: str = DEFAULT_KEY_ENV, *, environ: Mapping[str, str] | None = None) -> Signer:
        """Read a hex private key from the environment variable ``var``.

        Raises
        ------
        AccountError
            If the variable is unset, empty or malformed; the message names the variable,
            never its value.

        Examples
        --------
        >>> key = "0x" + "11" * 32
        >>> Signer.from_env(environ={"FEDCHAIN_PRIVATE_KEY": key}).address[:6]
        '0x19E7'
        """
        env = os.environ if environ is None else environ
        value = env.get(var)
        if not value:
            raise AccountError(f"environment variable {var} is not set")
        try:
            return cls.from_key(value)
        except AccountError as exc:
            raise AccountError(f"environment variable {var}: {exc}") from None

    @classmethod
    def from_keystore(cls, path: str | os.PathLike[str], password: str) -> Signer:
        """Decrypt an encrypted keystore v3 JSON file.

        Raises
        ------
        AccountError
            If the file is missing or not a keystore, or the password is wrong.
        """
        path = Path(path)
        try:
            document = json.loads(path.read_text())
        except FileNotFoundError:
            raise AccountError(f"keystore not found: {path}") from None
        except (OSError, ValueError) as exc:
            raise AccountError(f"cannot read keystore {path}: {type(exc).__name__}") from None
        return cls.from_keystore_json(document, password, source=str(path))

    @classmethod
    def from_keystore_json(
        cls, document: Mapping[str, Any], password: str, *, source: str = "keystore"
    ) -> Signer:
        """Decrypt an already parsed keystore v3 document."""
        if not isinstance(document, Mapping) or "crypto" not in {k.lower() for k in document}:
            raise AccountError(f"{source} is not an encrypted keystore v3 document")
        try:
            key = Account.decrypt(dict(document), password)
        except ValueError as exc:
            if "MAC mismatch" in str(exc):
                raise AccountError(f"wrong password for {source}") from None
            _malformed(source)
        except Exception:
            _malformed(source)
        return cls(Account.from_key(key))

    # -- persistence -------------------------------------------------------------------------------

    def to_keystore_json(self, password: str, *, iterations: int | None = None) -> dict[str, Any]:
        """The key encrypted with ``password`` as a keystore v3 document (scrypt).

        ``iterations`` is scrypt's cost ``n`` (a power of two); the default is eth-account's
        (2**18). Lower it only for tests.
        """
        if not password:
            raise AccountError("refusing to encrypt a key with an empty password")
        return dict(self._account.encrypt(password, kdf=DEFAULT_KDF, iterations=iterations))

    def to_keystore(
        self,
        path: str | os.PathLike[str],
        password: str,
        *,
        iterations: int | None = None,
        overwrite: bool = False,
    ) -> Path:
        """Write the key, encrypted with ``password``, to ``path`` atomically with mode 0600.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> signer = Signer.generate()
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "alice.json"
        >>> _ = signer.to_keystore(path, "correct horse", iterations=2**4)
        >>> oct(path.stat().st_mode & 0o777), Signer.from_keystore(path, "correct horse") == signer
        ('0o600', True)
        """
        path = Path(path)
        if path.exists() and not overwrite:
            raise AccountError(f"keystore already exists: {path}")
        document = self.to_keystore_json(password, iterations=iterations)
        return atomic_write_text(path, json.dumps(document) + "\n", mode=KEYSTORE_MODE)

    # -- signing -----------------------------------------------------------------------------------

    @property
    def address(self) -> ChecksumAddress:
        """The checksummed address of the key."""
        return self._account.address

    @property
    def local_account(self) -> LocalAccount:
        """The wrapped eth-account object. It exposes the key: do not log or print it."""
        return self._account

    def sign_transaction(self, transaction: Mapping[str, Any]) -> SignedTransaction:
        """Sign a transaction dict (as built by web3's ``build_transaction``)."""
        return self._account.sign_transaction(dict(transaction))

    def sign_message(self, message: SignableMessage) -> SignedMessage:
        """Sign an EIP-191 message (see ``eth_account.messages.encode_defunct``)."""
        return self._account.sign_message(message)

    def derive_key(self, info: bytes, length: int = 32) -> bytes:
        """A local secret key for one purpose, derived from the private key by HKDF-SHA256.

        ``info`` names the purpose and its context (e.g. the chain, contract and task); different ``info``
        gives independent keys. The private key never leaves the signer, and unlike a signature over a
        fixed text, no wallet or dapp can make the account produce this value: it is never sent anywhere.

        Raises
        ------
        AccountError
            If ``info`` is empty (a key must name its purpose) or ``length`` is not 16 to 64 bytes.

        Examples
        --------
        >>> signer = Signer.generate()
        >>> signer.derive_key(b"purpose a") == signer.derive_key(b"purpose a") != signer.derive_key(b"b")
        True
        """
        if not isinstance(info, bytes) or not info:
            raise AccountError("a derived key needs a non-empty info string naming its purpose")
        if not 16 <= length <= 64:
            raise AccountError("a derived key is 16 to 64 bytes long")
        hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=_HKDF_SALT, info=info)
        return hkdf.derive(bytes(self._account.key))

    # -- never show the key ------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Signer({self.address})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Signer) and other.address == self.address

    def __hash__(self) -> int:
        return hash(("Signer", self.address))

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Signer cannot be pickled: keys are never written in clear")

    def __copy__(self) -> Signer:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Signer:
        return self


def _malformed(source: str) -> NoReturn:
    raise AccountError(f"{source} is malformed or uses an unsupported cipher")


__all__ = ["DEFAULT_KDF", "DEFAULT_KEY_ENV", "KEYSTORE_MODE", "Signer"]
