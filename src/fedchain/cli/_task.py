"""Helpers shared by ``fedchain node``, ``fedchain aggregator`` and ``fedchain verify``.

Scenarios (named local data + learning client), the task spec read from the store, the chain connection of
a role, idempotent joining, and the step loop that runs a role until enough rounds are finalized or a signal
arrives. Also ``fedchain task create`` (:data:`task_app`), which creates a plain task for a scenario.
"""

from __future__ import annotations

import hashlib
import json
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import numpy as np
import typer

from fedchain import codec
from fedchain.chain.bindings.coordinator import Durations, Mode, Phase, TaskParams
from fedchain.chain.client import Fedchain
from fedchain.cli._chain import open_chain
from fedchain.cli._common import (
    DEFAULT_DEPLOYMENT,
    DeploymentOption,
    JsonOption,
    KeystoreOption,
    RpcOption,
    console,
    err_console,
    handle_errors,
    load_signer,
    parse_address,
    print_json,
)
from fedchain.cli._local import open_store
from fedchain.codec import ModelSpec
from fedchain.data import hospitals
from fedchain.exceptions import (
    AccountError,
    BlobIntegrityError,
    BlobNotFoundError,
    ConfigError,
    ContractError,
    StorageError,
)
from fedchain.fl.adapters import logistic_clients
from fedchain.fl.client import NumPyClient
from fedchain.fl.strategies import Hyperparameter
from fedchain.storage import BlobStore
from fedchain.taskspec import TaskSpec, fetch_task_spec, publish_task_spec

TOKEN = 10**18
"""One whole FED (the token has 18 decimals)."""

# -- options ---------------------------------------------------------------------------------------------

TaskOption = Annotated[int, typer.Option("--task", min=1, help="The task id.")]
StoreOption = Annotated[Path, typer.Option("--store", help="Blob storage directory shared by the task.")]
StateOption = Annotated[Path, typer.Option("--state", help="This node's JSON state file (restart-safe).")]
ScenarioOption = Annotated[
    str, typer.Option("--scenario", help="Named local data + model; one of: hospitals.")
]
ClientsOption = Annotated[
    int, typer.Option("--clients", min=1, help="Number of clients the scenario is split in.")
]
SeedOption = Annotated[int, typer.Option("--seed", min=0, help="Seed of the scenario's data split.")]
StrategyOption = Annotated[
    str,
    typer.Option(
        "--strategy", help="The task's strategy: fedavg, fedprox, fedadam, fedyogi, fedadagrad, fedavgm."
    ),
]
StrategyParamOption = Annotated[
    list[str] | None,
    typer.Option(
        "--strategy-param",
        help="A strategy hyper-parameter as NAME=VALUE (repeatable), e.g. eta=0.05; the rest keep Flower's "
        "defaults. Recorded in the task spec.",
    ),
]
RoundsOption = Annotated[
    int | None,
    typer.Option(
        "--rounds", min=0, help="Stop once this many more rounds are finalized (default: run forever)."
    ),
]
PollOption = Annotated[
    float, typer.Option("--poll", min=0.01, help="Seconds to sleep when there is nothing to do.")
]


# -- scenarios -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalClient:
    """A participant's learning side: the client, the task's model spec and the declared example count."""

    client: NumPyClient
    spec: ModelSpec
    num_examples: int
    dataset_commitment: bytes


def _hospitals(num_clients: int, seed: int, index: int) -> LocalClient:
    data = hospitals(num_clients, partitioner="iid", seed=seed)
    part = data.clients[index]
    client = logistic_clients(data, local_epochs=5)[index]
    digest = hashlib.sha256(np.ascontiguousarray(part.x).tobytes() + np.ascontiguousarray(part.y).tobytes())
    return LocalClient(client, client.spec, len(client.x_train), digest.digest())


SCENARIOS: dict[str, Callable[[int, int, int], LocalClient]] = {"hospitals": _hospitals}
"""Scenario name -> ``build(num_clients, seed, client_index)``; add an entry to support a new data set."""


def build_client(scenario: str, num_clients: int, seed: int, index: int) -> LocalClient:
    """Build client ``index`` of a named scenario.

    Raises
    ------
    ConfigError
        If the scenario is unknown or the index is out of range.
    """
    if scenario not in SCENARIOS:
        raise ConfigError(f"unknown scenario {scenario!r}; known: {', '.join(sorted(SCENARIOS))}")
    if not 0 <= index < num_clients:
        raise ConfigError(f"client index {index} is not in 0..{num_clients - 1}")
    return SCENARIOS[scenario](num_clients, seed, index)


# -- the task spec ---------------------------------------------------------------------------------------


def parse_strategy_params(items: list[str] | None) -> dict[str, Hyperparameter]:
    """``["eta=0.05", "bias_correction=false"]`` -> ``{"eta": 0.05, "bias_correction": False}``.

    Raises
    ------
    ConfigError
        If an item is not ``NAME=VALUE`` with a number, ``true`` or ``false``.
    """
    params: dict[str, Hyperparameter] = {}
    for item in items or []:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise ConfigError(f"--strategy-param takes NAME=VALUE, got {item!r}")
        if text.lower() in ("true", "false"):
            params[name] = text.lower() == "true"
            continue
        try:
            params[name] = float(text)
        except ValueError:
            raise ConfigError(f"--strategy-param {name}: {text!r} is not a number, true or false") from None
    return params


SUPPORTED_MODES = (Mode.PLAIN, Mode.SEC_AGG)
"""The modes whose tasks the nodes run and ``verify`` re-derives."""


def load_task_spec(fc: Fedchain, store: BlobStore, task: int) -> TaskSpec:
    """The task's spec (model + strategy), fetched from ``store`` by the on-chain ``specHash``.

    Raises
    ------
    ConfigError
        If the task does not exist, runs in a mode the nodes do not run, or its spec is not a task spec
        (or lacks the secagg section a secagg task needs).
    StorageError
        If the store does not hold the task's spec, or holds altered bytes for it.
    """
    check_task(fc, task)
    check_mode(fc, task)
    spec_hash = fc.coordinator.task(task).spec_hash
    try:
        task_spec = fetch_task_spec(store, spec_hash)
    except BlobNotFoundError:
        raise StorageError(
            f"the store does not hold task {task}'s task spec (sha256 {spec_hash.hex()}): is --store the "
            "task's blob directory?"
        ) from None
    except BlobIntegrityError:
        raise StorageError(
            f"task {task}'s task spec in the store is altered (its bytes do not hash to the on-chain "
            f"specHash {spec_hash.hex()}): restore it from the task owner's copy"
        ) from None
    except ConfigError as exc:
        raise ConfigError(f"task {task}'s specHash names a blob that is not a task spec: {exc}") from None
    if fc.coordinator.task(task).mode == Mode.SEC_AGG and task_spec.secagg is None:
        raise ConfigError(f"task {task} runs in secagg mode but its task spec has no secagg section")
    return task_spec


def check_task(fc: Fedchain, task: int) -> None:
    """Refuse a task id the deployment does not have.

    Raises
    ------
    ConfigError
        Naming the task and the ids the deployment holds.
    """
    count = fc.coordinator.task_count()
    if not 1 <= task <= count:
        hint = (
            "it has no task yet: `fedchain task create` makes one" if count == 0 else f"tasks are 1..{count}"
        )
        raise ConfigError(f"no task {task} in this deployment ({hint})")


def check_mode(fc: Fedchain, task: int) -> None:
    """Refuse a task of a mode the nodes do not run (the contracts also know ``sealed`` and ``onchain``).

    Raises
    ------
    ConfigError
        Naming the task's mode and the supported ones.
    """
    mode = Mode(fc.coordinator.task(task).mode)
    if mode not in SUPPORTED_MODES:
        supported = " and ".join(_mode_name(m) for m in SUPPORTED_MODES)
        raise ConfigError(
            f"task {task} runs in {_mode_name(mode)} mode; fedchain runs {supported} tasks only"
        )


def _mode_name(mode: Mode) -> str:
    return mode.name.lower().replace("_", "")


# -- chain -----------------------------------------------------------------------------------------------


def check_spec(task_spec: TaskSpec, task: int, model: ModelSpec) -> None:
    """Refuse a scenario whose model spec is not the task's.

    Raises
    ------
    ConfigError
        If the model specs differ.
    """
    if task_spec.model != model:
        raise ConfigError(f"the scenario's model spec is not task {task}'s")


def ensure_member(fc: Fedchain, task: int, dataset_commitment: bytes) -> list[str]:
    """Join ``task`` unless already a member: record consent, approve the stake, join (each step once)."""
    if fc.registry.is_member(task, fc.address):
        return []
    stake = fc.coordinator.task(task).required_stake
    require_tokens(fc, stake, f"task {task}'s stake")
    done: list[str] = []
    ref = hashlib.sha256(f"fedchain-consent:{task}:{fc.address}".encode()).digest()
    if fc.consent.consent(fc.address, ref).granted_at == 0:
        consent_hash = hashlib.sha256(f"fedchain consent to task {task}".encode()).digest()
        fc.consent.record_consent(ref, consent_hash, dataset_commitment, 0)
        done.append(f"task {task}: consent recorded")
    if fc.token.allowance(fc.address, fc.vault.address) < stake:
        fc.token.approve(fc.vault.address, stake)
    fc.coordinator.join(task, stake, dataset_commitment, ref)
    done.append(f"task {task}: joined with stake {stake}")
    return done


def require_tokens(fc: Fedchain, amount: int, purpose: str) -> None:
    """Refuse to start transactions that need ``amount`` of the deployment's token the signer does not hold.

    Raises
    ------
    AccountError
        If the signer's token balance is below ``amount``.
    """
    balance = fc.token.balance_of(fc.address)
    if balance < amount:
        raise AccountError(
            f"account {fc.address} holds {_fed(balance)} FED but {purpose} is {_fed(amount)} FED: "
            "send it FED first"
        )


def _fed(amount: int) -> str:
    """``amount`` in whole FED: ``1500000000000000000`` -> ``1.5``."""
    return f"{(Decimal(amount) / TOKEN).normalize():,f}"


def finalized_count(fc: Fedchain, task: int) -> int:
    """How many rounds of ``task`` are finalized."""
    rounds = fc.coordinator.current_round(task)
    return sum(1 for r in range(1, rounds + 1) if fc.coordinator.round(task, r).phase == Phase.FINALIZED)


# -- the loop --------------------------------------------------------------------------------------------


class Output:
    """One line per action: rich text, or one JSON object per line with ``--json``."""

    def __init__(self, role: str, as_json: bool) -> None:
        self.role, self.as_json = role, as_json

    def action(self, text: str, **extra: Any) -> None:
        """Print one action."""
        if self.as_json:
            record = {"time": round(time.time(), 3), "role": self.role, "action": text, **extra}
            sys.stdout.write(json.dumps(record, default=str) + "\n")
            sys.stdout.flush()
        else:
            console.print(f"[bold cyan]{self.role}[/] {text}", highlight=False)

    def warn(self, text: str) -> None:
        """Print a recoverable problem (stderr)."""
        err_console.print(f"[yellow]{self.role} warning:[/] {text}", highlight=False)


def run_loop(
    step: Callable[[], list[str]],
    done: Callable[[], bool],
    out: Output,
    poll: float,
    *,
    on_idle: Callable[[float], list[str]] | None = None,
) -> None:
    """Call ``step`` until ``done()`` holds after an idle step, or SIGTERM/SIGINT arrives.

    Parameters
    ----------
    step
        The role's step: performs the next actions and describes them.
    done
        Whether the role's goal is reached; the loop ends after an idle step that started with it reached.
    out
        Where actions are printed.
    poll
        Seconds to sleep after an idle step.
    on_idle
        Called with the seconds since the last action after each idle step (the dev clock); its actions are
        printed and count as progress.
    """
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        last_action = time.monotonic()
        while not stop.is_set():
            reached = done()  # before the step: stop only after an idle step that saw the goal reached
            try:
                actions = step()
            except ContractError as exc:  # a race with another node or a deadline: re-read and retry
                out.warn(f"{type(exc).__name__}: {exc}")
                actions = []
                stop.wait(poll)
                continue
            for action in actions:
                out.action(action)
            if actions:
                last_action = time.monotonic()
                continue
            if reached:
                return
            if on_idle is not None:
                extra = on_idle(time.monotonic() - last_action)
                for action in extra:
                    out.action(action)
                if extra:
                    last_action = time.monotonic()
                    continue
            stop.wait(poll)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# -- task creation ---------------------------------------------------------------------------------------


def create_plain_task(
    fc: Fedchain,
    store: BlobStore,
    task_spec: TaskSpec,
    aggregator: str,
    *,
    cohort: int,
    stake: int,
    bond: int,
    reward_pool: int,
    reward_per_round: int,
    durations: Durations,
    min_revealers: int = 1,
    max_rounds: int = 0,
) -> int:
    """Create a plain-mode task whose initial model is all zeros (stored in ``store``); returns its id.

    The task spec is published in ``store`` (its hash is the task's ``specHash``). The owner (``fc``'s
    signer) approves and funds the reward pool. Slashes are half the stake (a tenth for a skipped step).

    Raises
    ------
    ConfigError
        If ``aggregator`` is not an address (or has a bad checksum).
    AccountError
        If the owner holds less than ``reward_pool`` of the token.
    """
    aggregator = parse_address(aggregator, "--aggregator")
    require_tokens(fc, reward_pool, "the reward pool")
    spec = task_spec.model
    zeros = {t.name: np.zeros(t.shape, t.dtype) for t in spec.tensors}
    ref0 = store.put(codec.encode(zeros, spec))
    spec_ref = publish_task_spec(store, task_spec)
    params = TaskParams(
        spec_hash=spec_ref.sha256, initial_model_hash=ref0.sha256, initial_model_locator=ref0.locator,
        reward_pool=reward_pool, reward_per_round=reward_per_round, required_stake=stake,
        aggregator_bond=bond, non_reveal_slash=stake // 2, dispute_slash=stake // 2, cohort_size=cohort,
        min_revealers=min_revealers, max_rounds=max_rounds, mode=Mode.PLAIN,
        aggregator=aggregator, durations=durations, skip_slash=stake // 10,
        max_examples=task_spec.bounds.max_examples,
    )  # fmt: skip
    if fc.token.allowance(fc.address, fc.vault.address) < reward_pool:
        fc.token.approve(fc.vault.address, reward_pool)
    receipt = fc.coordinator.create_task(params)
    return int(fc.coordinator.events_in_receipt(receipt, "TaskCreated")[0].task)


task_app = typer.Typer(
    name="task", help="Create tasks.", no_args_is_help=True, add_completion=False,
    pretty_exceptions_enable=False,
)  # fmt: skip


@task_app.callback()
def _task_group() -> None:
    """Create tasks."""


Seconds = Annotated[int, typer.Option(min=1, help="Phase duration in seconds.")]


@task_app.command("create")
@handle_errors
def create(
    rpc: RpcOption,
    aggregator: Annotated[str, typer.Option("--aggregator", help="Address of the task's aggregator.")],
    store: StoreOption,
    deployment_file: DeploymentOption = DEFAULT_DEPLOYMENT,
    keystore: KeystoreOption = None,
    scenario: ScenarioOption = "hospitals",
    clients: ClientsOption = 3,
    seed: SeedOption = 0,
    strategy: StrategyOption = "fedavg",
    strategy_param: StrategyParamOption = None,
    cohort: Annotated[int, typer.Option(min=1, help="Participants drawn per round.")] = 3,
    stake: Annotated[int, typer.Option(min=1, help="Required stake, in whole FED.")] = 10,
    bond: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Aggregator bond per round, in whole FED (default: one round's rewards, so that "
            "withholding an aggregate costs more than the rewards it keeps).",
        ),
    ] = None,
    reward_pool: Annotated[int, typer.Option(min=0, help="Reward pool funded now, in whole FED.")] = 360,
    reward_per_round: Annotated[int, typer.Option(min=0, help="Rewards per round, in whole FED.")] = 90,
    commit: Seconds = 600,
    reveal: Seconds = 600,
    aggregate: Seconds = 600,
    challenge: Seconds = 600,
    idle: Annotated[
        int,
        typer.Option(min=0, help="Seconds after a round ends before the next may open (members may leave)."),
    ] = 60,
    max_rounds: Annotated[int, typer.Option(min=0, help="Round limit (0: none).")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Create a plain-mode task for a scenario's model, with an all-zeros initial model, from the signer.

    The task spec (model spec, strategy and every hyper-parameter) goes into the store; its hash on-chain.
    """
    aggregator = parse_address(aggregator, "--aggregator")
    task_spec = TaskSpec(
        build_client(scenario, clients, seed, 0).spec, strategy, parse_strategy_params(strategy_param)
    )
    signer = load_signer(keystore)
    blobs = open_store(store, create=True)
    with open_chain(rpc, deployment_file, signer, role="owner") as fc:
        task = create_plain_task(
            fc, blobs, task_spec, aggregator, cohort=cohort, stake=stake * TOKEN,
            bond=(reward_per_round if bond is None else bond) * TOKEN, reward_pool=reward_pool * TOKEN,
            reward_per_round=reward_per_round * TOKEN,
            durations=Durations(0, 0, commit, reveal, 0, aggregate, challenge, idle), max_rounds=max_rounds,
        )  # fmt: skip
    if as_json:
        print_json({"task": task, "owner": signer.address, "aggregator": aggregator, "scenario": scenario,
                    "taskSpec": task_spec.to_dict()})  # fmt: skip
    else:
        console.print(f"[bold green]task {task}[/] created by {signer.address}, aggregator {aggregator}")
