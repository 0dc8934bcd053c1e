"""Honest update norms of the built-in scenarios: the figures behind ``DEFAULT_MAX_UPDATE_NORM`` (issue 9).

Each scenario (hospitals, digits, fraud) is split among 2, 5 and 10 holders (seeds 3 and 7) and trained
with the demo's clients (``logistic_clients``: learning rate 0.1) from the all-zeros model for 10 rounds,
off-chain, with the strategy aggregating as the nodes do. For each round it prints the largest L2 distance
of an honest update to the round's base model.

Usage::

    .venv/bin/python benchmarks/honest_update_norms.py [--epochs 5 20] [--strategies fedavg fedadam]
"""

from __future__ import annotations

import argparse

import numpy as np

from fedchain.data import digits, fraud, hospitals
from fedchain.fl.adapters import logistic_clients
from fedchain.fl.strategies import strategy_factory
from fedchain.fl.typing import from_named, to_named

SCENARIOS = {"hospitals": hospitals, "digits": digits, "fraud": fraud}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[5, 20])
    parser.add_argument("--strategies", nargs="+", default=["fedavg", "fedadam"])
    parser.add_argument("--holders", type=int, nargs="+", default=[2, 5, 10])
    parser.add_argument("--seeds", type=int, nargs="+", default=[3, 7])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    overall: dict[tuple[str, int], float] = {}
    for name, make in SCENARIOS.items():
        for holders in args.holders:
            for seed in args.seeds:
                for strategy_name in args.strategies:
                    for epochs in args.epochs:
                        clients = logistic_clients(make(holders, seed=seed), local_epochs=epochs)
                        spec = clients[0].spec
                        model = {t.name: np.zeros(t.shape, t.dtype) for t in spec.tensors}
                        strategy = strategy_factory(strategy_name, {})()
                        largest = []
                        for r in range(1, args.rounds + 1):
                            results, norms = [], []
                            for client in clients:
                                params, count, _ = client.fit(from_named(model, spec), {"server_round": r})
                                update = to_named(params, spec)
                                norms.append(
                                    float(np.sqrt(sum(np.sum((update[k] - model[k]) ** 2) for k in update)))
                                )
                                results.append((update, count))
                            largest.append(max(norms))
                            model = strategy.aggregate(model, results, server_round=r)
                        key = (name, epochs)
                        overall[key] = max(overall.get(key, 0.0), *largest)
                        print(
                            f"{name:9} {holders:2} holders seed {seed} {strategy_name:10} {epochs:3} epochs: "
                            + " ".join(f"{x:.3f}" for x in largest),
                            flush=True,
                        )
    for (name, epochs), value in sorted(overall.items()):
        print(f"largest honest update norm: {name:9} {epochs:3} local epochs: {value:.3f}")


if __name__ == "__main__":
    main()
