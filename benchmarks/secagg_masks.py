"""SecAgg+ mask expansion throughput and communication expansion, side by side on one machine.

Throughput (medians over ``--repeats``), each against the raw AES-256-CTR keystream of the same byte length
from ``cryptography`` (encrypting zeros), the floor any AES-CTR mask generator can reach:

* ``expand_mask``: one mask of ``d`` uint32 words in a new array (``fedchain.privacy.secagg.prg``);
* ``add_masks``: one mask added in place to ``d`` words, as masking and unmasking use it;
* ``mask_vector``: a client's full masking with ``k`` neighbours: its self mask, ``k`` X25519 agreements,
  ``k + 1`` expansions and the modular additions; against ``k + 1`` raw keystreams of ``4 d`` bytes.

Communication: the bytes one client sends in a SecAgg+ round (two advertised public keys, its share bundle,
its masked vector, its unmask bundle), measured on real encodings built by the protocol code, against a plain
float32 update (``4 d`` bytes) and a plain 16-bit update (``2 d`` bytes).

Usage::

    .venv/bin/python benchmarks/secagg_masks.py [--d 1000000] [--n 100] [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from fedchain.privacy.secagg import (
    QuantizationConfig,
    RoundContext,
    RoundKeys,
    SecAggRound,
    add_masks,
    build_unmask_bundle,
    create_share_bundle,
    encode_masked_vector,
    encode_share_bundle,
    encode_unmask_bundle,
    expand_mask,
    mask_vector,
    open_share_bundle,
    quantize,
    random_secret,
)

CONTEXT = RoundContext.create(31337, "0x" + "ab" * 20, task_id=1, round_number=1)


def _medians(fns: list[Callable[[], object]], repeats: int) -> list[float]:
    """Median seconds of each function, run round-robin so that a change in machine load hits all alike."""
    for fn in fns:
        fn()  # warm up
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, times in zip(fns, samples, strict=True):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return [statistics.median(times) for times in samples]


class _RawKeystream:
    """The floor: ``cryptography`` encrypting preallocated zeros into a preallocated buffer, nothing else."""

    def __init__(self, nbytes: int) -> None:
        self.zeros = bytes(nbytes)
        self.out = bytearray(nbytes + 15)

    def __call__(self) -> None:
        encryptor = Cipher(algorithms.AES(os.urandom(32)), modes.CTR(bytes(16))).encryptor()
        encryptor.update_into(self.zeros, self.out)


def _round(n: int) -> tuple[SecAggRound, dict[int, RoundKeys]]:
    keys = {m: RoundKeys.generate() for m in range(n)}
    return SecAggRound.create(CONTEXT, os.urandom(32), {m: k.public for m, k in keys.items()}), keys


def throughput(d: int, n: int, repeats: int) -> list[tuple[str, int, float, float]]:
    """Rows ``(operation, bytes, median seconds, baseline seconds)``."""
    rnd, keys = _round(n)
    k, nbytes = rnd.graph.degree, 4 * d
    seed = random_secret()
    vector = np.zeros(d, dtype=np.uint32)
    members = list(range(n))
    raw = _RawKeystream(nbytes)

    def raw_k_plus_1() -> None:
        for _ in range(k + 1):
            raw()

    accumulator = np.zeros(d, dtype=np.uint32)
    raw_one, expand, reuse, raw_all, masking = _medians(
        [
            raw,
            lambda: expand_mask(seed, d, 32),
            lambda: add_masks(accumulator, plus=[seed]),
            raw_k_plus_1,
            lambda: mask_vector(rnd, 0, keys[0], seed, vector, members),
        ],
        repeats,
    )
    return [
        ("raw AES-256-CTR keystream (cryptography, update_into)", nbytes, raw_one, raw_one),
        ("expand_mask: one mask, new uint32 array", nbytes, expand, raw_one),
        ("add_masks: one mask added in place", nbytes, reuse, raw_one),
        (f"raw keystream x (k+1) = {k + 1}", (k + 1) * nbytes, raw_all, raw_all),
        (f"mask_vector: full client masking, k = {k}", (k + 1) * nbytes, masking, raw_all),
    ]


def communication(n: int, d: int, cfg: QuantizationConfig) -> dict[str, int]:
    """Bytes one client sends, from real encodings, in a round of ``n`` members with ``d`` parameters."""
    rnd, keys = _round(n)
    member = 0
    neighbours = rnd.neighbours(member)
    seeds = {m: random_secret() for m in (member, *neighbours)}
    bundles = {m: create_share_bundle(rnd, m, keys[m], seeds[m]) for m in (member, *neighbours)}
    rng = np.random.default_rng(0)
    x = quantize(rng.uniform(-1, 1, d).astype(np.float32), cfg.max_weight, rng, n_members=n, config=cfg)
    masked = mask_vector(rnd, member, keys[member], seeds[member], x, list(bundles))
    received = [open_share_bundle(rnd, member, keys[member], bundles[v]) for v in neighbours]
    survivors = [
        m for m in rnd.members if m != neighbours[0]
    ]  # one neighbour dropped: both share kinds occur
    unmask = build_unmask_bundle(rnd, member, received, survivors)
    public = keys[member].public
    return {
        "k": rnd.graph.degree,
        "t": rnd.threshold,
        "bits": masked.dtype.itemsize * 8,
        "keys": len(public.mask_pk) + len(public.enc_pk),
        "share bundle": len(encode_share_bundle(bundles[member])),
        "masked vector": len(encode_masked_vector(rnd.context, member, masked)),
        "unmask bundle": len(encode_unmask_bundle(unmask)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--d", type=int, default=1_000_000)
    parser.add_argument("--n", type=int, default=100, help="members in the throughput round (sets k)")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()

    print(f"## Mask expansion, d = {args.d:,} uint32 words, n = {args.n} (median of {args.repeats})\n")
    print("| operation | bytes | median ms | MB/s | vs raw keystream |")
    print("|---|---:|---:|---:|---:|")
    for name, nbytes, seconds, baseline in throughput(args.d, args.n, args.repeats):
        print(
            f"| {name} | {nbytes:,} | {seconds * 1e3:.2f} | {nbytes / seconds / 1e6:,.0f} | "
            f"{seconds / baseline:.2f}x |"
        )

    scenarios = [
        (100, 1_000_000, QuantizationConfig(value_bits=16, max_weight=1024), "16-bit values, w_max = 1024"),
        (100, 1_000_000, QuantizationConfig(value_bits=16, max_weight=1), "16-bit values, unweighted"),
        (1024, 2**20, QuantizationConfig(value_bits=16, max_weight=1), "16-bit values, unweighted"),
    ]
    print("\n## Communication per client (bytes sent, from the real encodings)\n")
    print(
        "| n | d | quantization | k | t | word bits | keys | share bundle | masked vector | unmask bundle "
        "| total | plain float32 | expansion vs float32 | expansion vs 16-bit |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, d, cfg, label in scenarios:
        c = communication(n, d, cfg)
        total = c["keys"] + c["share bundle"] + c["masked vector"] + c["unmask bundle"]
        print(
            f"| {n} | {d:,} | {label} | {c['k']} | {c['t']} | {c['bits']} | {c['keys']} | "
            f"{c['share bundle']:,} | {c['masked vector']:,} | {c['unmask bundle']:,} | {total:,} | "
            f"{4 * d:,} | {total / (4 * d):.3f}x | {total / (2 * d):.3f}x |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
