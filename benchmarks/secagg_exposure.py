"""SecAgg+ k and t sized from a threat model, and how often Bell et al.'s defaults expose an honest member.

Two tables, from ``fedchain.privacy.secagg.params``:

* **Sized parameters.** For each round size ``n`` and threat model ``(gamma, delta)`` (corrupt and dropped
  fractions): the cheapest ``(k, t)`` of :func:`size_parameters` for exposure at most ``2**-40`` and liveness
  failure at most ``2**-20`` per round, ``k / n``, the two union bounds it achieves, and the time of the first
  (unmemoized) sizing call. A row marked "privacy only" met no pair: the complete graph with ``t = C + 1``.
* **Old defaults.** ``k = 2 * ceil(log2 n)``, ``t = floor(k / 2) + 1`` against colluding members: the exposure
  bound and the Monte Carlo rates over ``--rounds`` rounds of the real seeded ring (:func:`simulate_exposure`:
  a static corrupt set, a fresh seed and fresh dropouts per round), with the sized parameters beside them.
  "split" counts rounds in which the honest survivors fall into several components of the graph (partial sums
  leak; outside the model's bounds).

Usage::

    .venv/bin/python benchmarks/secagg_exposure.py [--rounds 2000] [--seed 0] [--delta 0.2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _timing import command_line, today

from fedchain.privacy.secagg import default_degree, default_threshold
from fedchain.privacy.secagg.params import (
    ThreatModel,
    _size_parameters,
    exposure_bound,
    liveness_bound,
    simulate_exposure,
    size_parameters,
)

SIZES = (10, 100, 1000, 10_000)
MODELS = ((0.1, 0.1), (0.2, 0.2), (0.2, 0.3), (1 / 3, 0.1))
SIMULATED_SIZES = (10, 100, 1000)
SIMULATED_CORRUPTION = (0.2, 0.3)


def _p(x: float) -> str:
    return "0" if x == 0 else f"{x:.2e}" if x < 0.01 else f"{x:.4f}"


def sized_table() -> None:
    print("| gamma | delta | n | C | D | k | t | k/n | exposure bound | liveness bound | sizing ms | note |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for gamma, delta in MODELS:
        model = ThreatModel(gamma, delta)
        for n in SIZES:
            _size_parameters.cache_clear()
            t0 = time.perf_counter()
            k, t = size_parameters(n, model)
            ms = (time.perf_counter() - t0) * 1e3
            exposure, liveness = exposure_bound(n, k, t, model), liveness_bound(n, k, t, model)
            met = exposure <= model.privacy_target and liveness <= model.liveness_target
            note = ("complete" if k == n - 1 else "") + ("" if met else ", privacy only")
            c, d = model.counts(n)
            print(
                f"| {gamma:.3g} | {delta:.3g} | {n:,} | {c:,} | {d:,} | {k} | {t} | {k / n:.3f} | "
                f"{_p(exposure)} | {_p(liveness)} | {ms:.1f} | {note.strip(', ')} |"
            )


def defaults_table(rounds: int, seed: int, delta: float) -> None:
    print(
        "| n | gamma | parameters | k | t | exposure bound | simulated exposure | P1 | P2 | split "
        "| liveness failure bound | simulated liveness failure |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in SIMULATED_SIZES:
        for gamma in SIMULATED_CORRUPTION:
            model = ThreatModel(gamma, delta)
            old_k = default_degree(n)
            for label, (k, t) in (
                ("old defaults", (old_k, default_threshold(old_k))),
                ("sized", size_parameters(n, model)),
            ):
                r = simulate_exposure(n, k, t, model, rounds, np.random.default_rng(seed))
                print(
                    f"| {n:,} | {gamma} | {label} | {k} | {t} | {_p(exposure_bound(n, k, t, model))} | "
                    f"{_p(r.exposure_rate)} | {r.reconstructed} | {r.isolated} | {r.split} | "
                    f"{_p(liveness_bound(n, k, t, model))} | {_p(r.liveness_failure_rate)} |"
                )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000, help="Monte Carlo rounds per row")
    parser.add_argument("--seed", type=int, default=0, help="numpy Generator seed of every Monte Carlo row")
    parser.add_argument("--delta", type=float, default=0.2, help="dropout fraction of the old-defaults table")
    args = parser.parse_args()

    print(f"Command: `{command_line()}` ({today()})\n")
    print("## Sized (k, t): exposure <= 2^-40 and liveness failure <= 2^-20 per round (union bounds)\n")
    sized_table()
    print(
        f"\n## Old defaults k = 2 ceil(log2 n), t = floor(k/2) + 1 vs sized, delta = {args.delta}, "
        f"{args.rounds:,} rounds per row (P1, P2, split: rounds)\n"
    )
    defaults_table(args.rounds, args.seed, args.delta)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
