"""One federated round over the chain, end to end, with real blobs and real money flows.

Parties, each with its own key: the task owner (deploys, escrows the reward pool), the aggregator (bonded),
and ``n`` hospitals (record consent, stake, train, commit, reveal, verify, attest, claim). Every transaction
is labelled with its role and phase in the gas ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_typing import ChecksumAddress

from fedchain import codec
from fedchain.chain import ChainBackend, GasLedger, Transactor, connect
from fedchain.chain.bindings.coordinator import (
    Aggregate,
    Durations,
    Mode,
    Phase,
    TaskParams,
    UpdateRevealedEvent,
)
from fedchain.chain.client import Fedchain, commitment, deploy_all, next_reveal_digest
from fedchain.demo.hospitals import (
    Model,
    evaluate,
    initial_model,
    load_hospitals,
    train_local,
    weighted_average,
)
from fedchain.incentives import RewardTree
from fedchain.storage import ContentRef, LocalDirectoryStore

TOKEN = 10**18  # FED has 18 decimals

Reporter = Callable[[str, str], None]  # (step, detail)


@dataclass(frozen=True)
class DemoConfig:
    chain: str = "embedded"
    participants: int = 3
    out_dir: Path = Path("fedchain-demo")
    seed: int = 7
    local_epochs: int = 20
    reward_per_round: int = 100 * TOKEN
    stake: int = 10 * TOKEN


@dataclass
class HospitalRow:
    name: str
    address: str
    examples: int
    local_accuracy: float
    update_hash: str
    reward: int = 0
    attested: bool = False


@dataclass
class DemoResult:
    chain: str
    chain_id: int
    deployment: dict[str, Any]
    task_id: int
    round_number: int
    phase: str
    hospitals: list[HospitalRow]
    model_versions: list[dict[str, Any]]
    global_accuracy: float
    global_loss: float
    initial_accuracy: float
    ledger: GasLedger
    audit_path: Path
    seconds: float
    visibility: list[tuple[str, str]] = field(default_factory=list)


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


def _spec_hash(spec: dict[str, Any]) -> bytes:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()).digest()


def _store_model(store: LocalDirectoryStore, model: Model, spec: codec.ModelSpec) -> ContentRef:
    return store.put(codec.encode(model, spec))


def _revealed(fc: Fedchain, task_id: int, round_number: int) -> list[UpdateRevealedEvent]:
    events = fc.coordinator.events("UpdateRevealed", from_block=fc.deployment.block)
    mine = [e for e in events if e.task == task_id and e.round == round_number]
    return sorted(mine, key=lambda e: (e.block_number, e.log_index))


def aggregate_round(
    fc: Fedchain, store: LocalDirectoryStore, spec: codec.ModelSpec, task_id: int, round_number: int
) -> tuple[Model, bytes, list[tuple[str, int]]]:
    """Re-derive the round's aggregate from public data only: on-chain reveals and stored blobs.

    Returns the model, the reveal digest recomputed from the events (it must equal the on-chain one), and
    ``(member, examples)`` in reveal order. The aggregator and every verifier run exactly this.
    """
    rnd = fc.coordinator.round(task_id, round_number)
    digest = rnd.seed
    updates: list[tuple[Model, int]] = []
    members: list[tuple[str, int]] = []
    for ev in _revealed(fc, task_id, round_number):
        digest = next_reveal_digest(digest, ev.member, ev.update_hash)
        blob = store.get_by_locator(ev.locator, ev.update_hash)
        updates.append((codec.decode(blob, spec), ev.num_examples))
        members.append((ev.member, ev.num_examples))
    return weighted_average(updates), digest, members


def run_demo(config: DemoConfig, report: Reporter = lambda step, detail: None) -> DemoResult:
    started = time.perf_counter()
    out = Path(config.out_dir)
    store = LocalDirectoryStore(out / "blobs")
    data = load_hospitals(config.participants, config.seed)
    backend: ChainBackend = connect(config.chain)  # type: ignore[arg-type]
    try:
        return _run(config, backend, store, data, out, started, report)
    finally:
        backend.close()


def _run(
    config: DemoConfig,
    backend: ChainBackend,
    store: LocalDirectoryStore,
    data: Any,
    out: Path,
    started: float,
    report: Reporter,
) -> DemoResult:
    ledger = GasLedger()
    owner, aggregator = backend.funded_signer(), backend.funded_signer()
    hospitals = [backend.funded_signer() for _ in data.hospitals]
    tx = Transactor(backend.w3, owner, role="owner", ledger=ledger)
    n = len(hospitals)
    pool = config.reward_per_round * 3
    mint: dict[str, int] = {owner.address: pool, aggregator.address: 10 * TOKEN}
    mint |= {h.address: config.stake * 2 for h in hospitals}
    deployment = deploy_all(tx, owner, mint=mint)
    report(
        "deploy",
        f"{len(deployment.contracts)} contracts on chain {deployment.chain_id} ({backend.name})",
    )

    fc = Fedchain(backend.w3, deployment, tx, owner, role="owner")
    vault = fc.vault.address

    # -- the task -----------------------------------------------------------------------------
    model0 = initial_model(data.hospitals[0].x.shape[1])
    spec = codec.ModelSpec.from_arrays(model0)
    ref0 = _store_model(store, model0, spec)
    task_spec = {
        "name": "breast-cancer-logreg",
        "model": json.loads(spec.canonical_json()),
        "strategy": "fedavg",
        "localEpochs": config.local_epochs,
        "featureMean": [round(float(v), 12) for v in data.mean],
        "featureScale": [round(float(v), 12) for v in data.scale],
    }
    params = TaskParams(
        spec_hash=_spec_hash(task_spec),
        initial_model_hash=ref0.sha256,
        initial_model_locator=ref0.locator,
        reward_pool=pool,
        reward_per_round=config.reward_per_round,
        required_stake=config.stake,
        aggregator_bond=5 * TOKEN,
        non_reveal_slash=config.stake // 2,
        dispute_slash=config.stake // 2,
        cohort_size=n,
        min_revealers=max(1, (2 * n) // 3),
        max_rounds=0,
        mode=Mode.PLAIN,
        aggregator=aggregator.address,
        durations=Durations(
            advertise=0, share=0, commit=3600, reveal=3600, unmask=0, aggregate=3600, challenge=600
        ),
    )
    fc.token.approve(vault, pool, phase="create_task")
    receipt = fc.coordinator.create_task(params)
    task_id = fc.coordinator.events_in_receipt(receipt, "TaskCreated")[0].task
    report(
        "task",
        f"task {task_id}: pool {pool / TOKEN:.0f} FED, stake {config.stake / TOKEN:.0f} FED, {n} seats",
    )

    # -- hospitals join: consent, stake, dataset commitment ---------------------------------------
    parties = [fc.as_signer(h, "participant") for h in hospitals]
    rows: list[HospitalRow] = []
    for split, party in zip(data.hospitals, parties, strict=True):
        descriptor = {
            "holder": split.name,
            "records": len(split.y),
            "features": list(data.feature_names),
            "sha256": hashlib.sha256(split.x.tobytes() + split.y.tobytes()).hexdigest(),
        }
        dataset_commitment = _spec_hash(descriptor)
        consent_doc = f"{split.name} consents to federated training for task spec {_hex(params.spec_hash)}"
        consent_hash = hashlib.sha256(consent_doc.encode()).digest()
        consent_ref = hashlib.sha256(b"consent:" + consent_hash).digest()
        party.consent.record_consent(consent_ref, consent_hash, dataset_commitment, 0, phase="join")
        party.token.approve(vault, config.stake, phase="join")
        party.coordinator.join(task_id, config.stake, dataset_commitment, consent_ref)
        rows.append(HospitalRow(split.name, party.address, len(split.y), 0.0, ""))
        report(
            "join",
            f"{split.name}: {len(split.y)} records, consent + stake {config.stake / TOKEN:.0f} FED",
        )

    # -- one round --------------------------------------------------------------------------------
    fc.coordinator.open_round(task_id)
    r = fc.coordinator.current_round(task_id)
    report("round", f"round {r} open: cohort {fc.coordinator.round(task_id, r).cohort_size} of {n}")

    salts: dict[ChecksumAddress, tuple[ContentRef, bytes]] = {}
    for split, party, row in zip(data.hospitals, parties, rows, strict=True):
        global_model = codec.decode(store.get_by_locator(ref0.locator, ref0.sha256), spec)
        update = train_local(global_model, split.x, split.y, epochs=config.local_epochs)
        row.local_accuracy = evaluate(update, data.x_test, data.y_test)[0]
        ref = _store_model(store, update, spec)
        salt = os.urandom(32)
        salts[party.address] = (ref, salt)
        party.coordinator.commit(task_id, r, commitment(task_id, r, party.address, ref.sha256, salt))
        row.update_hash = ref.digest_hex
        report("commit", f"{split.name}: trained {config.local_epochs} epochs, committed")
    for party, row in zip(parties, rows, strict=True):
        ref, salt = salts[party.address]
        party.coordinator.reveal(task_id, r, ref.sha256, salt, row.examples, ref.locator)
        report("reveal", f"{row.name}: revealed update {row.update_hash[:16]}...")

    # -- aggregation ------------------------------------------------------------------------------
    agg = fc.as_signer(aggregator, "aggregator")
    model, digest, members = aggregate_round(agg, store, spec, task_id, r)
    model_ref = _store_model(store, model, spec)
    accuracy, loss = evaluate(model, data.x_test, data.y_test)
    metrics = json.dumps({"accuracy": accuracy, "logLoss": loss, "round": r}, sort_keys=True).encode()
    metrics_ref = store.put(metrics)
    total_examples = sum(ex for _, ex in members)
    rewards = [(m, config.reward_per_round * ex // total_examples) for m, ex in members]
    tree = RewardTree.build(rewards)
    agg.token.approve(vault, params.aggregator_bond, phase="submit_aggregate")
    agg.coordinator.submit_aggregate(
        task_id,
        r,
        Aggregate(
            model_hash=model_ref.sha256,
            metrics_hash=metrics_ref.sha256,
            rewards_root=tree.root,
            reward_total=tree.total,
            reveal_digest=digest,
            locator=model_ref.locator,
        ),
    )
    report("aggregate", f"model {model_ref.digest_hex[:16]}..., accuracy {accuracy:.3f}, bond posted")

    # -- verification: every hospital re-derives the aggregate from public data -----------------------
    for party, row in zip(parties, rows, strict=True):
        mine, _, _ = aggregate_round(party, store, spec, task_id, r)
        if store.ref_for(codec.encode(mine, spec)).sha256 == model_ref.sha256:
            party.coordinator.attest(task_id, r)
            row.attested = True
        else:
            party.coordinator.challenge(task_id, r)
        report(
            "verify",
            f"{row.name}: re-derived the model bit for bit -> {'attest' if row.attested else 'challenge'}",
        )

    backend.advance_time(params.durations.challenge + 1)
    fc.coordinator.finalize(task_id, r)
    final_phase = fc.coordinator.round(task_id, r).phase
    report("finalize", f"round {r}: {final_phase.name.lower()}, model registry head -> version 1")

    for party, row in zip(parties, rows, strict=True):
        amount = tree.amount(party.address)
        party.coordinator.claim(task_id, r, amount, tree.proof(party.address))
        row.reward = amount
        report("claim", f"{row.name}: claimed {amount / TOKEN:.2f} FED with a Merkle proof")

    versions = []
    for i in range(fc.models.version_count(task_id)):
        v = fc.models.version(task_id, i)
        versions.append(
            {
                "version": i,
                "round": v.round,
                "modelHash": _hex(v.model_hash),
                "parentHash": _hex(v.parent_hash),
                "locator": v.locator,
                "metricsHash": _hex(v.metrics_hash),
            }
        )
    result = DemoResult(
        chain=backend.name,
        chain_id=deployment.chain_id,
        deployment=json.loads(deployment.to_json()),
        task_id=task_id,
        round_number=r,
        phase=Phase(final_phase).name.lower(),
        hospitals=rows,
        model_versions=versions,
        global_accuracy=accuracy,
        global_loss=loss,
        initial_accuracy=evaluate(model0, data.x_test, data.y_test)[0],
        ledger=ledger,
        audit_path=out / "audit.json",
        seconds=time.perf_counter() - started,
        visibility=[
            (
                "chain (public)",
                "stakes, commitments, update hashes, reveal order, model hashes, reward root",
            ),
            (
                "storage (plain mode)",
                "each hospital's update blob: readable by whoever reads the store",
            ),
            ("each hospital", "its own records only; never another hospital's records"),
            ("aggregator", "every revealed update (plain mode)"),
        ],
    )
    _write_audit(result)
    return result


def _write_audit(result: DemoResult) -> None:
    audit = {
        "chain": result.chain,
        "chainId": result.chain_id,
        "deployment": result.deployment,
        "task": result.task_id,
        "round": result.round_number,
        "phase": result.phase,
        "modelVersions": result.model_versions,
        "hospitals": [vars(h) for h in result.hospitals],
        "globalAccuracy": result.global_accuracy,
        "gas": json.loads(result.ledger.to_json()),
    }
    result.audit_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = result.audit_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(audit, indent=2) + "\n")
    os.replace(tmp, result.audit_path)
