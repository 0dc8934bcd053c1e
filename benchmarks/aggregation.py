"""Plain aggregation throughput: n updates of d float32 parameters, side by side in one run.

Compares, on the same arrays:

* ``numpy sum``: a bare in-place ``np.add`` over the updates (the floor: memory bandwidth);
* ``float FedAvg``: the sample-weighted mean in float64, as a float implementation would do it;
* ``fixed-point FedAvg``: ``fedchain.fl.fixedpoint.aggregate_fixed_point``, the bit-exact aggregation every
  fedchain strategy uses (quantize to int64, integer weighted sum, integer rounding division), compiled;
* ``fixed-point FedAvg, NumPy reference``: the same bytes from the module's NumPy code, update after update
  (the implementation before the compiled kernels), for context.

The first fixed-point call of the process is timed apart: it compiles the kernels, or loads them from Numba's
on-disk cache.

Usage::

    .venv/bin/python benchmarks/aggregation.py [--n 100] [--d 1000000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from fedchain.fl import fixedpoint
from fedchain.fl.fixedpoint import DEFAULT_CONFIG, aggregate_fixed_point


def _time(fn: Callable[[], object], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--d", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(args.d, dtype=np.float32) for _ in range(args.n)]
    weights = [int(w) for w in rng.integers(50, 500, size=args.n)]

    def bare_sum() -> np.ndarray:
        acc = np.zeros(args.d, dtype=np.float32)
        for a in arrays:
            np.add(acc, a, out=acc)
        return acc

    def float_fedavg() -> np.ndarray:
        acc = np.zeros(args.d, dtype=np.float64)
        for a, w in zip(arrays, weights, strict=True):
            acc += a * w
        return (acc / sum(weights)).astype(np.float32)

    updates = [({"w": a}, w) for a, w in zip(arrays, weights, strict=True)]

    def fixed_point() -> dict[str, np.ndarray]:
        return aggregate_fixed_point(updates)

    def fixed_point_numpy() -> dict[str, np.ndarray]:  # private NumPy reference path, for context only
        total = fixedpoint._weighted_sum_streamed(updates, weights, sum(weights), DEFAULT_CONFIG)
        mean = fixedpoint.round_half_even_div(total.sums["w"], total.total_weight)
        return {"w": fixedpoint._to_float(mean, DEFAULT_CONFIG.frac_bits, total.dtypes["w"])}

    first = _time(fixed_point, 1)
    if fixed_point()["w"].tobytes() != fixed_point_numpy()["w"].tobytes():
        raise AssertionError("the compiled and NumPy fixed-point paths disagree")
    base = _time(bare_sum, args.repeats)
    rows = [
        ("numpy sum (floor)", base),
        ("float FedAvg (float64 accumulation)", _time(float_fedavg, args.repeats)),
        ("fixed-point FedAvg (fedchain, bit-exact)", _time(fixed_point, args.repeats)),
        ("fixed-point FedAvg, NumPy reference (before)", _time(fixed_point_numpy, args.repeats)),
    ]
    print(f"n = {args.n} updates, d = {args.d:,} float32 parameters, median of {args.repeats} runs")
    print("| aggregation | median seconds | ratio to numpy sum |")
    print("|---|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} | {seconds / base:.1f}x |")
    print(f"first fixed-point call of the process (compile or cache load, then one run): {first:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
