"""``fedchain``: registers the commands; each lives in its own module."""

from __future__ import annotations

from typing import Annotated

import typer

from fedchain._version import __version__
from fedchain.cli import aggregator, demo, deploy, devnet, node, status, verify
from fedchain.cli._task import task_app

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
app.command("verify")(verify.verify)
app.add_typer(task_app, name="task")
app.add_typer(node.app, name="node")
app.add_typer(aggregator.app, name="aggregator")


def main() -> None:
    app()
