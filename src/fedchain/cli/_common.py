"""Options and helpers shared by the commands: error reporting, accounts, addresses and local paths."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from eth_typing import ChecksumAddress
from eth_utils.address import is_address, is_checksum_address, to_checksum_address
from rich.console import Console
from rich.markup import escape

from fedchain.chain import Signer
from fedchain.chain.accounts import DEFAULT_KEY_ENV
from fedchain.chain.keystore import KeyStoreDir
from fedchain.cli import exit_codes
from fedchain.exceptions import AccountError, ConfigError, FedchainError

P = ParamSpec("P")
R = TypeVar("R")

PASSWORD_ENV = "FEDCHAIN_KEYSTORE_PASSWORD"
DEFAULT_DEPLOYMENT = Path("deployment.json")
ZERO_ADDRESS = "0x" + "00" * 20

console = Console()
err_console = Console(stderr=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]
DeploymentOption = Annotated[
    Path,
    typer.Option("--deployment", "-d", help="Deployment file (addresses, chain id, start block)."),
]
RpcOption = Annotated[str, typer.Option("--rpc", help="JSON-RPC URL of the chain (http(s):// or ws(s)://).")]
ChainIdOption = Annotated[
    int, typer.Option("--chain-id", min=1, help="Expected chain id; refused if the node reports another.")
]
KeystoreOption = Annotated[
    Path | None,
    typer.Option(
        "--keystore",
        help=f"Encrypted keystore file of the sending account (password from ${PASSWORD_ENV} or a prompt). "
        f"Without it the key comes from ${DEFAULT_KEY_ENV}.",
    ),
]


def report_error(exc: FedchainError) -> int:
    """Print ``exc`` as one unwrapped red line on stderr; return its documented exit code."""
    err_console.print(
        f"[bold red]error:[/] {type(exc).__name__}: {escape(str(exc))}", highlight=False, soft_wrap=True
    )
    return exit_codes.exit_code_for(exc)


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn fedchain errors into one red line on stderr and the documented exit code (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except FedchainError as exc:
            raise typer.Exit(report_error(exc)) from None

    return wrapper


# -- accounts --------------------------------------------------------------------------------------------


def keystore_password(what: Path) -> str:
    """The keystore password: ``$FEDCHAIN_KEYSTORE_PASSWORD``, else a hidden prompt on a terminal.

    Raises
    ------
    AccountError
        If the variable is set but empty, or unset without a terminal to prompt on.
    """
    password = os.environ.get(PASSWORD_ENV)
    if password == "":
        raise AccountError(f"${PASSWORD_ENV} is set but empty: set it to the password of {what}")
    if password is None:
        if not sys.stdin.isatty():
            raise AccountError(f"no keystore password for {what}: set ${PASSWORD_ENV} or run interactively")
        password = typer.prompt(f"Password for {what}", hide_input=True)
    return password


def read_keystore(path: Path) -> dict[str, Any]:
    """The JSON document of a keystore file, refusing what is plainly not one (before asking a password).

    Raises
    ------
    AccountError
        If the path is missing, a directory, unreadable, not JSON, or not an encrypted keystore document.
    """
    if path.is_dir():
        inside = sorted(path.glob("*.json"))
        example = f", e.g. {inside[0]}" if inside else ""
        raise AccountError(f"--keystore {path} is a directory: pass one keystore file{example}")
    try:
        document = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise AccountError(
            f"no keystore file at {path}: pass --keystore the path of an encrypted keystore"
        ) from None
    except OSError as exc:
        raise AccountError(f"cannot read the keystore {path}: {exc.strerror}") from None
    except ValueError:
        raise AccountError(
            f"{path} is not a keystore: it is not JSON (pass the encrypted keystore file)"
        ) from None
    if not isinstance(document, dict) or "crypto" not in {str(k).lower() for k in document}:
        raise AccountError(f"{path} is JSON but not an encrypted keystore: pass the account's keystore file")
    return document


def load_signer(keystore: Path | None) -> Signer:
    """The sending account: a keystore file, else the private-key environment variable.

    Raises
    ------
    AccountError
        With one line saying what is wrong (file, password, key) and what to pass instead.
    """
    if keystore is None:
        try:
            return Signer.from_env(DEFAULT_KEY_ENV)
        except AccountError as exc:
            raise AccountError(
                f"{exc}: pass --keystore FILE, or set ${DEFAULT_KEY_ENV} to a hex key"
            ) from None
    document = read_keystore(keystore)
    password = keystore_password(keystore)
    try:
        return Signer.from_keystore_json(document, password, source=str(keystore))
    except AccountError as exc:
        raise AccountError(f"{exc} (the password comes from ${PASSWORD_ENV})") from None


def load_keystore_dir(root: Path) -> list[Signer]:
    """Every account of a keystore directory (``fedchain devnet --accounts N`` writes one), by name order."""
    if root.exists() and not root.is_dir():
        raise AccountError(f"--keys {root} is a file: pass the directory of keystores")
    store = KeyStoreDir(root)
    names = sorted(store.names(), key=lambda name: (len(name), name))  # account-2 before account-10
    if not names:
        raise AccountError(
            f"no keystores in {root}: `fedchain devnet --accounts N --keys {root}` writes some"
        )
    password = keystore_password(root)
    try:
        return [store.load(name, password) for name in names]
    except AccountError as exc:
        raise AccountError(f"{exc} (the password comes from ${PASSWORD_ENV})") from None


# -- option values ---------------------------------------------------------------------------------------


def parse_address(value: str, option: str) -> ChecksumAddress:
    """An address option as a checksum address, refusing typos and the zero address.

    Raises
    ------
    ConfigError
        If ``value`` is not 0x and 40 hex digits, is mixed case with a checksum that does not hold (a typo
        in a copied address), or is the zero address.

    Examples
    --------
    >>> parse_address("0x" + "ab" * 20, "--aggregator")
    '0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB'
    >>> parse_address("0xABaBaBaBABabABabAbAbABAbABabababaBaBABab", "--aggregator")
    Traceback (most recent call last):
    ...
    fedchain.exceptions.ConfigError: --aggregator 0xABaB...BABab has a bad checksum (a typo?): ...
    """
    text = value.strip()
    if not is_address(text) or not text.startswith(("0x", "0X")):
        raise ConfigError(f"{option} {value!r} is not an address: pass 0x followed by 40 hex digits")
    digits = text[2:]
    if digits not in (digits.lower(), digits.upper()) and not is_checksum_address(text):
        raise ConfigError(f"{option} {text} has a bad checksum (a typo?): copy the address again")
    if int(digits, 16) == 0:
        raise ConfigError(f"{option} is the zero address: pass the account's address")
    return to_checksum_address(text)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
