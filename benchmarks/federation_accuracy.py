"""Accuracy after 10 rounds: fedchain through the chain vs centralized (same budget) vs Flower's FedAvg.

The demo scenario three ways, side by side in one run:

* **fedchain**: the demo's federation itself (``fedchain.demo.federation.run_federation`` in a temporary
  directory): deployment, a task, members with consent and stake, ``Participant`` and ``Aggregator`` nodes
  through the chain, bit-exact fixed-point FedAvg; accuracy and loss of the round records.
* **centralized**: the same client class and hyper-parameters as the federation's clients
  (``SklearnLinearClient`` from ``logistic_clients``: LogisticRegression's loss and L2 penalty, the same
  gradient loop, learning rate and batch size) on the pooled training records, trained ``rounds`` times for
  ``local_epochs`` epochs from the same zero model: every record is passed over ``local_epochs x rounds``
  times, as in the federation.
* **Flower**: the same clients, wrapped as Flower ``NumPyClient``\\ s, under ``flwr.server.strategy.FedAvg``
  in ``flwr.simulation.run_simulation`` (Ray backend): same splits and seed, same initial model (zeros), same
  rounds and local epochs, every client in every round.

All three are scored by the same call (the demo's judge, client 0's ``evaluate``) on the data set's held-out
global test set. Targets: fedchain within 1 point of centralized and within 0.5 point of Flower.

Usage::

    .venv/bin/python benchmarks/federation_accuracy.py [--scenario hospitals|digits|fraud] [--rounds 10]
        [--participants 5] [--local-epochs 5] [--seed 7] [--chain embedded|devnet] [--no-flower]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _timing import FlowerRun, command_line, flower_available, load, run_flower, today
from sklearn.base import clone

from fedchain.demo.federation import SCENARIOS, FederationConfig, run_federation
from fedchain.fl.adapters import SklearnLinearClient, logistic_clients

DEFAULTS = FederationConfig()


def _score(judge: Any, params: list[np.ndarray]) -> tuple[float, float]:
    loss, _, metrics = judge.evaluate(params, {})
    return float(metrics["accuracy"]), float(loss)


def centralized(
    data: Any, template: SklearnLinearClient, judge: Any, rounds: int, epochs: int
) -> list[tuple[float, float]]:
    """Accuracy and loss after each block of ``epochs`` epochs on the pooled data (``rounds`` blocks)."""
    x, y = data.centralized()
    full_batch = template.batch_size >= len(template.x_train)
    client = SklearnLinearClient(
        clone(template.model), x, y, data.x_test, data.y_test, local_epochs=epochs, classes=template.classes,
        dtype=template.spec.tensors[0].dtype, learning_rate=template.learning_rate,
        batch_size=None if full_batch else template.batch_size, seed=template.seed,
    )  # fmt: skip
    params = [np.zeros_like(p) for p in template.get_parameters({})]
    curve = []
    for r in range(1, rounds + 1):
        params, _, _ = client.fit(params, {"server_round": r, "local_epochs": epochs})
        curve.append(_score(judge, params))
    return curve


def main() -> int:
    summary, _, details = __doc__.partition("\n")
    parser = argparse.ArgumentParser(
        description=summary, epilog=details, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default=DEFAULTS.scenario)
    parser.add_argument("--rounds", type=int, default=DEFAULTS.rounds)
    parser.add_argument("--participants", type=int, default=DEFAULTS.participants)
    parser.add_argument("--local-epochs", type=int, default=DEFAULTS.local_epochs)
    parser.add_argument("--seed", type=int, default=DEFAULTS.seed, help="the data split's seed (the demo's)")
    parser.add_argument("--chain", choices=["embedded", "devnet"], default=DEFAULTS.chain)
    parser.add_argument("--no-flower", action="store_true", help="skip the Flower simulation")
    parser.add_argument(
        "--mode", choices=["plain", "secagg"], default="plain",
        help="fedchain's mode: plain (updates public) or secagg (SecAgg+, quantized masked updates)",
    )  # fmt: skip
    args = parser.parse_args()
    print(f"Command: `{command_line()}`")
    print(f"Date: {today()}; load average (1/5/15 min) at start: {load()}, {os.cpu_count()} CPUs")

    data = SCENARIOS[args.scenario](args.participants, seed=args.seed)
    clients = logistic_clients(data, local_epochs=args.local_epochs)
    judge = clients[0]
    print(
        f"Scenario {args.scenario}: {len(data.clients)} participants, {sum(len(c) for c in data.clients)} "
        f"training and {len(data.y_test)} test records; {args.rounds} rounds x {args.local_epochs} local "
        f"epochs, FedAvg, chain {args.chain}, fedchain mode {args.mode}"
    )
    print(f"Split: {data.partitioning}")

    print("fedchain: running the demo federation through the chain ...", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="fedchain-accuracy-") as tmp:
        config = FederationConfig(
            chain=args.chain, scenario=args.scenario, participants=args.participants, rounds=args.rounds,
            strategy="fedavg", out_dir=Path(tmp), seed=args.seed, local_epochs=args.local_epochs,
            mode=args.mode,
        )  # fmt: skip
        fed = run_federation(config)
    rounds_seconds = sum(r.seconds for r in fed.rounds)  # the demo's own per-round wall times
    if sorted(fed.names.values()) != sorted(data.client_names):
        raise SystemExit("the demo federation's holders differ from this script's data split")
    fed_curve = [(r.accuracy, r.loss) for r in fed.rounds]

    t0 = time.perf_counter()
    central = centralized(data, judge, judge, args.rounds, args.local_epochs)
    central_seconds = time.perf_counter() - t0

    flower: FlowerRun | None = None
    if args.no_flower:
        print("Flower: skipped (--no-flower)")
    elif not flower_available():
        print("Flower: skipped (flwr[simulation] is not installed: pip install 'fedchain[flower]')")
    else:
        print("Flower: running FedAvg in Flower's simulation ...", file=sys.stderr, flush=True)
        zeros = [np.zeros_like(p) for p in judge.get_parameters({})]
        flower = run_flower(clients, judge, rounds=args.rounds, local_epochs=args.local_epochs, initial=zeros)

    acc, loss = fed_curve[-1]
    print()
    print(f"Accuracy and log-loss on the {len(data.y_test)} held-out test records after {args.rounds} rounds")
    print()
    print("| run | accuracy | loss | fedchain minus this (points) | seconds |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| fedchain ({args.mode}, through the chain, {fed.chain}) | {acc:.4f} | {loss:.4f} | - "
        f"| {rounds_seconds:.1f} |"
    )
    rows: list[tuple[str, float, float, float]] = [
        (f"centralized (same client, {args.local_epochs * args.rounds} epochs on pooled data)", *central[-1],
         central_seconds),
    ]  # fmt: skip
    if flower is not None:
        rows.append(("Flower FedAvg (flwr.simulation, Ray)", flower.accuracy[args.rounds],
                     flower.loss[args.rounds], flower.seconds))  # fmt: skip
    for name, a, lo, sec in rows:
        print(f"| {name} | {a:.4f} | {lo:.4f} | {100 * (acc - a):+.2f} | {sec:.1f} |")
    lbfgs = fed.centralized_accuracy
    print(f"| (info) centralized, lbfgs to convergence (the demo's baseline) | {lbfgs:.4f} | - "
          f"| {100 * (acc - lbfgs):+.2f} | - |")  # fmt: skip

    print()
    print("Per round (accuracy / loss):")
    print()
    header = "| round | fedchain | centralized (same epochs so far) |" + (
        " Flower FedAvg |" if flower else ""
    )
    print(header)
    print("|---:|---|---|" + ("---|" if flower else ""))
    if flower is not None:
        print(f"| 0 | {fed.initial_accuracy:.4f} / - | - | {flower.accuracy[0]:.4f} / {flower.loss[0]:.5f} |")
    for r in range(1, args.rounds + 1):
        line = f"| {r} | {fed_curve[r - 1][0]:.4f} / {fed_curve[r - 1][1]:.5f} "
        line += f"| {central[r - 1][0]:.4f} / {central[r - 1][1]:.5f} |"
        if flower is not None:
            line += f" {flower.accuracy[r]:.4f} / {flower.loss[r]:.5f} |"
        print(line)

    print()
    gap_central = 100 * (acc - central[-1][0])
    verdict = "met" if abs(gap_central) <= 1.0 else "NOT met"
    print(f"Target |fedchain - centralized| <= 1 point: {gap_central:+.2f} points, {verdict}.")
    if flower is not None:
        gap_flower = 100 * (acc - flower.accuracy[args.rounds])
        verdict = "met" if abs(gap_flower) <= 0.5 else "NOT met"
        print(f"Target |fedchain - Flower FedAvg| <= 0.5 point: {gap_flower:+.2f} points, {verdict}.")
        same = sum(
            1 for r in range(1, args.rounds + 1) if fed_curve[r - 1][0] == flower.accuracy[r]
        )  # fmt: skip
        worst = max(abs(fed_curve[r - 1][1] - flower.loss[r]) for r in range(1, args.rounds + 1))
        print(
            f"fedchain and Flower: the same accuracy in {same} of {args.rounds} rounds, largest loss "
            f"difference {worst:.1e}; initial model accuracy {fed.initial_accuracy:.4f} vs "
            f"{flower.accuracy[0]:.4f}."
        )
    print(f"fedchain verified every model version from the chain: {fed.verified}.")
    print(
        f"Seconds: fedchain {rounds_seconds:.1f} for its {len(fed.rounds)} rounds (the table), "
        f"{fed.seconds:.1f} in all (deploy, join, rounds, re-deriving every version, audit); Flower "
        f"{flower.seconds if flower else float('nan'):.1f} including Ray's start and stop."
    )
    print(f"Load average at the end: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
