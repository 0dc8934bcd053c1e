"""``fedchain verify``: check every blob the chain names for a task and re-derive every model version."""

from __future__ import annotations

import typer

from fedchain.chain.client import Fedchain
from fedchain.cli import exit_codes
from fedchain.cli._chain import open_chain
from fedchain.cli._common import (
    DEFAULT_DEPLOYMENT,
    DeploymentOption,
    JsonOption,
    RpcOption,
    console,
    handle_errors,
    print_json,
)
from fedchain.cli._local import open_store
from fedchain.cli._task import StoreOption, TaskOption, check_mode, check_task
from fedchain.exceptions import BlobIntegrityError, BlobNotFoundError, ConfigError, StorageError
from fedchain.node import StrategyFactory, verify_task
from fedchain.storage import BlobStore
from fedchain.taskspec import TaskSpec, fetch_task_spec

VERIFICATION_FAILED = exit_codes.VERIFICATION
"""Exit code when a blob is missing or altered, or a version does not re-derive (40-49: verification)."""


@handle_errors
def verify(
    rpc: RpcOption,
    task: TaskOption,
    store: StoreOption,
    deployment_file: DeploymentOption = DEFAULT_DEPLOYMENT,
    as_json: JsonOption = False,
) -> None:
    """Check every blob the chain names for a task and re-derive every registered model version.

    The task spec, the initial model, every model version (the latest included), every round record and,
    in plain mode, every revealed update must be in the store and hash to what the chain records; every
    version must re-derive bit for bit. One line per version that holds, one line per failure (naming the
    version, round, blob and member). Exit 0 when all hold, 40 when any does not, 30 when the store cannot be
    read or holds none of the task's blobs. Sends no transaction and needs no key: the model spec, strategy
    and hyper-parameters come from the task spec named on-chain.
    """
    blobs = open_store(store, writable=False)
    with open_chain(rpc, deployment_file, None, role="verifier") as fc:
        check_task(fc, task)
        check_mode(fc, task)
        task_spec = _task_spec(fc, blobs, task)
        factory: StrategyFactory | None = None
        if task_spec is not None:
            try:
                factory = task_spec.strategy_factory()
            except ConfigError:
                factory = None  # the spec names a strategy this fedchain cannot build: nothing re-derives
        report = verify_task(fc, blobs, task_spec.model if task_spec else None, factory, task)
    if as_json:
        print_json({"task": task, **report.to_dict()})
    else:
        for line in report.lines:
            style = "bold red" if "FAILED" in line else "green"
            console.print(f"[{style}]{line}[/]", highlight=False, soft_wrap=True)
        if report.ok:
            console.print(f"[bold green]task {task}: all {report.versions} versions verified[/]")
        else:
            console.print(
                f"[bold red]task {task}: {len(report.findings)} finding(s) over {report.versions} versions[/]"
            )
    if not report.ok:
        raise typer.Exit(VERIFICATION_FAILED)


def _task_spec(fc: Fedchain, store: BlobStore, task: int) -> TaskSpec | None:
    """The task spec if the store holds it intact, else ``None`` (the report then names it).

    Raises
    ------
    StorageError
        If the store holds neither the task spec nor the initial model: it is not the task's store.
    """
    spec_hash = fc.coordinator.task(task).spec_hash
    try:
        return fetch_task_spec(store, spec_hash)
    except BlobNotFoundError:
        initial = fc.models.version(task, 0)
        try:
            store.get_by_locator(initial.locator, initial.model_hash)
        except BlobNotFoundError:
            raise StorageError(
                f"the store holds neither task {task}'s task spec nor its initial model: is --store the "
                "task's blob directory?"
            ) from None
        except StorageError:
            pass  # there, but damaged: the report names it
        return None
    except (BlobIntegrityError, ConfigError):
        return None


app = typer.Typer(name="verify", add_completion=False, pretty_exceptions_enable=False)
app.command("verify")(verify)


def main() -> None:
    """Entry point: ``python -c "from fedchain.cli.verify import main; main()" ...``."""
    app()
