"""Wall time per round with 10 participants, broken down: fedchain on embedded and devnet vs Flower.

The same rounds on the embedded chain, on devnet (anvil) and in Flower's simulation, side by side in one run.

The federation is the demo's (hospitals, Dirichlet split, the demo's seed, ``logistic_clients``, a FedAvg
task spec, the demo's phase durations, stake and reward; task creation and joining by the CLI's own helpers),
with 10 participants and the nodes stepped in one process by ``fedchain.node.run_rounds``, one call per round.
Every part is timed from outside, with no hook in the product (``benchmarks/_timing.py``): wrappers around the
objects this script builds (clients, blob store, transactor, strategy), a web3 middleware, and timed stand-ins
for the module functions the nodes call by name (``fedchain.codec.encode``/``decode``, the contribution
scores). Each moment of a round goes to exactly one bucket (the innermost timed call):

=========================  ================================================================================
bucket                     what is timed
=========================  ================================================================================
local training             the clients' ``fit`` (wrapper around each client)
evaluation                 the aggregator's evaluation of each new global model on the test set (its
                           ``evaluate`` callback, the demo's judge); Flower does the same (``evaluate_fn``)
aggregation                ``Strategy.aggregate`` (fixed point) and the contribution scores (alignments):
                           the aggregator's, and every participant's re-derivation before it votes
storage: blobs             ``BlobStore.put`` / ``get`` / ``get_by_locator`` (files, size and sha256 checks)
storage: encode/decode     ``fedchain.codec.encode`` / ``decode`` (safetensors, canonical-form check)
chain: transactions        ``Transactor.transact``: gas estimate, nonce, fees, local signing, sending,
                           waiting for the receipt, and every RPC inside
chain: reads               view calls (``Transactor.call``) and every other JSON-RPC request (blocks, logs,
                           the polling of idle sweeps), via a web3 middleware
waiting: time advances     ``backend.advance_time`` when a sweep changes nothing (phase deadlines)
waiting: other             the rest of the round's wall time: node logic, reward trees, state files, sweeps
=========================  ================================================================================

Coordination overhead = storage + chain + waiting; the target is below 50% of Flower's whole round time.
Flower's round runs from ``configure_fit`` to the end of the round's server-side evaluation; its local
training is the sum of the clients' ``fit`` times measured inside Flower's workers, the rest is Flower's
own messaging and scheduling. Round 1 is warm-up (first calls, Ray workers starting) and shown on its own;
the medians cover rounds 2 and later.

Usage::

    .venv/bin/python benchmarks/round_time.py [--participants 10] [--rounds 5] [--chains embedded devnet]
        [--scenario hospitals] [--local-epochs 5] [--seed 7] [--no-flower]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from _timing import (
    Clock,
    FlowerRun,
    TimedClient,
    TimedDirectoryStore,
    TimedTransactor,
    command_line,
    flower_available,
    load,
    median,
    patch_timed,
    run_flower,
    timed_strategy,
    timing_middleware,
    today,
)

import fedchain.codec
import fedchain.node._derive
from fedchain.chain import ChainBackend, DevnetBackend, EmbeddedBackend, GasLedger, anvil_available
from fedchain.chain.client import Fedchain, deploy_all
from fedchain.cli._task import create_plain_task, ensure_member
from fedchain.demo.federation import DURATIONS, SCENARIOS, TOKEN, FederationConfig
from fedchain.fl.adapters import logistic_clients
from fedchain.fl.typing import Metrics, from_named
from fedchain.node import Aggregator, Participant, run_rounds
from fedchain.taskspec import TaskSpec

DEFAULTS = FederationConfig()
BUCKETS = [
    ("fit", "local training (clients' fit)"),
    ("evaluate", "evaluation of the new model"),
    ("aggregate", "aggregation + contribution scores (x 11)"),
    ("blob_io", "storage: blob put/get"),
    ("codec", "storage: encode/decode"),
    ("chain_tx", "chain: transactions"),
    ("chain_read", "chain: reads"),
    ("advance", "waiting: time advances"),
    ("other", "waiting: other"),
]
OVERHEAD = ("blob_io", "codec", "chain_tx", "chain_read", "advance", "other")


@dataclass
class Round:
    seconds: float
    buckets: dict[str, float]
    transactions: int
    reads: int
    advances: int
    accuracy: float
    rpc: dict[str, tuple[int, float]]

    def overhead(self) -> float:
        return sum(self.buckets[b] for b in OVERHEAD)


@dataclass
class ChainRun:
    chain: str
    rounds: list[Round] = field(default_factory=list)
    setup_seconds: float = 0.0


def _federation(backend: ChainBackend, clock: Clock, data: Any, args: argparse.Namespace, out: Path) -> Any:
    """Deploy, create the task, join every member; return the aggregator, participants, ledger and scores."""
    ledger = GasLedger()
    owner_key, agg_key = backend.funded_signer(), backend.funded_signer()
    member_keys = [backend.funded_signer() for _ in data.clients]
    pool = DEFAULTS.reward_per_round * (args.rounds + 1)
    mint: dict[str, int] = {owner_key.address: pool, agg_key.address: 10 * TOKEN}
    mint |= {k.address: 2 * DEFAULTS.stake for k in member_keys}
    tx = TimedTransactor(backend.w3, owner_key, role="owner", ledger=ledger, clock=clock)
    owner = Fedchain(backend.w3, deploy_all(tx, owner_key, mint=mint), tx, owner_key, role="owner")
    store = TimedDirectoryStore(out / "blobs", clock)
    clients = [TimedClient(c, clock) for c in logistic_clients(data, local_epochs=args.local_epochs)]
    spec, judge = clients[0].spec, clients[0]
    task_spec = TaskSpec(spec, "fedavg")
    task = create_plain_task(
        owner, store, task_spec, agg_key.address, cohort=len(clients), stake=DEFAULTS.stake, bond=5 * TOKEN,
        reward_pool=pool, reward_per_round=DEFAULTS.reward_per_round, durations=DURATIONS,
    )  # fmt: skip
    for client_data, key in zip(data.clients, member_keys, strict=True):
        digest = hashlib.sha256(client_data.x.tobytes() + client_data.y.tobytes()).digest()
        ensure_member(owner.as_signer(key, "participant"), task, digest)
    scores: list[float] = []

    def evaluate(model: Any) -> Metrics:
        loss, _, metrics = judge.evaluate(from_named(model, spec), {})
        scores.append(float(metrics["accuracy"]))
        return {"accuracy": float(metrics["accuracy"]), "loss": float(loss)}

    strategy = timed_strategy(task_spec.strategy_factory(), clock)
    state = out / "state"
    aggregator = Aggregator(
        owner.as_signer(agg_key, "aggregator"), store, strategy(), spec, task, state / "aggregator.json",
        evaluate=evaluate,
    )  # fmt: skip
    participants = [
        Participant(
            owner.as_signer(key, "participant"), store, client, spec, task, state / f"participant-{i}.json",
            num_examples=len(client.x_train), strategy_factory=strategy,
        )
        for i, (key, client) in enumerate(zip(member_keys, clients, strict=True))
    ]  # fmt: skip
    return aggregator, participants, ledger, scores


def run_chain(kind: str, data: Any, args: argparse.Namespace) -> ChainRun:
    """``1 + args.rounds`` rounds on a fresh ``kind`` chain, each broken down into buckets."""
    clock, methods = Clock(), Clock()
    t0 = time.perf_counter()
    backend: ChainBackend = EmbeddedBackend() if kind == "embedded" else DevnetBackend()
    run = ChainRun(backend.name)
    try:
        backend.w3.middleware_onion.add(timing_middleware(clock, methods=methods), name="benchmark-timing")
        backend.advance_time = clock.wrap(backend.advance_time, "advance", absorb=True)
        with (
            tempfile.TemporaryDirectory(prefix="fedchain-round-time-") as tmp,
            patch_timed(fedchain.codec, "encode", clock, "codec"),
            patch_timed(fedchain.codec, "decode", clock, "codec"),
            patch_timed(fedchain.node._derive, "alignments", clock, "aggregate"),
        ):
            aggregator, participants, ledger, scores = _federation(backend, clock, data, args, Path(tmp))
            run.setup_seconds = time.perf_counter() - t0
            for r in range(1, args.rounds + 2):
                before, calls, txs = clock.snapshot(), dict(clock.calls), len(ledger)
                rpc_calls, rpc_seconds = dict(methods.calls), methods.snapshot()
                start = time.perf_counter()
                log = run_rounds(aggregator, participants, backend, 1)
                seconds = time.perf_counter() - start
                buckets = {b: 0.0 for b, _ in BUCKETS} | clock.since(before)
                buckets["other"] = seconds - sum(v for k, v in buckets.items() if k != "other")
                reads = clock.calls["chain_read"] - calls.get("chain_read", 0)
                rpc = {
                    m: (n - rpc_calls.get(m, 0), methods.seconds[m] - rpc_seconds.get(m, 0.0))
                    for m, n in methods.calls.items()
                    if n > rpc_calls.get(m, 0)
                }
                run.rounds.append(
                    Round(seconds, buckets, len(ledger) - txs, reads, log.time_advances, scores[-1], rpc)
                )
                print(f"{kind}: round {r}: {seconds:.2f} s", file=sys.stderr, flush=True)
    finally:
        backend.close()
    return run


def _cell(value: float) -> str:
    return "-" if value != value else f"{value:.3f}"  # NaN: not applicable


def main() -> int:
    summary, _, details = __doc__.partition("\n")
    parser = argparse.ArgumentParser(
        description=summary, epilog=details, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--participants", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds, after one warm-up round")
    parser.add_argument("--chains", nargs="+", choices=["embedded", "devnet"], default=["embedded", "devnet"])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default=DEFAULTS.scenario)
    parser.add_argument("--local-epochs", type=int, default=DEFAULTS.local_epochs)
    parser.add_argument("--seed", type=int, default=DEFAULTS.seed, help="the data split's seed (the demo's)")
    parser.add_argument("--no-flower", action="store_true", help="skip the Flower baseline")
    args = parser.parse_args()
    print(f"Command: `{command_line()}`")
    print(f"Date: {today()}; load average (1/5/15 min) at start: {load()}, {os.cpu_count()} CPUs")
    data = SCENARIOS[args.scenario](args.participants, seed=args.seed)
    print(
        f"Scenario {args.scenario}: {len(data.clients)} participants, {args.local_epochs} local epochs, "
        f"FedAvg, 1 warm-up + {args.rounds} measured rounds per run"
    )

    runs: list[ChainRun] = []
    for kind in args.chains:
        if kind == "devnet" and not anvil_available():
            print("devnet: skipped, anvil not found (set FEDCHAIN_ANVIL, put anvil on PATH, or run `npm ci`)")
            continue
        runs.append(run_chain(kind, data, args))

    flower: FlowerRun | None = None
    if args.no_flower:
        print("Flower: skipped (--no-flower)")
    elif not flower_available():
        print("Flower: skipped (flwr[simulation] is not installed: pip install 'fedchain[flower]')")
    else:
        print("Flower: running FedAvg in Flower's simulation ...", file=sys.stderr, flush=True)
        clients = logistic_clients(data, local_epochs=args.local_epochs)
        zeros = [np.zeros_like(p) for p in clients[0].get_parameters({})]
        flower = run_flower(clients, clients[0], rounds=args.rounds + 1, local_epochs=args.local_epochs,
                            initial=zeros)  # fmt: skip

    measured = range(1, args.rounds + 1)  # indices of rounds 2 .. rounds + 1
    header, rule = "| seconds per round |", "|---|"
    for run in runs:
        header += f" {run.chain} round 1 | {run.chain} median |"
        rule += "---:|---:|"
    if flower is not None:
        header += " Flower round 1 | Flower median |"
        rule += "---:|---:|"
    print()
    print(f"Wall time per round, {len(data.clients)} participants; medians over rounds 2-{args.rounds + 1}")
    print("(each bucket's median separately, so they need not add up to the median total)")
    print()
    print(header)
    print(rule)
    flower_parts: dict[str, dict[int, float]] = {}
    if flower is not None:
        flower_parts = {"fit": flower.fit_seconds, "evaluate": flower.evaluate_seconds,
                        "aggregate": flower.aggregate_seconds}  # fmt: skip
        flower_parts["other"] = {
            r: flower.round_seconds[r] - sum(p[r] for p in flower_parts.values())
            for r in flower.round_seconds
        }
    for bucket, label in BUCKETS:
        line = f"| {label} |"
        for run in runs:
            line += f" {_cell(run.rounds[0].buckets[bucket])} |"
            line += f" {_cell(median([run.rounds[i].buckets[bucket] for i in measured]))} |"
        if flower is not None:
            part = flower_parts.get(bucket)
            line += f" {_cell(part[1] if part else float('nan'))} |"
            line += f" {_cell(median([part[r + 1] for r in measured]) if part else float('nan'))} |"
        print(line)
    line = "| **whole round** |"
    for run in runs:
        whole = median([run.rounds[i].seconds for i in measured])
        line += f" **{run.rounds[0].seconds:.3f}** | **{whole:.3f}** |"
    flower_median = float("nan")
    if flower is not None:
        flower_median = median([flower.round_seconds[r + 1] for r in measured])
        line += f" **{flower.round_seconds[1]:.3f}** | **{flower_median:.3f}** |"
    print(line)
    line = "| coordination overhead (storage + chain + waiting) |"
    for run in runs:
        line += (
            f" {run.rounds[0].overhead():.3f} | {median([run.rounds[i].overhead() for i in measured]):.3f} |"
        )
    if flower is not None:
        line += " - | - |"
    print(line)

    print()
    print("| run | transactions / round | chain reads / round | time advances / round | setup s | accuracy |")
    print("|---|---:|---:|---:|---:|---:|")
    for run in runs:
        last = run.rounds[-1]
        print(
            f"| {run.chain} | {median([run.rounds[i].transactions for i in measured]):.0f} "
            f"| {median([run.rounds[i].reads for i in measured]):.0f} "
            f"| {median([run.rounds[i].advances for i in measured]):.0f} | {run.setup_seconds:.1f} "
            f"| {last.accuracy:.4f} |"
        )
    if flower is not None:
        print(f"| Flower | - | - | - | - | {flower.accuracy[args.rounds + 1]:.4f} |")
    print()
    print("JSON-RPC requests per round by method: count and seconds (medians over the measured rounds;")
    print("seconds exclusive among requests, from the web3 middleware down to the node and back):")
    print()
    for run in runs:
        names = sorted({m for i in measured for m in run.rounds[i].rpc})
        stats = {
            m: (
                median([run.rounds[i].rpc.get(m, (0, 0.0))[0] for i in measured]),
                median([run.rounds[i].rpc.get(m, (0, 0.0))[1] for i in measured]),
            )
            for m in names
        }
        listed = ", ".join(
            f"{m} {n:.0f} ({s:.2f} s)" for m, (n, s) in sorted(stats.items(), key=lambda kv: -kv[1][1])
        )
        print(f"- {run.chain}: {sum(n for n, _ in stats.values()):.0f} requests: {listed}")
    print()
    print("Every round's wall time, seconds:")
    print()
    for run in runs:
        print(f"- {run.chain}: {', '.join(f'{r.seconds:.2f}' for r in run.rounds)}")
    if flower is not None:
        print(
            f"- Flower: {', '.join(f'{flower.round_seconds[r]:.2f}' for r in sorted(flower.round_seconds))}"
        )

    if flower is not None and runs:
        print()
        for run in runs:
            overhead = median([run.rounds[i].overhead() for i in measured])
            whole = median([run.rounds[i].seconds for i in measured])
            ratio = overhead / flower_median
            verdict = "met" if ratio < 0.5 else "NOT met"
            print(
                f"{run.chain}: coordination overhead {overhead:.3f} s per round = {100 * ratio:.0f}% of "
                f"Flower's whole round ({flower_median:.3f} s); target < 50%: {verdict}. Whole round "
                f"{whole / flower_median:.1f}x Flower's."
            )
    print(f"Load average at the end: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
