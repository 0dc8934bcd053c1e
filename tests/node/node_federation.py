"""The federation the node tests run: a task with a real initial model, an aggregator, hospitals.

A module of its own (not conftest.py) so that test files import it by a name no other test folder uses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fedchain import codec
from fedchain.chain import ChainBackend, Transactor
from fedchain.chain.bindings.coordinator import Durations, Mode, Round, TaskParams
from fedchain.chain.client import Fedchain, deploy_all
from fedchain.codec import ModelSpec
from fedchain.data import hospitals
from fedchain.fl.adapters import SklearnLinearClient, logistic_clients
from fedchain.fl.strategies import FedAvg, Params, Strategy
from fedchain.fl.typing import Metrics, from_named
from fedchain.node import Aggregator, Participant
from fedchain.storage import LocalDirectoryStore
from fedchain.taskspec import SecAggSpec, TaskSpec, UpdateBounds, publish_task_spec

TOKEN = 10**18
STAKE = 10 * TOKEN
BOND = 5 * TOKEN
PER_ROUND = 90 * TOKEN
DURATIONS = Durations(
    advertise=0, share=0, commit=600, reveal=600, unmask=0, aggregate=600, challenge=300, idle=0
)
SECAGG_DURATIONS = Durations(
    advertise=600, share=600, commit=600, reveal=600, unmask=600, aggregate=600, challenge=300, idle=0
)


class CrashAfterCommit(Participant):
    """Dies (raises) right after its commit transaction went through."""

    def _commit(self, r: int, rnd: Round) -> str:
        super()._commit(r, rnd)
        raise SystemExit("killed after commit")


def h(label: str) -> bytes:
    return label.encode().ljust(32, b"\0")


@dataclass
class Federation:
    backend: ChainBackend
    owner: Fedchain
    aggregator_fc: Fedchain
    member_fcs: list[Fedchain]
    store: LocalDirectoryStore
    spec: ModelSpec
    task: int
    clients: list[SklearnLinearClient]
    tmp: Path
    evaluate: Callable[[Params], Metrics]
    strategy_factory: Callable[[], Strategy] = FedAvg

    def participant(self, i: int, cls: type[Participant] = Participant) -> Participant:
        client = self.clients[i]
        return cls(
            self.member_fcs[i],
            self.store,
            client,
            self.spec,
            self.task,
            self.tmp / f"participant-{i}.json",
            num_examples=len(client.x_train),
            strategy_factory=self.strategy_factory,
        )

    def participants(self) -> list[Participant]:
        return [self.participant(i) for i in range(len(self.member_fcs))]

    def aggregator(self, cls: type[Aggregator] = Aggregator) -> Aggregator:
        return cls(
            self.aggregator_fc,
            self.store,
            self.strategy_factory(),
            self.spec,
            self.task,
            self.tmp / "aggregator.json",
            evaluate=self.evaluate,
        )

    def accuracy(self, version: int) -> float:
        v = self.owner.models.version(self.task, version)
        model = codec.decode(self.store.get_by_locator(v.locator, v.model_hash), self.spec)
        return float(self.evaluate(dict(model))["accuracy"])


def build_federation(
    backend: ChainBackend,
    tmp_path: Path,
    *,
    members: int = 3,
    secagg: SecAggSpec | None = None,
    bounds: UpdateBounds | None = None,
) -> Federation:
    """Deploy, create a task with an all-zeros model, and let ``members`` hospitals join.

    The task is in ``plain`` mode, or in ``secagg`` mode with the given protocol parameters; its spec holds
    ``bounds`` (default: the default bounds).
    """
    data = hospitals(members, partitioner="iid", seed=3)
    clients = logistic_clients(data, local_epochs=5)
    spec = clients[0].spec
    judge = clients[0]

    def evaluate(model: Params) -> Metrics:
        loss, _, metrics = judge.evaluate(from_named(model, spec), {})
        return {"accuracy": float(metrics["accuracy"]), "loss": loss}

    owner_key = backend.funded_signer()
    keys = [backend.funded_signer() for _ in range(len(clients) + 1)]
    tx = Transactor(backend.w3, owner_key, role="owner")
    mint: dict[str, int] = {owner_key.address: 10 * PER_ROUND}
    mint |= {k.address: 100 * TOKEN for k in keys}
    owner = Fedchain(backend.w3, deploy_all(tx, owner_key, mint=mint), tx, owner_key, role="owner")
    store = LocalDirectoryStore(tmp_path / "blobs")
    zeros = {t.name: np.zeros(t.shape, t.dtype) for t in spec.tensors}
    ref0 = store.put(codec.encode(zeros, spec))
    task_spec = TaskSpec(spec, "fedavg", secagg=secagg, bounds=bounds or UpdateBounds())
    spec_ref = publish_task_spec(store, task_spec)
    mode, durations = (Mode.PLAIN, DURATIONS) if secagg is None else (Mode.SEC_AGG, SECAGG_DURATIONS)
    params = TaskParams(
        spec_hash=spec_ref.sha256, initial_model_hash=ref0.sha256, initial_model_locator=ref0.locator,
        reward_pool=4 * PER_ROUND, reward_per_round=PER_ROUND, required_stake=STAKE, aggregator_bond=BOND,
        non_reveal_slash=STAKE // 2, dispute_slash=STAKE // 2, skip_slash=STAKE // 10,
        cohort_size=len(clients), min_revealers=1,
        max_rounds=0, mode=mode, aggregator=keys[0].address, durations=durations,
        max_examples=task_spec.bounds.max_examples,
    )  # fmt: skip
    owner.token.approve(owner.vault.address, params.reward_pool)
    task = owner.coordinator.events_in_receipt(owner.coordinator.create_task(params), "TaskCreated")[0].task
    members = [owner.as_signer(k, "participant") for k in keys[1:]]
    for m in members:
        ref, dataset = h("consent-" + m.address[2:10]), h("data-" + m.address[2:10])
        m.consent.record_consent(ref, h("consent-doc"), dataset, 0)
        m.token.approve(m.vault.address, STAKE)
        m.coordinator.join(task, STAKE, dataset, ref)
    return Federation(
        backend=backend, owner=owner, aggregator_fc=owner.as_signer(keys[0], "aggregator"),
        member_fcs=members, store=store, spec=spec, task=task, clients=clients, tmp=tmp_path,
        evaluate=evaluate,
    )  # fmt: skip
