"""A directory of named, encrypted keystore files."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Final

from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address

from fedchain.chain.accounts import Signer
from fedchain.exceptions import AccountError, ConfigError

DIRECTORY_MODE: Final = 0o700
"""Permissions of a directory :class:`KeyStoreDir` creates."""

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


class KeyStoreDir:
    """Save and load :class:`~fedchain.chain.accounts.Signer` objects by name.

    Each signer lives in ``<root>/<name>.json`` as an encrypted keystore v3 file (mode 0600);
    the directory is created with mode 0700. Names are letters, digits, ``_``, ``.`` and ``-``
    and cannot start with a dot, so a name never escapes the directory.

    Examples
    --------
    >>> import tempfile
    >>> store = KeyStoreDir(tempfile.mkdtemp())
    >>> alice = Signer.generate()
    >>> _ = store.save("alice", alice, "pw", iterations=2**4)
    >>> store.names(), store.address("alice") == alice.address
    (['alice'], True)
    >>> store.load("alice", "pw") == alice
    True
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, name: str) -> Path:
        """The file that holds ``name``; :class:`~fedchain.exceptions.ConfigError` if invalid."""
        if not _NAME.fullmatch(name):
            raise ConfigError(f"invalid key name {name!r}")
        return self.root / f"{name}.json"

    def save(
        self,
        name: str,
        signer: Signer,
        password: str,
        *,
        iterations: int | None = None,
        overwrite: bool = False,
    ) -> Path:
        """Encrypt ``signer`` under ``password`` and store it as ``name``."""
        path = self.path(name)
        if not self.root.exists():
            self.root.mkdir(parents=True, mode=DIRECTORY_MODE)
        return signer.to_keystore(path, password, iterations=iterations, overwrite=overwrite)

    def load(self, name: str, password: str) -> Signer:
        """Decrypt the signer stored as ``name``."""
        path = self.path(name)
        if not path.is_file():
            raise AccountError(f"no key named {name!r} in {self.root}")
        return Signer.from_keystore(path, password)

    def address(self, name: str) -> ChecksumAddress:
        """The address stored (in clear) next to the encrypted key, without decrypting."""
        path = self.path(name)
        try:
            return to_checksum_address(json.loads(path.read_text())["address"])
        except FileNotFoundError:
            raise AccountError(f"no key named {name!r} in {self.root}") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise AccountError(f"cannot read {path}: {type(exc).__name__}") from None

    def names(self) -> list[str]:
        """Every stored name, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.stem for p in self.root.glob("*.json") if p.is_file() and _NAME.fullmatch(p.stem))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _NAME.fullmatch(name) is not None and self.path(name).is_file()

    def __repr__(self) -> str:
        return f"KeyStoreDir({str(self.root)!r})"


__all__ = ["DIRECTORY_MODE", "KeyStoreDir"]
