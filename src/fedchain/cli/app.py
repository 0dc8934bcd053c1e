"""``fedchain``: registers the commands; each lives in its own module."""

from __future__ import annotations

from typing import Annotated

import typer

from fedchain._version import __version__
from fedchain.cli import demo, deploy, devnet, status

app = typer.Typer(
    name="fedchain",
    help="Confidential federated learning coordinated by EVM smart contracts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"fedchain {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Confidential federated learning coordinated by EVM smart contracts."""


app.command("demo")(demo.demo)
app.command("devnet")(devnet.devnet)
app.command("deploy")(deploy.deploy)
app.command("status")(status.status)


def main() -> None:
    app()
