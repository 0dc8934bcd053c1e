"""A plain-mode federation the command-line tests run against: deployed, a task created the way
``fedchain task create`` creates it, hospitals joined the way ``fedchain node run`` joins, some rounds run.

A module of its own (not conftest.py) so that test files import it by a name no other test folder uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fedchain.chain import ChainBackend, Signer, Transactor
from fedchain.chain.bindings.coordinator import Durations
from fedchain.chain.client import Fedchain, deploy_all
from fedchain.cli._task import TOKEN, build_client, create_plain_task, ensure_member
from fedchain.node import Aggregator, Participant, run_rounds
from fedchain.storage import LocalDirectoryStore
from fedchain.taskspec import TaskSpec

PASSWORD = "cli federation password"
DURATIONS = Durations(
    advertise=0, share=0, commit=600, reveal=600, unmask=0, aggregate=600, challenge=300, idle=0
)
CLIENTS = 3


@dataclass
class CliFederation:
    """Everything a command needs to reach the task: files on disk, keys, and the owner's chain view."""

    backend: ChainBackend
    owner: Fedchain
    deployment: Path
    store: Path
    task: int
    aggregator: Signer
    members: list[Signer]
    outsider: Signer
    """A funded account (ether and FED) in no role of the task."""
    keystores: dict[str, Path]
    """``owner``, ``aggregator``, ``member-<i>`` and ``outsider`` (funded, in no role) -> keystore file."""

    def common(self, store: Path | None = None) -> list[str]:
        """``--rpc``, ``-d``, ``--task`` and ``--store`` as every task command takes them."""
        url = getattr(self.backend, "url")  # noqa: B009 - DevnetBackend and RpcBackend both have one
        return [
            "--rpc",
            url,
            "-d",
            str(self.deployment),
            "--task",
            str(self.task),
            "--store",
            str(store or self.store),
        ]


def build_cli_federation(backend: ChainBackend, tmp: Path, *, rounds: int) -> CliFederation:
    """Deploy, create a plain FedAvg task for the hospitals scenario, let three hospitals join, run rounds."""
    owner_key = backend.funded_signer()
    aggregator_key = backend.funded_signer()
    member_keys = [backend.funded_signer() for _ in range(CLIENTS)]
    outsider = backend.funded_signer()
    tx = Transactor(backend.w3, owner_key, role="owner")
    mint = {k.address: 1_000 * TOKEN for k in [owner_key, aggregator_key, *member_keys, outsider]}
    owner = Fedchain(backend.w3, deploy_all(tx, owner_key, mint=mint), tx, owner_key, role="owner")
    deployment = tmp / "deployment.json"
    owner.deployment.save(deployment)
    keystores = {}
    (tmp / "keys").mkdir()
    named = {"owner": owner_key, "aggregator": aggregator_key, "outsider": outsider}
    named |= {f"member-{i}": k for i, k in enumerate(member_keys)}
    for name, key in named.items():
        keystores[name] = key.to_keystore(tmp / "keys" / f"{name}.json", PASSWORD, iterations=2)

    store = LocalDirectoryStore(tmp / "blobs")
    task_spec = TaskSpec(build_client("hospitals", CLIENTS, 0, 0).spec, "fedavg", {})
    task = create_plain_task(
        owner,
        store,
        task_spec,
        aggregator_key.address,
        cohort=CLIENTS,
        stake=10 * TOKEN,
        bond=5 * TOKEN,
        reward_pool=360 * TOKEN,
        reward_per_round=90 * TOKEN,
        durations=DURATIONS,
    )
    participants = []
    for i, key in enumerate(member_keys):
        fc = owner.as_signer(key, "participant")
        local = build_client("hospitals", CLIENTS, 0, i)
        ensure_member(fc, task, local.dataset_commitment)
        participants.append(
            Participant(
                fc,
                store,
                local.client,
                local.spec,
                task,
                tmp / f"participant-{i}.json",
                num_examples=local.num_examples,
                strategy_factory=task_spec.strategy_factory(),
            )
        )
    if rounds:
        aggregator = Aggregator(
            owner.as_signer(aggregator_key, "aggregator"),
            store,
            task_spec.build_strategy(),
            task_spec.model,
            task,
            tmp / "aggregator.json",
        )
        run_rounds(aggregator, participants, backend, rounds=rounds)
    return CliFederation(
        backend=backend,
        owner=owner,
        deployment=deployment,
        store=tmp / "blobs",
        task=task,
        aggregator=aggregator_key,
        members=member_keys,
        outsider=outsider,
        keystores=keystores,
    )
