"""What verifiable shares cost: SecAgg+ with Feldman VSS (v2) against the hash-committed scheme before (v1).

One round of ``n`` members per ``(k, t)``, real keys and bundles, a fraction ``--dropout`` of the members
dropping out after sharing (so both kinds of share are revealed). Medians over ``--repeats``, v1 and v2 run
round-robin on the same inputs so that a change in machine load hits both alike:

* **dealing** (one member): splitting ``b_i`` and ``mask_sk_i``, the commitments, sealing ``k`` entries and
  encoding the bundle: ``create_share_bundle`` + ``encode_share_bundle``;
* **opening** (one member): decoding and opening its ``k`` neighbours' bundles, which in v2 checks each
  received share against its dealer's Feldman commitments (``2 (t - 1)`` multiplications by a 32-bit
  ``x``, by Horner's rule): ``decode_share_bundle`` + ``open_share_bundle``;
* **verifying all revealed shares** (the aggregator): every survivor's unmask bundle checked against the
  hash commitments (``check_unmask_bundle``), then in v2 every share against its dealer's polynomial, one
  batched check per dealer and kind (``verify_shares``), as ``unmask_aggregate`` does;
* **reconstructing** (the aggregator): every secret the sum needs from ``t`` shares;
* **bundle sizes**: a member's share bundle and unmask bundle (one share per neighbour).

The v1 baseline for dealing, opening and reconstruction is the code of ``main`` before VSS (commit 8ad24e4:
Shamir over ``GF(2**521 - 1)``, 66-byte shares, a hash commitment per share and one to ``b_i``), copied
below as private functions with the same sealing (the AEAD key, nonce and associated data are unchanged in
v2). For the aggregator's verification, v1 was exactly the hash-commitment check v2 keeps, so v1 is timed as
``check_unmask_bundle`` alone (the remaining hash-commitment part, over v2's 32-byte shares) and v2 as that
plus the Feldman checks. Sizes are real encodings (v1's share bundle from the baseline above, ``77 + 224 k``),
except v1's unmask bundle, its documented ``45 + 71 count``.

Usage::

    .venv/bin/python benchmarks/secagg_vss.py [--n 100] [--params default 60:25] [--dropout 0.1] [--repeats 7]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import secrets
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from _timing import command_line, load, today
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from fedchain.exceptions import TooFewNeighboursError
from fedchain.privacy.secagg import (
    ReceivedShares,
    RoundContext,
    RoundKeys,
    SecAggConfig,
    SecAggRound,
    ShareBundle,
    ShareKind,
    UnmaskBundle,
    build_unmask_bundle,
    check_unmask_bundle,
    create_share_bundle,
    decode_share_bundle,
    encode_share_bundle,
    encode_unmask_bundle,
    open_share_bundle,
    random_secret,
    require_recoverable,
)
from fedchain.privacy.secagg._encoding import u32
from fedchain.privacy.secagg.bundle import _aad, _share_key
from fedchain.privacy.secagg.feldman import decode_commitments, verify_shares
from fedchain.privacy.secagg.kdf import VERSION
from fedchain.privacy.secagg.shamir import GROUP_ORDER, Share, reconstruct_secret

CONTEXT = RoundContext.create(31337, "0x" + "ab" * 20, task_id=1, round_number=1)


# -- v1, as on main before VSS (commit 8ad24e4), for the baseline --------------------------------------------

_M521 = 2**521 - 1
_V1_ELEMENT = 66
_V1_ENTRY = 4 + 32 + 32 + (4 + 4 + 2 * _V1_ELEMENT + 16)
_NONCE = bytes(12)


def _v1_split(secret: int, xs: Sequence[int], t: int) -> list[int]:
    coefficients = [secret] + [secrets.randbelow(_M521) for _ in range(t - 1)]
    out = []
    for x in xs:
        y = 0
        for c in reversed(coefficients):
            y = (y * x + c) % _M521
        out.append(y)
    return out


def _v1_commitment(kind: int, sender: int, receiver: int, y: int) -> bytes:
    data = VERSION + b" share-commitment" + CONTEXT.digest + bytes([kind]) + u32(sender) + u32(receiver)
    return hashlib.sha256(data + y.to_bytes(_V1_ELEMENT, "big")).digest()


def _v1_deal(rnd: SecAggRound, member: int, keys: RoundKeys, seed: bytes) -> bytes:
    """v1's create_share_bundle + encode_share_bundle."""
    neighbours = rnd.neighbours(member)
    xs = [j + 1 for j in neighbours]
    seed_shares = _v1_split(int.from_bytes(seed, "big"), xs, rnd.threshold)
    key_shares = _v1_split(int.from_bytes(keys.mask_sk, "big"), xs, rnd.threshold)
    seed_commitment = hashlib.sha256(
        VERSION + b" self-seed-commitment" + CONTEXT.digest + u32(member) + seed
    ).digest()
    parts = [b"FCSB\x01", CONTEXT.digest, u32(member), seed_commitment, u32(len(neighbours))]
    for j, s, k in zip(neighbours, seed_shares, key_shares, strict=True):
        plaintext = u32(member) + u32(j) + s.to_bytes(_V1_ELEMENT, "big") + k.to_bytes(_V1_ELEMENT, "big")
        cipher = ChaCha20Poly1305(_share_key(rnd, keys.enc_sk, member, j, peer=j))
        sealed = cipher.encrypt(_NONCE, plaintext, _aad(CONTEXT, member, j))
        parts += [u32(j), _v1_commitment(1, member, j, s), _v1_commitment(2, member, j, k), sealed]
    return b"".join(parts)


def _v1_open(rnd: SecAggRound, member: int, keys: RoundKeys, blob: bytes) -> tuple[int, int]:
    """v1's decode_share_bundle + open_share_bundle: parse every entry, decrypt one, check two hashes."""
    sender, count = int.from_bytes(blob[37:41], "big"), int.from_bytes(blob[73:77], "big")
    entries = []
    for i in range(count):
        at = 77 + i * _V1_ENTRY
        entries.append((int.from_bytes(blob[at : at + 4], "big"), blob[at + 4 : at + 36],
                        blob[at + 36 : at + 68], blob[at + 68 : at + _V1_ENTRY]))  # fmt: skip
    assert tuple(e[0] for e in entries) == rnd.neighbours(sender)
    _, seed_commitment, key_commitment, sealed = next(e for e in entries if e[0] == member)
    cipher = ChaCha20Poly1305(_share_key(rnd, keys.enc_sk, sender, member, peer=sender))
    plaintext = cipher.decrypt(_NONCE, sealed, _aad(CONTEXT, sender, member))
    s = int.from_bytes(plaintext[8 : 8 + _V1_ELEMENT], "big")
    k = int.from_bytes(plaintext[8 + _V1_ELEMENT :], "big")
    assert s < _M521 and k < _M521
    assert _v1_commitment(1, sender, member, s) == seed_commitment
    assert _v1_commitment(2, sender, member, k) == key_commitment
    return s, k


def _v1_reconstruct(points: Sequence[tuple[int, int]], t: int) -> int:
    chosen = sorted(points)[:t]
    total = 0
    for i, (xi, yi) in enumerate(chosen):
        num = den = 1
        for m, (xm, _) in enumerate(chosen):
            if m != i:
                num, den = num * -xm % _M521, den * (xi - xm) % _M521
        total = (total + yi * num * pow(den, -1, _M521)) % _M521
    return total


# -- the round -----------------------------------------------------------------------------------------------


@dataclass
class Round:
    rnd: SecAggRound
    keys: dict[int, RoundKeys]
    seeds: dict[int, bytes]
    bundles: dict[int, ShareBundle]
    v1_blobs: dict[int, bytes]
    survivors: list[int]
    unmasks: dict[int, UnmaskBundle]
    v1_revealed: dict[tuple[int, int], list[tuple[int, int]]]  # (owner, kind) -> v1 points


def build_round(n: int, config: SecAggConfig, dropout: float, rng: random.Random) -> Round:
    keys = {m: RoundKeys.generate() for m in range(n)}
    rnd = SecAggRound.create(CONTEXT, os.urandom(32), {m: k.public for m, k in keys.items()}, config)
    seeds = {m: random_secret() for m in range(n)}
    bundles = {m: create_share_bundle(rnd, m, keys[m], seeds[m]) for m in range(n)}
    v1_blobs = {m: _v1_deal(rnd, m, keys[m], seeds[m]) for m in range(n)}
    members = list(range(n))
    for _ in range(1000):  # a recoverable dropout pattern
        dropped = set(rng.sample(members, round(dropout * n)))
        survivors = [m for m in members if m not in dropped]
        try:
            require_recoverable(rnd, members, survivors)
            break
        except TooFewNeighboursError:
            continue
    else:
        raise SystemExit(f"no recoverable pattern of {dropout:.0%} dropouts found")
    unmasks: dict[int, UnmaskBundle] = {}
    v1_revealed: dict[tuple[int, int], list[tuple[int, int]]] = {}
    alive = set(survivors)
    for u in survivors:
        received: list[ReceivedShares] = []
        for v in rnd.neighbours(u):
            received.append(open_share_bundle(rnd, u, keys[u], bundles[v]))
            s, k = _v1_open(rnd, u, keys[u], v1_blobs[v])
            kind = 1 if v in alive else 2
            v1_revealed.setdefault((v, kind), []).append((u + 1, s if kind == 1 else k))
        unmasks[u] = build_unmask_bundle(rnd, u, received, survivors)
    return Round(rnd, keys, seeds, bundles, v1_blobs, survivors, unmasks, v1_revealed)


def _medians(fns: list[Callable[[], object]], repeats: int) -> list[float]:
    """Median seconds of each function, run round-robin."""
    for fn in fns:
        fn()  # warm up
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, times in zip(fns, samples, strict=True):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return [statistics.median(times) for times in samples]


def measure(r: Round, repeats: int) -> list[tuple[str, float, float]]:
    """Rows ``(operation, v1 seconds, v2 seconds)``."""
    rnd, member = r.rnd, r.survivors[0]
    keys, seed = r.keys[member], r.seeds[member]
    blobs = {m: encode_share_bundle(b) for m, b in r.bundles.items()}
    neighbours = rnd.neighbours(member)
    alive, t = set(r.survivors), rnd.threshold

    def v2_open() -> None:
        for v in neighbours:
            open_share_bundle(rnd, member, keys, decode_share_bundle(blobs[v]))

    def v1_open() -> None:
        for v in neighbours:
            _v1_open(rnd, member, keys, r.v1_blobs[v])

    def hash_checks() -> None:
        for bundle in r.unmasks.values():
            check_unmask_bundle(rnd, bundle, r.bundles, alive)

    grouped: dict[tuple[int, ShareKind], list[Share]] = {}
    for p, bundle in sorted(r.unmasks.items()):
        for s in bundle.shares:
            grouped.setdefault((s.owner, s.kind), []).append(Share(p + 1, s.value))

    def v2_verify() -> None:
        hash_checks()
        for (owner, kind), shares in grouped.items():
            points = decode_commitments(r.bundles[owner].commitments(kind), t)
            assert all(verify_shares(points, shares))

    needed = [(u, ShareKind.SELF_SEED) for u in r.survivors] + [
        (v, ShareKind.MASK_KEY)
        for v in rnd.members
        if v not in alive and not alive.isdisjoint(rnd.neighbours(v))
    ]

    def v2_reconstruct() -> None:
        for key in needed:
            reconstruct_secret(grouped[key], t)

    def v1_reconstruct() -> None:
        for owner, kind in needed:
            _v1_reconstruct(r.v1_revealed[owner, int(kind)], t)

    cheat = needed[0]
    first = grouped[cheat][0]
    cheated = {**grouped, cheat: [Share(first.x, (first.y + 1) % GROUP_ORDER), *grouped[cheat][1:]]}

    def v2_cheated_verify() -> None:  # one dealer off its polynomial for one share: its batch falls back
        hash_checks()  # (the share still matches its hash commitment: the dealer dealt it)
        for (owner, kind), shares in cheated.items():
            points = decode_commitments(r.bundles[owner].commitments(kind), t)
            assert all(verify_shares(points, shares)) == ((owner, kind) != cheat)

    times = _medians(
        [
            lambda: _v1_deal(rnd, member, keys, seed),
            lambda: encode_share_bundle(create_share_bundle(rnd, member, keys, seed)),
            v1_open,
            v2_open,
            hash_checks,
            v2_verify,
            v1_reconstruct,
            v2_reconstruct,
            v2_cheated_verify,
        ],
        repeats,
    )
    shares_revealed = sum(len(b.shares) for b in r.unmasks.values())
    return [
        ("member: dealing (split, commitments, sealing k entries, encoding)", times[0], times[1]),
        ("member: opening its k received bundles (decode, decrypt, check)", times[2], times[3]),
        (
            f"aggregator: verifying all {shares_revealed} revealed shares ({len(grouped)} dealings)",
            times[4],
            times[5],
        ),
        (f"aggregator: reconstructing the {len(needed)} needed secrets", times[6], times[7]),
        (
            "aggregator: the same, one share off its dealer's polynomial (a batch falls back)",
            times[4],
            times[8],
        ),
    ]


def sizes(r: Round) -> dict[str, int]:
    member = r.survivors[0]
    k, t = r.rnd.graph.degree, r.rnd.threshold
    count = len(r.unmasks[member].shares)
    return {
        "share v1": len(r.v1_blobs[member]),
        "share v2": len(encode_share_bundle(r.bundles[member])),
        "unmask v1": 45 + 71 * count,
        "unmask v2": len(encode_unmask_bundle(r.unmasks[member])),
        "count": count,
        "k": k,
        "t": t,
    }


def _config(text: str) -> SecAggConfig:
    if text == "default":
        return SecAggConfig()
    k, t = text.split(":")
    return SecAggConfig(degree=int(k), threshold=int(t))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--params", nargs="+", default=["default", "60:25"], help="'default' or k:t")
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0, help="picks the dropouts")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    results = []
    for text in args.params:
        r = build_round(args.n, _config(text), args.dropout, rng)
        results.append((r, measure(r, args.repeats), sizes(r)))

    print(f"## Feldman VSS (v2) against hash commitments only (v1), n = {args.n}, median of {args.repeats}\n")
    print(f"{len(results[0][0].survivors)} survivors ({args.dropout:.0%} dropped after sharing).\n")
    print("| k | t | operation | v1 ms | v2 ms | v2 / v1 |")
    print("|---:|---:|---|---:|---:|---:|")
    for r, rows, _ in results:
        k, t = r.rnd.graph.degree, r.rnd.threshold
        for name, v1, v2 in rows:
            ratio = f"{v2 / v1:.2f}x" if v1 == v1 else "-"
            shown = f"{v1 * 1e3:.2f}" if v1 == v1 else "-"
            print(f"| {k} | {t} | {name} | {shown} | {v2 * 1e3:.2f} | {ratio} |")
    print("\n## Bundle sizes (bytes, one member)\n")
    print("| k | t | share bundle v1 | share bundle v2 | unmask bundle v1 | unmask bundle v2 | shares |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for _, _, s in results:
        print(
            f"| {s['k']} | {s['t']} | {s['share v1']:,} | {s['share v2']:,} | {s['unmask v1']:,} | "
            f"{s['unmask v2']:,} | {s['count']} |"
        )
    print(f"\nCommand: `{command_line()}`")
    print(f"Date: {today()}; load average (1/5/15 min) at the end: {load()}, {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
