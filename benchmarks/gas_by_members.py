"""Gas per call from real transaction receipts on anvil, at two task sizes, side by side.

The Foundry gas report (``contracts/tools/gas-bench.sh``) measures the contracts in isolation; this measures
the same calls as a node sees them, through fedchain's own client: signed transactions, receipts, the 21,000
transaction base and calldata included. A task with ``n`` members runs one round in which a cohort of 10
acts; everything else is the same at both sizes, so any growth with ``n`` would show up as a ratio above 1.

Usage::

    .venv/bin/python benchmarks/gas_by_members.py [--sizes 10 1000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

from fedchain.chain import DevnetBackend, GasLedger
from fedchain.testing import DURATIONS, STAKE, World

CALLS = [
    "join",
    "open_round",
    "advance",
    "commit",
    "reveal",
    "submit_aggregate",
    "attest",
    "finalize",
    "claim",
    "slash_absent",
    "leave",
]


def measure(n: int, cohort: int = 10) -> tuple[dict[str, int], dict[str, int]]:
    """Median gas per call, ``n`` members, a cohort of ``cohort``: (first round, second round).

    The first round holds every acting member's first commit, reveal, vote and claim, and one slash of a
    member that committed and did not reveal: the same situation at every ``n``. In the second round the
    cohort is drawn afresh unless ``n == cohort``, so only at ``n == cohort`` does it measure repeat calls by
    the same members.
    """
    with DevnetBackend() as chain:
        world = World.create(chain, members=0, cohort=cohort)
        keys = [chain.funded_signer(10**17) for _ in range(n)]
        for k in keys:
            world.owner.token.mint(k.address, 100 * 10**18, phase="setup")
        world.members = [world.owner.as_signer(k, "participant") for k in keys]
        world.ledger.clear()
        for m in world.members:
            world.join(m)
        fc, task = world.owner, world.task

        def one_round(silent: bool) -> None:
            fc.coordinator.open_round(task)
            fc.coordinator.advance(task)  # draws the cohort seed, as the aggregator does
            r = fc.coordinator.current_round(task)
            in_cohort = [m for m in world.members if fc.coordinator.is_in_cohort(task, r, m.address)]
            cohort_members = [
                m for m in in_cohort if not fc.coordinator.member_activity(task, m.address).suspended
            ]
            for m in cohort_members:
                world.commit(m, r)
            if len(cohort_members) < len(in_cohort):  # a suspended member holds a seat: wait out the deadline
                chain.advance_time(DURATIONS.commit + 1)
            revealers = cohort_members[:-1] if silent else cohort_members
            for m in revealers:
                world.reveal(m, r)
            if silent:
                chain.advance_time(DURATIONS.reveal + 1)
            tree = world.submit(r, revealers)
            revealers[0].coordinator.attest(task, r)
            chain.advance_time(DURATIONS.challenge + 1)
            fc.coordinator.finalize(task, r)
            for m in revealers:
                m.coordinator.claim(task, r, tree.amount(m.address), tree.proof(m.address))
            if silent:
                revealers[0].coordinator.slash_absent(task, r, cohort_members[-1].address)

        one_round(silent=True)
        first = _medians(world.ledger)
        world.ledger.clear()
        one_round(silent=False)
        outsider = next(m for m in world.members if fc.vault.stake_of(task, m.address) == STAKE)
        outsider.coordinator.leave(task)
        return first, _medians(world.ledger)


def _medians(ledger: GasLedger) -> dict[str, int]:
    by_phase: dict[str, list[int]] = {}
    for rec in ledger.records:
        by_phase.setdefault(rec.phase, []).append(rec.gas_used)
    return {phase: int(statistics.median(gas)) for phase, gas in by_phase.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1000])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[int, tuple[dict[str, int], dict[str, int]]] = {}
    for n in args.sizes:
        t0 = time.perf_counter()
        results[n] = measure(n)
        print(f"n = {n}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    small, large = args.sizes[0], args.sizes[-1]
    print(f"| call | first time, n = {small} | first time, n = {large} | ratio | repeat call, n = {small} |")
    print("|---|---:|---:|---:|---:|")
    for call in CALLS:
        a, b = results[small][0].get(call), results[large][0].get(call)
        again = results[small][1].get(call)
        if a and b:
            print(f"| {call} | {a:,} | {b:,} | {b / a:.3f} | {f'{again:,}' if again else '-'} |")
        elif again:
            print(f"| {call} | - | - | - | {again:,} |")
    print(
        f"\n(median gas of each call's receipts on anvil, transaction base included; {os.cpu_count()} cores)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
