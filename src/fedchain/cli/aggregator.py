"""``fedchain aggregator run``: a task's aggregator as its own process (RPC endpoint + storage only)."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from web3 import Web3

from fedchain.chain.client import Fedchain
from fedchain.cli._chain import open_chain
from fedchain.cli._common import (
    DEFAULT_DEPLOYMENT,
    DeploymentOption,
    JsonOption,
    KeystoreOption,
    RpcOption,
    handle_errors,
    load_signer,
)
from fedchain.cli._local import open_state, open_store
from fedchain.cli._task import (
    Output,
    PollOption,
    RoundsOption,
    StateOption,
    StoreOption,
    TaskOption,
    finalized_count,
    load_task_spec,
    run_loop,
)
from fedchain.exceptions import AccountError, BackendError
from fedchain.node import Aggregator
from fedchain.node._clock import next_wakeup

app = typer.Typer(
    name="aggregator", help="Run a task's aggregator.", no_args_is_help=True, add_completion=False,
    pretty_exceptions_enable=False,
)  # fmt: skip


@app.callback()
def _group() -> None:
    """Run a task's aggregator."""


def dev_clock_tick(w3: Web3, fc: Fedchain, task: int) -> list[str]:
    """Move a devnet's clock just past the current phase's deadline, or the idle gap after the last round,
    and mine a block (anvil only).

    Uses anvil's ``evm_increaseTime`` and ``evm_mine``; on a real chain these methods do not exist and the
    call fails with :class:`~fedchain.exceptions.BackendError`. Returns ``[]`` when there is no open round
    or its deadline has already passed.
    """
    wakeup = next_wakeup(fc, task)
    if wakeup is None:
        return []
    target, waited = wakeup
    now = int(w3.eth.get_block("latest")["timestamp"])
    if target <= now:
        return []
    seconds = target - now + 1
    for method, params in (("evm_increaseTime", [seconds]), ("evm_mine", [])):
        response = w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in response:
            raise BackendError(f"--dev-clock needs a devnet (anvil): {method} failed: {response['error']}")
    r = fc.coordinator.current_round(task)
    return [f"round {r}: dev clock moved {seconds} s past the {waited}"]


@handle_errors
def run(
    rpc: RpcOption,
    task: TaskOption,
    store: StoreOption,
    state: StateOption,
    deployment_file: DeploymentOption = DEFAULT_DEPLOYMENT,
    keystore: KeystoreOption = None,
    rounds: RoundsOption = None,
    poll: PollOption = 0.5,
    dev_clock: Annotated[
        bool,
        typer.Option(
            "--dev-clock",
            help="DEVNETS ONLY (anvil): when nothing happens for --dev-clock-idle seconds, move the chain "
            "clock past the current phase's deadline (evm_increaseTime + evm_mine).",
        ),
    ] = False,
    dev_clock_idle: Annotated[
        float,
        typer.Option("--dev-clock-idle", min=0.0, help="Idle seconds before --dev-clock moves the clock."),
    ] = 5.0,
    as_json: JsonOption = False,
) -> None:
    """Open rounds, record exclusions, aggregate, publish and finalize, round after round.

    Stops once ``--rounds`` more rounds are finalized (it then opens no new round), or on SIGTERM/SIGINT
    (exit 0). The strategy and its hyper-parameters come from the task spec; its state is replayed from the
    chain, so a restart continues safely.
    """
    signer = load_signer(keystore)
    out = Output("aggregator", as_json)
    blobs = open_store(store)
    with open_chain(rpc, deployment_file, signer, role="aggregator") as fc:
        task_spec = load_task_spec(fc, blobs, task)
        chosen = fc.coordinator.task(task).aggregator
        if chosen != fc.address:
            raise AccountError(
                f"account {fc.address} is not task {task}'s aggregator ({chosen}): pass the aggregator's "
                "--keystore"
            )
        open_state(state, fc, task)
        aggregator = Aggregator(fc, blobs, task_spec.build_strategy(), task_spec.model, task, state)
        target = finalized_count(fc, task) + rounds if rounds is not None else None

        def reached() -> bool:
            return target is not None and finalized_count(fc, task) >= target

        def step() -> list[str]:
            return [] if reached() else aggregator.step()

        quiet = {"block": -1, "since": time.monotonic()}

        def on_idle(idle: float) -> list[str]:
            # "No progress": neither this aggregator nor anyone else (no new block) acted for a while.
            if not dev_clock:
                return []
            block = fc.w3.eth.block_number
            if block != quiet["block"]:
                quiet["block"], quiet["since"] = block, time.monotonic()
            if min(idle, time.monotonic() - quiet["since"]) < dev_clock_idle:
                return []
            return dev_clock_tick(fc.w3, fc, task)

        out.action(f"running as {fc.address} on task {task} ({task_spec.strategy})")
        run_loop(step, reached, out, poll, on_idle=on_idle)
        out.action("stopped")


app.command("run")(run)


def main() -> None:
    """Entry point: ``python -c "from fedchain.cli.aggregator import main; main()" run ...``."""
    app()
