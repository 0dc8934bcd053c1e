"""``fedchain node run``: one participant as its own process, talking only to an RPC endpoint and storage."""

from __future__ import annotations

from typing import Annotated

import typer

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
    ClientsOption,
    Output,
    PollOption,
    RoundsOption,
    ScenarioOption,
    SeedOption,
    StateOption,
    StoreOption,
    TaskOption,
    build_client,
    check_spec,
    ensure_member,
    load_task_spec,
    run_loop,
)
from fedchain.node import Participant

app = typer.Typer(
    name="node", help="Run a task participant.", no_args_is_help=True, add_completion=False,
    pretty_exceptions_enable=False,
)  # fmt: skip

ClientIndexOption = Annotated[
    int, typer.Option("--client-index", min=0, help="Which client of the scenario this node is (0-based).")
]


@app.callback()
def _group() -> None:
    """Run a task participant."""


@handle_errors
def run(
    rpc: RpcOption,
    task: TaskOption,
    store: StoreOption,
    state: StateOption,
    client_index: ClientIndexOption,
    deployment_file: DeploymentOption = DEFAULT_DEPLOYMENT,
    keystore: KeystoreOption = None,
    scenario: ScenarioOption = "hospitals",
    clients: ClientsOption = 3,
    seed: SeedOption = 0,
    rounds: RoundsOption = None,
    poll: PollOption = 0.5,
    as_json: JsonOption = False,
) -> None:
    """Join the task if needed, then train, commit, reveal, vote and claim round after round.

    With ``--rounds N`` it takes part in at most N more rounds and stops once they are over and claimed (it
    never enters a round it will not finish); it also stops when the chain lets it take part in no more rounds
    (suspended, evicted), saying why; and on SIGTERM/SIGINT (exit 0). A restart with the same ``--state`` file
    continues where the node stopped.
    """
    local = build_client(scenario, clients, seed, client_index)
    signer = load_signer(keystore)
    out = Output(f"participant {client_index}", as_json)
    blobs = open_store(store)
    with open_chain(rpc, deployment_file, signer, role="participant") as fc:
        task_spec = load_task_spec(fc, blobs, task)
        check_spec(task_spec, task, local.spec)
        open_state(state, fc, task)  # before joining: a bad --state file is refused while nothing happened
        for line in ensure_member(fc, task, local.dataset_commitment):
            out.action(line)
        participant = Participant(
            fc, blobs, local.client, local.spec, task, state,
            num_examples=local.num_examples, strategy_factory=task_spec.strategy_factory(), rounds=rounds,
        )  # fmt: skip
        out.action(f"running as {fc.address} on task {task}")
        # With --rounds N it enters at most N rounds, and stops once those are over and claimed; it also stops
        # when the chain will let it take part in no more rounds (it says why).
        run_loop(participant.step, lambda: participant.finished, out, poll)
        out.action("stopped" if participant.stopped is None else f"stopped: {participant.stopped}")


app.command("run")(run)


def main() -> None:
    """Entry point: ``python -c "from fedchain.cli.node import main; main()" run ...``."""
    app()
