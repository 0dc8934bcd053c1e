"""Transaction throughput of the chain client on each dev backend (not a test; run by hand).

    .venv/bin/python tests/chain/bench_throughput.py [embedded] [devnet] [-n 40]

For each backend: sequential ``Transactor.transact`` (estimate + sign + send + receipt), the
same with an explicit gas limit (no estimate), four senders in four threads, and view calls.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path

from fedchain.chain import Transactor, connect

ARTIFACT = json.loads((Path(__file__).parent / "fixtures" / "Fixture.json").read_text())


def _rate(count: int, started: float) -> float:
    return count / (time.perf_counter() - started)


def measure(kind: str, n: int) -> str:
    """One line of results for backend ``kind`` with ``n`` transactions per measurement."""
    with connect(kind) as chain:  # type: ignore[arg-type]
        tx = Transactor(chain.w3, chain.funded_signer())
        contract, _ = tx.deploy(ARTIFACT["abi"], ARTIFACT["bytecode"], 0)
        tx.transact(contract.functions.increment(1), phase="warm-up")

        started = time.perf_counter()
        for _ in range(n):
            tx.transact(contract.functions.increment(1), phase="bench")
        sequential = _rate(n, started)

        started = time.perf_counter()
        for _ in range(n):
            tx.transact(contract.functions.increment(1), phase="bench", gas=60_000)
        explicit_gas = _rate(n, started)

        senders = [Transactor(chain.w3, chain.funded_signer()) for _ in range(4)]

        def work(sender: Transactor) -> None:
            for _ in range(n // 4):
                sender.transact(contract.functions.increment(1), phase="bench")

        threads = [threading.Thread(target=work, args=(s,)) for s in senders]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        threaded = _rate(n // 4 * 4, started)

        started = time.perf_counter()
        for _ in range(n):
            tx.call(contract.functions.count())
        views = _rate(n, started)
    return (
        f"{kind}: sequential {sequential:.1f} tx/s, explicit gas {explicit_gas:.1f} tx/s, "
        f"4 senders in threads {threaded:.1f} tx/s, views {views:.0f} calls/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kinds", nargs="*", default=["embedded", "devnet"])
    parser.add_argument("-n", type=int, default=40, help="transactions per measurement")
    args = parser.parse_args()
    for kind in args.kinds:
        print(measure(kind, args.n))


if __name__ == "__main__":
    main()
