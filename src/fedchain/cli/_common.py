"""Options and helpers shared by the commands."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from fedchain.chain import Signer
from fedchain.chain.accounts import DEFAULT_KEY_ENV
from fedchain.chain.keystore import KeyStoreDir
from fedchain.cli import exit_codes
from fedchain.exceptions import AccountError, FedchainError

P = ParamSpec("P")
R = TypeVar("R")

PASSWORD_ENV = "FEDCHAIN_KEYSTORE_PASSWORD"
DEFAULT_DEPLOYMENT = Path("deployment.json")

console = Console()
err_console = Console(stderr=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]
DeploymentOption = Annotated[
    Path,
    typer.Option("--deployment", "-d", help="Deployment file (addresses, chain id, start block)."),
]
RpcOption = Annotated[str, typer.Option("--rpc", help="JSON-RPC URL of the chain (http(s):// or ws(s)://).")]
ChainIdOption = Annotated[
    int, typer.Option("--chain-id", help="Expected chain id; refused if the node reports another.")
]
KeystoreOption = Annotated[
    Path | None,
    typer.Option(
        "--keystore",
        help=f"Encrypted keystore file of the sending account (password from ${PASSWORD_ENV} or a prompt). "
        f"Without it the key comes from ${DEFAULT_KEY_ENV}.",
    ),
]


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn fedchain errors into one red line on stderr and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except FedchainError as exc:
            err_console.print(f"[bold red]error:[/] {type(exc).__name__}: {exc}", highlight=False)
            raise typer.Exit(exit_codes.exit_code_for(exc)) from None

    return wrapper


def keystore_password(what: Path) -> str:
    """The keystore password: ``$FEDCHAIN_KEYSTORE_PASSWORD``, else a hidden prompt on a terminal."""
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if not sys.stdin.isatty():
            raise AccountError(f"no keystore password: set ${PASSWORD_ENV} or run interactively")
        password = typer.prompt(f"Password for {what}", hide_input=True)
    return password


def load_signer(keystore: Path | None) -> Signer:
    """The sending account: a keystore file, else the private-key environment variable."""
    if keystore is None:
        return Signer.from_env(DEFAULT_KEY_ENV)
    return Signer.from_keystore(keystore, keystore_password(keystore))


def load_keystore_dir(root: Path) -> list[Signer]:
    """Every account of a keystore directory (``fedchain devnet --accounts N`` writes one), by name order."""
    store = KeyStoreDir(root)
    names = sorted(store.names(), key=lambda name: (len(name), name))  # account-2 before account-10
    if not names:
        raise AccountError(f"no keystores in {root}")
    password = keystore_password(root)
    return [store.load(name, password) for name in names]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
