"""Gas per member per round, ``secagg`` mode vs ``plain`` mode, from real receipts, side by side.

The same federation is built twice on a fresh chain, once per mode (the setup of ``tests/node``, copied: a
task with a real initial model, an aggregator, ``--members`` hospitals that join), and fedchain's own nodes
(``fedchain.node.Participant`` and ``Aggregator``, driven by ``run_rounds``) run ``--rounds`` rounds in
which every member acts. Every transaction goes through fedchain's client (the ``Transactor``: gas estimate,
local signing, receipt) and lands in its ``GasLedger``; each record's gas is the receipt's ``gasUsed``
(21,000 transaction base, calldata and execution, after refunds). Each transaction is attributed to its
sender and round from the mined transaction itself (``from``; the ``round`` argument decoded from its input).

A member's calls per round: ``plain`` = ``commit``, ``reveal``, ``attest``, ``claim``; ``secagg`` adds
``advertise_keys``, ``share_keys`` and ``unmask`` (its masked update is committed and revealed like a plain
one, with weight 0: the weight is inside the masked vector). The aggregator opens, submits and finalizes.

Usage::

    .venv/bin/python benchmarks/secagg_gas.py [--chain embedded|devnet] [--members 10] [--rounds 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from _timing import command_line, today

from fedchain import codec
from fedchain.chain import ChainBackend, GasRecord, Transactor, connect
from fedchain.chain.bindings.coordinator import Durations, Mode, TaskParams
from fedchain.chain.client import Fedchain, deploy_all
from fedchain.data import hospitals
from fedchain.fl.adapters import logistic_clients
from fedchain.fl.strategies import FedAvg
from fedchain.node import Aggregator, Participant, run_rounds
from fedchain.storage import LocalDirectoryStore
from fedchain.taskspec import DEFAULT_MAX_EXAMPLES, SecAggSpec, TaskSpec, publish_task_spec

# -- the federation of tests/node/node_federation.py, copied (benchmarks do not import tests) ----------------

TOKEN = 10**18
STAKE = 10 * TOKEN
BOND = 5 * TOKEN
PER_ROUND = 90 * TOKEN
PLAIN_DURATIONS = Durations(
    advertise=0, share=0, commit=600, reveal=600, unmask=0, aggregate=600, challenge=300, idle=0
)
SECAGG_DURATIONS = Durations(
    advertise=600, share=600, commit=600, reveal=600, unmask=600, aggregate=600, challenge=300, idle=0
)

MEMBER_CALLS = ["advertise_keys", "share_keys", "commit", "reveal", "unmask", "attest", "claim"]
MODES = ("plain", "secagg")


def _h(label: str) -> bytes:
    return label.encode().ljust(32, b"\0")


@dataclass
class Federation:
    backend: ChainBackend
    owner: Fedchain
    aggregator: Aggregator
    participants: list[Participant]
    task: int


def build_federation(backend: ChainBackend, tmp: Path, members: int, secagg: SecAggSpec | None) -> Federation:
    """Deploy, create a ``plain`` or ``secagg`` task with an all-zeros model; ``members`` hospitals join."""
    data = hospitals(members, partitioner="iid", seed=3)
    clients = logistic_clients(data, local_epochs=5)
    spec = clients[0].spec
    owner_key = backend.funded_signer()
    keys = [backend.funded_signer() for _ in range(members + 1)]
    tx = Transactor(backend.w3, owner_key, role="owner")
    mint: dict[str, int] = {owner_key.address: 10 * PER_ROUND} | {k.address: 100 * TOKEN for k in keys}
    owner = Fedchain(backend.w3, deploy_all(tx, owner_key, mint=mint), tx, owner_key, role="owner")
    store = LocalDirectoryStore(tmp / "blobs")
    ref0 = store.put(codec.encode({t.name: np.zeros(t.shape, t.dtype) for t in spec.tensors}, spec))
    spec_ref = publish_task_spec(store, TaskSpec(spec, "fedavg", secagg=secagg))
    mode, durations = (Mode.PLAIN, PLAIN_DURATIONS) if secagg is None else (Mode.SEC_AGG, SECAGG_DURATIONS)
    params = TaskParams(
        spec_hash=spec_ref.sha256, initial_model_hash=ref0.sha256, initial_model_locator=ref0.locator,
        reward_pool=4 * PER_ROUND, reward_per_round=PER_ROUND, required_stake=STAKE, aggregator_bond=BOND,
        non_reveal_slash=STAKE // 2, dispute_slash=STAKE // 2, cohort_size=members, min_revealers=1,
        max_rounds=0, mode=mode, aggregator=keys[0].address, durations=durations, skip_slash=STAKE // 10,
        max_examples=DEFAULT_MAX_EXAMPLES,
    )  # fmt: skip
    owner.token.approve(owner.vault.address, params.reward_pool)
    task = owner.coordinator.events_in_receipt(owner.coordinator.create_task(params), "TaskCreated")[0].task
    member_fcs = [owner.as_signer(k, "participant") for k in keys[1:]]
    for m in member_fcs:
        ref, dataset = _h("consent-" + m.address[2:10]), _h("data-" + m.address[2:10])
        m.consent.record_consent(ref, _h("consent-doc"), dataset, 0)
        m.token.approve(m.vault.address, STAKE)
        m.coordinator.join(task, STAKE, dataset, ref)
    participants = [
        Participant(
            fc,
            store,
            client,
            spec,
            task,
            tmp / f"participant-{i}.json",
            num_examples=len(client.x_train),
            strategy_factory=FedAvg,
        )
        for i, (fc, client) in enumerate(zip(member_fcs, clients, strict=True))
    ]
    aggregator_fc = owner.as_signer(keys[0], "aggregator")
    aggregator = Aggregator(aggregator_fc, store, FedAvg(), spec, task, tmp / "aggregator.json")
    return Federation(backend, owner, aggregator, participants, task)


# -- measuring -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One mined transaction of the rounds: who sent it, for which round, what it cost."""

    sender: str
    role: str
    round: int
    name: str
    gas: int


@dataclass
class ModeResult:
    calls: list[Call] = field(default_factory=list)
    seconds: float = 0.0
    members: list[str] = field(default_factory=list)
    aggregator: str = ""


def _label(record: GasRecord) -> str:
    if record.function == "approve":
        return "approve (bond allowance)"
    return record.phase


def measure(kind: str, mode: str, members: int, rounds: int) -> ModeResult:
    """Run ``rounds`` rounds of a fresh ``mode`` task on a fresh ``kind`` chain; every round's calls."""
    result = ModeResult()
    with connect(kind) as backend, tempfile.TemporaryDirectory() as tmp:  # type: ignore[arg-type]
        f = build_federation(backend, Path(tmp), members, SecAggSpec() if mode == "secagg" else None)
        ledger = f.owner.tx.ledger
        ledger.clear()  # setup (deploy, task, joins) is not a round's cost
        t0 = time.perf_counter()
        log = run_rounds(f.aggregator, f.participants, backend, rounds=rounds)
        result.seconds = time.perf_counter() - t0
        if len(log.finalized) != rounds:
            raise SystemExit(f"{mode}: only rounds {log.finalized} finalized")
        result.members = [p.fc.address for p in f.participants]
        result.aggregator = f.aggregator.fc.address
        w3, coordinator = backend.w3, f.owner.coordinator
        for record in ledger.records:
            if record.status != 1:
                raise SystemExit(f"{mode}: a transaction reverted: {record}")
            tx = w3.eth.get_transaction(record.tx_hash)  # type: ignore[arg-type]
            r = _round_of(coordinator, f.task, tx, record)
            result.calls.append(Call(str(tx["from"]), record.role, r, _label(record), record.gas_used))
    return result


def _round_of(coordinator: Any, task: int, tx: Any, record: GasRecord) -> int:
    """The round a transaction belongs to: its ``roundNumber`` argument, else (``openRound``, the bond
    approval) the task's current round right after it was mined."""
    if str(tx["to"]).lower() == coordinator.address.lower():
        _, args = coordinator.contract.decode_function_input(tx["input"])
        if "roundNumber" in args:
            return int(args["roundNumber"])
    current = coordinator.contract.functions.currentRound(task)
    return int(current.call(block_identifier=record.block))


# -- report --------------------------------------------------------------------------------------------------


def _med(values: Sequence[int]) -> str:
    if not values:
        return "-"
    lo, hi, mid = min(values), max(values), round(statistics.median(values))
    return f"{mid:,}" if lo == hi else f"{mid:,} ({lo:,}-{hi:,})"


def member_totals(res: ModeResult, r: int) -> list[int]:
    totals = dict.fromkeys(res.members, 0)
    for c in res.calls:
        if c.round == r and c.sender in totals:
            totals[c.sender] += c.gas
    return list(totals.values())


def report(kind: str, members: int, rounds: int, results: dict[str, ModeResult], seconds: float) -> None:
    print(f"# Gas per member per round: secagg vs plain ({members} members, {kind} chain)\n")
    print(f"Command: `{command_line()}`  ")
    print(
        f"Date: {today()}; wall time {seconds:.0f} s (plain {results['plain'].seconds:.0f} s, secagg "
        f"{results['secagg'].seconds:.0f} s of rounds).  "
    )
    print(
        "Gas from each transaction's receipt (`gasUsed`: 21,000 base + calldata + execution - refunds), "
        "recorded by fedchain's `Transactor` in its `GasLedger`. Cells: median over the members "
        "(min-max when they differ: the call that closes a phase, or the first write of a storage slot, "
        "costs more).\n"
    )
    headers = [f"{mode}, round {r}" for r in range(1, rounds + 1) for mode in MODES]
    print("## A member's calls\n")
    print("| call | " + " | ".join(headers) + " |")
    print("|---|" + "---:|" * len(headers))
    for call in MEMBER_CALLS:
        cells = []
        for r in range(1, rounds + 1):
            for mode in MODES:
                res = results[mode]
                gas = [
                    c.gas for c in res.calls if c.round == r and c.name == call and c.sender in res.members
                ]
                cells.append(_med(gas))
        print(f"| `{call}` | " + " | ".join(cells) + " |")
    totals = {(mode, r): member_totals(results[mode], r) for mode in MODES for r in range(1, rounds + 1)}
    cells = [_med(totals[mode, r]) for r in range(1, rounds + 1) for mode in MODES]
    print("| **per member, whole round** | " + " | ".join(f"**{c}**" for c in cells) + " |")

    print("\n## secagg vs plain, per member per round (medians)\n")
    print("| round | plain | secagg | secagg - plain | secagg / plain |")
    print("|---:|---:|---:|---:|---:|")
    for r in range(1, rounds + 1):
        p = round(statistics.median(totals["plain", r]))
        s = round(statistics.median(totals["secagg", r]))
        print(f"| {r} | {p:,.0f} | {s:,.0f} | {s - p:+,.0f} | {s / p:.2f}x |")

    print("\n## The aggregator's calls\n")
    names = list(
        dict.fromkeys(c.name for mode in MODES for c in results[mode].calls if c.role != "participant")
    )
    print("| call | " + " | ".join(headers) + " |")
    print("|---|" + "---:|" * len(headers))
    for name in names:
        cells = []
        for r in range(1, rounds + 1):
            for mode in MODES:
                res = results[mode]
                gas = [
                    c.gas for c in res.calls if c.round == r and c.name == name and c.sender == res.aggregator
                ]
                cells.append(_med(gas) if len(gas) <= 1 else f"{sum(gas):,} ({len(gas)} txs)")
        print(f"| `{name}` | " + " | ".join(cells) + " |")
    cells = []
    for r in range(1, rounds + 1):
        for mode in MODES:
            res = results[mode]
            cells.append(f"{sum(c.gas for c in res.calls if c.round == r and c.sender == res.aggregator):,}")
    print("| **aggregator, whole round** | " + " | ".join(f"**{c}**" for c in cells) + " |")

    print(f"\n## Whole round, all {members} members + aggregator\n")
    print("| round | plain | secagg | secagg / plain |")
    print("|---:|---:|---:|---:|")
    for r in range(1, rounds + 1):
        p = sum(c.gas for c in results["plain"].calls if c.round == r)
        s = sum(c.gas for c in results["secagg"].calls if c.round == r)
        print(f"| {r} | {p:,} | {s:,} | {s / p:.2f}x |")

    other = [c for mode in MODES for c in results[mode].calls if c.round not in range(1, rounds + 1)]
    print(
        "\nEvery member acted in every round (no dropouts). Round 1 holds each member's first call of each "
        "kind (first writes of storage slots)"
        + (", round 2 the same calls again." if rounds > 1 else ".")
        + f" {len(other)} transaction(s) fell outside rounds 1-{rounds}. The blobs' locators are the real "
        "88-byte content addresses the nodes publish (`fedchain-local://sha256/<hex>`): in calldata and an "
        "event for `share_keys`, `reveal` and `unmask`, in storage for `submit_aggregate` (the round) and "
        "`finalize` (the model registry); "
        "`gas_by_members.py` uses short test locators, hence its lower figures for those calls."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--chain", choices=["embedded", "devnet"], default="embedded")
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--rounds", type=int, choices=[1, 2], default=2)
    args = parser.parse_args()
    t0 = time.perf_counter()
    results = {}
    for mode in MODES:
        results[mode] = measure(args.chain, mode, args.members, args.rounds)
        print(f"{mode}: {results[mode].seconds:.1f} s of rounds", file=sys.stderr)
    report(args.chain, args.members, args.rounds, results, time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
