"""Chain-checkable SecAgg+ primitives (issue 9): their off-chain cost against today's, and their on-chain gas.

Off-chain, on one core, round-robin over ``--repeats`` (medians; a fresh random seed or key every call):

* masks of ``--d`` uint32 words: AES-256-CTR (today's ``fedchain.privacy.secagg.prg.expand_mask``), ChaCha20
  (``cryptography``, the same chunked ``update_into`` as ``expand_mask``, as a reference), and the checkable
  candidates of ``fedchain.privacy.secagg.checkable``: the keccak256 and SHA-256 counter-mode masks (Numba),
  and the SHA-256 one through ``hashlib`` (one call per 32-byte block);
* key agreements: X25519 (today's ``fedchain.privacy.secagg.keys.x25519``) and ``ecdh_secp256k1``
  (libsecp256k1 through ``coincurve``), each parsing the peer's public key, batches of ``--agreements``;
* the in-place addition of a materialised mask to ``d`` words (numpy), which a non-fused masking loop adds
  per mask; and, for reference, today's fused ``add_masks`` with ``k + 1`` AES seeds, measured.

Projected per-client masking time at ``k`` neighbours: ``k`` agreements + ``k + 1`` masks + ``k + 1``
additions (KDFs and encodings left out: the same for every candidate, and small).

On-chain: runs ``forge test --match-path test/CheckablePrimitives.t.sol -vv`` and reads the gas the test logs
(``gas ...: N`` lines) for one 256-word chunk and one ``k * P`` check; the test's known-answer vectors must
pass, else the script stops. ``--no-forge`` skips it.

Usage::

    .venv/bin/python benchmarks/checkable_primitives.py [--d 1000000] [--k 56] [--repeats 15]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _timing import command_line, load, median, today
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

from fedchain.privacy.secagg import checkable
from fedchain.privacy.secagg.keys import public_key as x25519_public_key
from fedchain.privacy.secagg.keys import x25519
from fedchain.privacy.secagg.prg import CHUNK_BYTES, add_masks, expand_mask
from fedchain.privacy.secagg.shamir import random_secret

ROOT = Path(__file__).resolve().parents[1]


def chacha20_mask(seed: bytes, length: int) -> np.ndarray:
    """``length`` words of the ChaCha20 keystream under ``seed`` (zero nonce), written as ``expand_mask``
    writes AES-CTR's: into numpy memory, 128 KiB per call."""
    nbytes = 4 * length
    out = np.empty(nbytes, dtype=np.uint8)
    view = memoryview(out)
    zeros = memoryview(bytes(CHUNK_BYTES))
    encryptor = Cipher(algorithms.ChaCha20(seed, bytes(16)), mode=None).encryptor()
    for start in range(0, nbytes, CHUNK_BYTES):
        size = min(CHUNK_BYTES, nbytes - start)
        encryptor.update_into(zeros[:size], view[start : start + size])
    return out.view(np.uint32)


def round_robin(
    fns: dict[str, Callable[[], object]], repeats: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median and minimum seconds per call of each function, run in turn so that load changes hit all alike
    (the minimum: the least disturbed call, on a machine shared with other work)."""
    for fn in fns.values():
        fn()  # warm up (and compile)
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - t0)
    return (
        {name: median(values) for name, values in samples.items()},
        {name: min(values) for name, values in samples.items()},
    )


def run_forge(forge: str) -> dict[str, int]:
    """The gas figures the Foundry test logs; raises if a test fails or a figure is missing."""
    env = os.environ | {"FOUNDRY_DISABLE_NIGHTLY_WARNING": "1"}
    result = subprocess.run(
        [forge, "test", "--match-path", "test/CheckablePrimitives.t.sol", "-vv"],
        cwd=ROOT / "contracts", env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    if result.returncode != 0 or "Suite result: ok" not in output:
        raise SystemExit(f"forge test failed (exit {result.returncode}):\n{output[-4000:]}")
    gas = {key: int(value) for key, value in re.findall(r"^\s*gas (.+): (\d+)\s*$", output, re.M)}
    if len(gas) < 8:
        raise SystemExit(f"expected 8 gas figures from the Foundry test, got {gas}")
    return gas


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--d", type=int, default=1_000_000, help="mask length in uint32 words")
    parser.add_argument(
        "--k", type=int, default=56, help="neighbours per client (fedchain's sized k at n = 100)"
    )
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--agreements", type=int, default=200, help="key agreements per timed batch")
    parser.add_argument("--no-forge", action="store_true", help="skip the on-chain gas (Foundry)")
    parser.add_argument("--forge", default=None, help="the forge binary (default: node_modules/.bin/forge)")
    args = parser.parse_args()
    d, k = args.d, args.k
    started = time.perf_counter()

    # -- masks -------------------------------------------------------------------------------------------
    masks: dict[str, Callable[[], object]] = {
        "AES-256-CTR (`expand_mask`, today)": lambda: expand_mask(os.urandom(32), d, 32),
        "ChaCha20 (`cryptography`, reference)": lambda: chacha20_mask(os.urandom(32), d),
        "keccak256 counter (`keccak_mask`, Numba)": lambda: checkable.keccak_mask(os.urandom(32), d),
        "SHA-256 counter (`sha256_mask`, Numba)": lambda: checkable.sha256_mask(os.urandom(32), d),
        "SHA-256 counter (`sha256_mask_hashlib`, hashlib loop)": lambda: checkable.sha256_mask_hashlib(
            os.urandom(32), d
        ),
    }
    target = np.zeros(d, dtype=np.uint32)
    materialised = checkable.keccak_mask(bytes(32), d)

    def add_one() -> None:
        np.add(target, materialised, out=target)

    aes_seeds = [os.urandom(32) for _ in range(k + 1)]

    def fused_today() -> None:
        add_masks(np.zeros(d, dtype=np.uint32), plus=aes_seeds[: k // 2 + 1], minus=aes_seeds[k // 2 + 1 :])

    # -- key agreements ---------------------------------------------------------------------------------
    m = args.agreements
    x_pairs = [(os.urandom(32), x25519_public_key(os.urandom(32))) for _ in range(m)]
    s_pairs = [(random_secret(), checkable.public_key(random_secret())) for _ in range(m)]

    def x25519_batch() -> None:
        for sk, pk in x_pairs:
            x25519(sk, pk)

    def secp256k1_batch() -> None:
        for sk, pk in s_pairs:
            checkable.ecdh_secp256k1(sk, pk)

    timed, fastest = round_robin(
        masks | {"add": add_one, "fused": fused_today, "x25519": x25519_batch, "secp256k1": secp256k1_batch},
        args.repeats,
    )
    gas = {} if args.no_forge else run_forge(args.forge or _default_forge())
    seconds = time.perf_counter() - started

    # -- report -----------------------------------------------------------------------------------------
    print(
        f"Command: `{command_line()}` ({today()}, {seconds:.0f} s, load average {load()}); d = {d:,} uint32"
    )
    print(f"words, k = {k}, medians of {args.repeats} round-robin repeats, one core.\n")
    aes = timed["AES-256-CTR (`expand_mask`, today)"]
    aes_min = fastest["AES-256-CTR (`expand_mask`, today)"]
    print("| mask generator (d words) | median ms | MB/s | x AES-CTR | min ms | x AES-CTR (min) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in masks:
        t, t_min = timed[name], fastest[name]
        print(
            f"| {name} | {t * 1e3:.2f} | {4 * d / t / 1e6:,.0f} | {t / aes:.1f}x | {t_min * 1e3:.2f} | "
            f"{t_min / aes_min:.1f}x |"
        )
    print(f"| (adding one materialised mask to d words, numpy) | {timed['add'] * 1e3:.2f} | | | | |")
    print()
    tx, ts = timed["x25519"] / m, timed["secp256k1"] / m
    tx_min, ts_min = fastest["x25519"] / m, fastest["secp256k1"] / m
    print("| key agreement (peer key parsed each time) | median us | per second | x X25519 | min us |")
    print("|---|---:|---:|---:|---:|")
    print(f"| X25519 (`keys.x25519`, today) | {tx * 1e6:.1f} | {1 / tx:,.0f} | 1.0x | {tx_min * 1e6:.1f} |")
    print(
        f"| secp256k1 ECDH (`ecdh_secp256k1`, coincurve) | {ts * 1e6:.1f} | {1 / ts:,.0f} | {ts / tx:.2f}x | "
        f"{ts_min * 1e6:.1f} |"
    )
    print()
    add = timed["add"]
    rows = [
        ("AES-256-CTR + X25519 (today, projected)", aes, tx),
        ("keccak256 counter + secp256k1", timed["keccak256 counter (`keccak_mask`, Numba)"], ts),
        ("SHA-256 counter (Numba) + secp256k1", timed["SHA-256 counter (`sha256_mask`, Numba)"], ts),
        (
            "SHA-256 counter (hashlib) + secp256k1",
            timed["SHA-256 counter (`sha256_mask_hashlib`, hashlib loop)"],
            ts,
        ),
    ]
    base = k * tx + (k + 1) * (aes + add)
    print(f"| per client, k = {k}: k agreements + (k + 1) x (mask + add) | ms | x today |")
    print("|---|---:|---:|")
    for name, t_mask, t_ka in rows:
        total = k * t_ka + (k + 1) * (t_mask + add)
        print(f"| {name} | {total * 1e3:,.1f} | {total / base:.1f}x |")
    print(f"| (today, measured: `add_masks` with {k + 1} AES seeds, fused, no agreements) | "
          f"{timed['fused'] * 1e3:,.1f} | |")  # fmt: skip
    if gas:
        print()
        print("| on-chain, one 256-word chunk or one check (Foundry, `gasleft()` around the call) | gas |")
        print("|---|---:|")
        for name, value in gas.items():
            print(f"| {name} | {value:,} |")


def _default_forge() -> str:
    local = ROOT / "node_modules" / ".bin" / "forge"
    found = str(local) if local.exists() else shutil.which("forge")
    if not found:
        raise SystemExit("forge not found: pass --forge or --no-forge")
    return found


if __name__ == "__main__":
    sys.exit(main())
