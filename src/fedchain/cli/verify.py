"""``fedchain verify``: re-derive every model version of a task from public data, bit for bit."""

from __future__ import annotations

import json
import sys

import typer

from fedchain.cli import exit_codes
from fedchain.cli._chain import open_chain
from fedchain.cli._common import (
    DEFAULT_DEPLOYMENT,
    DeploymentOption,
    JsonOption,
    RpcOption,
    console,
    handle_errors,
)
from fedchain.cli._local import open_store
from fedchain.cli._task import StoreOption, TaskOption, load_task_spec
from fedchain.node import verify_task

VERIFICATION_FAILED = exit_codes.VERIFICATION
"""Exit code when some model version does not re-derive bit for bit (range 40-49: verification)."""


@handle_errors
def verify(
    rpc: RpcOption,
    task: TaskOption,
    store: StoreOption,
    deployment_file: DeploymentOption = DEFAULT_DEPLOYMENT,
    as_json: JsonOption = False,
) -> None:
    """Re-derive every registered model version of a task; one line per version.

    Exit 0 when every version re-derives bit for bit, 40 when any does not. Sends no transaction and needs
    no key: the model spec, strategy and hyper-parameters come from the task spec named on-chain.
    """
    blobs = open_store(store, writable=False)
    with open_chain(rpc, deployment_file, None, role="verifier") as fc:
        task_spec = load_task_spec(fc, blobs, task)
        report = verify_task(fc, blobs, task_spec.model, task_spec.strategy_factory(), task)
    for line in report.lines:
        if as_json:
            sys.stdout.write(json.dumps({"task": task, "line": line}) + "\n")
        else:
            style = "green" if "FAILED" not in line else "bold red"
            console.print(f"[{style}]{line}[/]", highlight=False)
    if as_json:
        sys.stdout.write(json.dumps({"task": task, "ok": report.ok, "versions": len(report.lines)}) + "\n")
    elif report.ok:
        console.print(f"[bold green]task {task}: all {len(report.lines)} versions verified[/]")
    if not report.ok:
        raise typer.Exit(VERIFICATION_FAILED)


app = typer.Typer(name="verify", add_completion=False, pretty_exceptions_enable=False)
app.command("verify")(verify)


def main() -> None:
    """Entry point: ``python -c "from fedchain.cli.verify import main; main()" ...``."""
    app()
