"""The main job: a federation trains for several rounds over the chain, with real nodes, and is audited.

Each data holder is a :class:`~fedchain.node.Participant` with its own key, stake and consent record; a bonded
:class:`~fedchain.node.Aggregator` opens rounds, aggregates with the task's strategy in bit-exact fixed point
and publishes a round record; the participants re-derive every aggregate before they attest, and claim their
share of the round's reward by Merkle proof. At the end every model version is re-derived from public data
(:func:`~fedchain.node.verify_task`) and the federated model is compared with a centralized model and with
each holder training alone.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from fedchain import codec
from fedchain.chain import ChainBackend, GasLedger, Signer, Transactor, connect
from fedchain.chain.bindings.coordinator import Durations, Mode, TaskParams
from fedchain.chain.client import Fedchain, deploy_all
from fedchain.codec import ModelSpec
from fedchain.data import FederatedDataset, digits, fraud, hospitals
from fedchain.exceptions import ConfigError, VerificationError
from fedchain.fl.adapters import logistic_clients
from fedchain.fl.strategies import Params, strategy_factory
from fedchain.fl.typing import Metrics, from_named
from fedchain.node import Aggregator, Participant, read_round_record, run_rounds, verify_task
from fedchain.node._derive import record_rewards, revealed_events
from fedchain.node._secagg import derive_secagg, load_public, masked_vectors
from fedchain.storage import LocalDirectoryStore
from fedchain.taskspec import SecAggSpec, TaskSpec, publish_task_spec

TOKEN = 10**18
SCENARIOS: dict[str, Callable[..., FederatedDataset]] = {
    "hospitals": hospitals,
    "digits": digits,
    "fraud": fraud,
}
DURATIONS = Durations(
    advertise=600, share=600, commit=600, reveal=600, unmask=600, aggregate=600, challenge=300, idle=30
)
"""Phase windows in seconds. Phases close early once every eligible member has acted, so on a chain whose
clock cannot be moved (``rpc``) a round waits only for its challenge window (``challenge_seconds``)."""

MODES = {"secagg": Mode.SEC_AGG, "plain": Mode.PLAIN}

Reporter = Callable[[str, str], None]


@dataclass(frozen=True)
class FederationConfig:
    chain: str = "embedded"
    scenario: str = "hospitals"
    participants: int = 5
    rounds: int = 10
    strategy: str = "fedavg"
    mode: str = "secagg"  # secagg: only the sum of the updates is revealed; plain: updates are public
    out_dir: Path = Path("fedchain-demo")
    seed: int = 7
    local_epochs: int = 5
    reward_per_round: int = 100 * TOKEN
    stake: int = 10 * TOKEN
    challenge_seconds: int = DURATIONS.challenge
    rpc_url: str | None = None  # chain == "rpc": the node to use
    chain_id: int | None = None  # chain == "rpc": the chain the node must serve
    accounts: tuple[Signer, ...] = ()  # chain == "rpc": funded owner, aggregator, then one per holder

    def __repr__(self) -> str:  # accounts hold keys: never print them
        return f"FederationConfig({self.scenario}, {self.participants} holders, {self.rounds} rounds)"


@dataclass
class RoundRow:
    round: int
    accuracy: float
    loss: float
    gas: int
    transactions: int
    seconds: float
    paid: dict[str, int]
    alignment: dict[str, int]  # holder -> alignment with the aggregate step, parts per million
    excluded: int


@dataclass(frozen=True)
class PublishedUpdate:
    """What everyone sees of a holder's update in a ``secagg`` round: a masked vector, how uniform."""

    holder: str
    bytes: int
    chi_square_p: (
        float  # uniformity of the vector's 32-bit words (top byte, 256 buckets); high: looks uniform
    )


@dataclass(frozen=True)
class Visibility:
    """What each party could see of the last ``secagg`` round."""

    round: int
    published: list[PublishedUpdate]
    total_weight: int
    degree: int
    threshold: int
    sum_p: float  # the same uniformity test on the unmasked sum, which is structured


@dataclass
class FederationResult:
    config: FederationConfig
    chain: str
    chain_id: int
    task_id: int
    names: dict[str, str]  # address -> holder name
    records: dict[str, int]  # holder name -> training records
    rounds: list[RoundRow]
    initial_accuracy: float
    centralized_accuracy: float
    local_accuracy: dict[str, float]
    verified: bool
    verify_lines: tuple[str, ...]
    ledger: GasLedger
    audit_path: Path
    plot_path: Path
    seconds: float
    model_versions: list[dict[str, Any]] = field(default_factory=list)
    visibility: Visibility | None = None


def _alone_accuracy(x: np.ndarray, y: np.ndarray, data: FederatedDataset) -> float:
    """A model trained on ``(x, y)`` only, scored on the global test set (one class only: predict it)."""
    if len(np.unique(y)) < 2:
        return float(np.mean(data.y_test == y[0]))
    model = LogisticRegression(max_iter=2000).fit(x, y)
    return float(model.score(data.x_test, data.y_test))


def run_federation(
    config: FederationConfig, report: Reporter = lambda step, detail: None
) -> FederationResult:
    if config.scenario not in SCENARIOS:
        raise ConfigError(f"unknown scenario {config.scenario!r}; choose one of {sorted(SCENARIOS)}")
    strategy_factory(config.strategy)  # refuses an unknown name before anything is deployed
    if config.rounds < 1:
        raise ConfigError("rounds must be at least 1")
    if config.mode not in MODES:
        raise ConfigError(f"unknown mode {config.mode!r}; choose one of {sorted(MODES)}")
    if config.challenge_seconds < 1:
        raise ConfigError("the challenge window must be at least 1 second")
    if config.chain == "rpc":
        if config.rpc_url is None or config.chain_id is None:
            raise ConfigError("--chain rpc needs --rpc and --chain-id")
        if len(config.accounts) < config.participants + 2:
            raise ConfigError(
                f"--chain rpc needs {config.participants + 2} funded accounts (owner, aggregator, one per "
                f"holder); {len(config.accounts)} given"
            )
    started = time.perf_counter()
    data = SCENARIOS[config.scenario](config.participants, seed=config.seed)
    out = Path(config.out_dir)
    if config.chain == "rpc":
        backend = connect("rpc", url=config.rpc_url, chain_id=config.chain_id)
    else:
        backend = connect(config.chain)  # type: ignore[arg-type]
    try:
        return _run(config, backend, data, out, started, report)
    finally:
        backend.close()


def _run(
    config: FederationConfig,
    backend: ChainBackend,
    data: FederatedDataset,
    out: Path,
    started: float,
    report: Reporter,
) -> FederationResult:
    store = LocalDirectoryStore(out / "blobs")
    state_dir = out / "state"
    for stale in state_dir.glob("*.json") if state_dir.exists() else ():
        stale.unlink()  # a new deployment: node state files are bound to the old one
    clients = logistic_clients(data, local_epochs=config.local_epochs)
    spec = clients[0].spec
    judge = clients[0]

    def evaluate(model: Params) -> Metrics:
        loss, _, metrics = judge.evaluate(from_named(model, spec), {})
        return {"accuracy": float(metrics["accuracy"]), "loss": float(loss)}

    ledger = GasLedger()
    if config.chain == "rpc":
        owner_key, agg_key, *member_keys = config.accounts[: len(clients) + 2]
    else:
        owner_key, agg_key = backend.funded_signer(), backend.funded_signer()
        member_keys = [backend.funded_signer() for _ in clients]
    pool = config.reward_per_round * config.rounds
    # The aggregator's bond is one round's rewards (withholding an aggregate must cost more than the rewards
    # it would keep: docs/threat-model.md); it holds two bonds' worth for its standing deposit.
    mint: dict[str, int] = {owner_key.address: pool, agg_key.address: 2 * config.reward_per_round}
    mint |= {k.address: 2 * config.stake for k in member_keys}
    tx = Transactor(backend.w3, owner_key, role="owner", ledger=ledger)
    deployment = deploy_all(tx, owner_key, mint=mint)
    owner = Fedchain(backend.w3, deployment, tx, owner_key, role="owner")
    report("deploy", f"{len(deployment.contracts)} contracts on chain {deployment.chain_id} ({backend.name})")

    zeros = {t.name: np.zeros(t.shape, t.dtype) for t in spec.tensors}
    ref0 = store.put(codec.encode(zeros, spec))
    durations = dataclasses.replace(DURATIONS, challenge=config.challenge_seconds)
    secagg = SecAggSpec() if config.mode == "secagg" else None
    task_spec = TaskSpec(spec, config.strategy, secagg=secagg)
    # A secure sum protects only with two honest survivors: at least C + 2 revealers (docs/threat-model.md).
    min_revealers = secagg.threat().counts(len(clients))[0] + 2 if secagg else 1
    spec_ref = publish_task_spec(store, task_spec)
    params = TaskParams(
        spec_hash=spec_ref.sha256, initial_model_hash=ref0.sha256, initial_model_locator=ref0.locator,
        reward_pool=pool, reward_per_round=config.reward_per_round, required_stake=config.stake,
        aggregator_bond=config.reward_per_round, non_reveal_slash=config.stake // 2,
        dispute_slash=config.stake // 2, cohort_size=len(clients),
        min_revealers=min(min_revealers, len(clients)), max_rounds=0, mode=MODES[config.mode],
        aggregator=agg_key.address, durations=durations, skip_slash=config.stake // 10,
        max_examples=task_spec.bounds.max_examples,
    )  # fmt: skip
    owner.token.approve(owner.vault.address, pool, phase="create_task")
    receipt = owner.coordinator.create_task(params)
    task = owner.coordinator.events_in_receipt(receipt, "TaskCreated")[0].task
    report(
        "task",
        f"task {task}: {config.scenario}, {config.strategy}, {config.mode} mode, pool {pool / TOKEN:.0f} FED",
    )

    names: dict[str, str] = {}
    members = [owner.as_signer(k, "participant") for k in member_keys]
    for client_data, member in zip(data.clients, members, strict=True):
        digest = hashlib.sha256(client_data.x.tobytes() + client_data.y.tobytes()).digest()
        consent_hash = hashlib.sha256(
            f"{client_data.name} consents to task spec {params.spec_hash.hex()}".encode()
        )
        consent_ref = hashlib.sha256(b"consent:" + consent_hash.digest()).digest()
        member.consent.record_consent(consent_ref, consent_hash.digest(), digest, 0, phase="join")
        member.token.approve(member.vault.address, config.stake, phase="join")
        member.coordinator.join(task, config.stake, digest, consent_ref)
        names[member.address] = client_data.name
        report("join", f"{client_data.name}: {len(client_data.y)} records, consent + stake")

    factory = task_spec.strategy_factory()
    aggregator = Aggregator(
        owner.as_signer(agg_key, "aggregator"), store, factory(), spec, task, state_dir / "aggregator.json",
        evaluate=evaluate,
    )  # fmt: skip
    participants = [
        Participant(
            m, store, c, spec, task, state_dir / f"participant-{i}.json",
            num_examples=len(c.x_train), strategy_factory=factory,
        )
        for i, (m, c) in enumerate(zip(members, clients, strict=True))
    ]  # fmt: skip
    labels = {"aggregator": "aggregator"} | {f"participant {i}": d.name for i, d in enumerate(data.clients)}

    def on_action(label: str, action: str) -> None:
        report("node", f"{labels.get(label, label)}: {action}")

    rows: list[RoundRow] = []
    for _ in range(config.rounds):
        t0, n0, gas0 = time.perf_counter(), len(ledger), ledger.total()
        run_rounds(aggregator, participants, backend, 1, on_action=on_action)
        r = owner.coordinator.current_round(task)
        rnd = owner.coordinator.round(task, r)
        record = read_round_record(store, rnd.metrics_hash)
        metrics = record.get("metrics", {})
        paid = {names.get(m, m): amount for m, amount in record_rewards(record)}
        alignment = {names.get(i["member"], i["member"]): int(i["alignmentPpm"]) for i in record["included"]}
        rows.append(
            RoundRow(
                round=r,
                accuracy=float(metrics.get("accuracy", float("nan"))),
                loss=float(metrics.get("loss", float("nan"))),
                gas=ledger.total() - gas0,
                transactions=len(ledger) - n0,
                seconds=time.perf_counter() - t0,
                paid=paid,
                alignment=alignment,
                excluded=len(record.get("excluded", [])),
            )
        )
        report("round", f"round {r} finalized: accuracy {rows[-1].accuracy:.3f}, {rows[-1].transactions} txs")

    report("verify", "re-deriving every model version from the chain and the stored blobs")
    verdict = verify_task(owner, store, spec, factory, task)
    x_all, y_all = data.centralized()
    centralized = _alone_accuracy(x_all, y_all, data)
    local = {c.name: _alone_accuracy(c.x, c.y, data) for c in data.clients}
    versions = []
    for i in range(owner.models.version_count(task)):
        v = owner.models.version(task, i)
        versions.append({"version": i, "round": v.round, "modelHash": "0x" + v.model_hash.hex(),
                         "parentHash": "0x" + v.parent_hash.hex(), "locator": v.locator})  # fmt: skip
    result = FederationResult(
        config=config, chain=backend.name, chain_id=deployment.chain_id, task_id=task, names=names,
        records={d.name: len(c.x_train) for d, c in zip(data.clients, clients, strict=True)},
        rounds=rows,
        initial_accuracy=float(evaluate(zeros)["accuracy"]), centralized_accuracy=centralized,
        local_accuracy=local, verified=verdict.ok, verify_lines=verdict.lines, ledger=ledger,
        audit_path=out / "audit.json", plot_path=out / "accuracy.png", seconds=time.perf_counter() - started,
        model_versions=versions,
    )  # fmt: skip
    if config.mode == "secagg" and rows:
        result.visibility = _visibility(owner, store, spec, task, rows[-1].round, names)
    _write_plot(result)
    _write_audit(result, deployment.to_json())
    return result


def _visibility(
    fc: Fedchain, store: LocalDirectoryStore, spec: ModelSpec, task: int, r: int, names: dict[str, str]
) -> Visibility:
    """Everything public about round ``r``'s updates: masked vectors (uniform-looking words) and one sum."""
    from scipy.stats import chisquare

    pub = load_public(fc, store, spec, task, r)
    revealed = revealed_events(fc, task, r)
    masked = masked_vectors(pub, store, revealed).usable

    def uniformity(words: np.ndarray) -> float:
        raw = np.frombuffer(words.tobytes(), np.uint8)  # every 4-bit nibble of every word, 16 buckets
        return float(chisquare(np.bincount(np.concatenate([raw >> 4, raw & 0x0F]), minlength=16)).pvalue)

    published = [
        PublishedUpdate(names.get(address, address), masked[member].nbytes, uniformity(masked[member]))
        for address, member in pub.ids.items()
        if member in masked
    ]
    outcome = derive_secagg(fc, store, pub, task, r, revealed)
    if outcome.total is None or outcome.total_weight is None:  # the round finalized, so it unmasks
        raise VerificationError(f"round {r} does not unmask from public data: {outcome.failure}")
    k = pub.rnd.graph.degree
    return Visibility(r, published, outcome.total_weight, k, pub.rnd.threshold, uniformity(outcome.total))


def _write_plot(result: FederationResult) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rounds = [0] + [r.round for r in result.rounds]
    accuracy = [result.initial_accuracy] + [r.accuracy for r in result.rounds]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    config = result.config
    ax.plot(rounds, accuracy, marker="o", label=f"federated ({config.strategy}, {config.mode}, on-chain)")
    ax.axhline(result.centralized_accuracy, color="green", linestyle="--", label="centralized (pooled data)")
    best_alone = max(result.local_accuracy.values())
    mean_alone = float(np.mean(list(result.local_accuracy.values())))
    ax.axhline(best_alone, color="grey", linestyle=":", label="best holder alone")
    ax.axhline(mean_alone, color="red", linestyle=":", label="mean holder alone")
    ax.set_xlabel("round")
    ax.set_ylabel("accuracy on held-out records")
    ax.set_title(f"{result.config.scenario}: {len(result.names)} holders, task {result.task_id}")
    ax.set_ylim(min(0.4, min(accuracy) - 0.05), 1.0)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    result.plot_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = result.plot_path.with_suffix(".tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    os.replace(tmp, result.plot_path)


def _write_audit(result: FederationResult, deployment_json: str) -> None:
    audit = {
        "chain": result.chain,
        "chainId": result.chain_id,
        "deployment": json.loads(deployment_json),
        "task": result.task_id,
        "config": {k: str(v) for k, v in vars(result.config).items() if k != "accounts"},
        "holders": result.names,
        "rounds": [vars(r) for r in result.rounds],
        "modelVersions": result.model_versions,
        "comparison": {
            "initial": result.initial_accuracy,
            "centralized": result.centralized_accuracy,
            "aloneByHolder": result.local_accuracy,
        },
        "verified": result.verified,
        "verification": list(result.verify_lines),
        "gas": json.loads(result.ledger.to_json()),
    }
    tmp = result.audit_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(audit, indent=2) + "\n")
    os.replace(tmp, result.audit_path)
