"""The whole protocol: the unmasked sum is the sum of the usable inputs, for any recoverable dropouts, also
when survivors publish malformed vectors; and honest members never reveal both kinds of a usable vector."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from secagg_world import World, random_inputs

from fedchain.exceptions import TooFewNeighboursError, UnrecoverableError
from fedchain.privacy.secagg import (
    QuantizationConfig,
    SecAggConfig,
    ShareKind,
    decode_masked_vector,
    decode_share_bundle,
    decode_unmask_bundle,
    dequantize,
    encode_masked_vector,
    encode_share_bundle,
    encode_unmask_bundle,
    quantize,
    require_recoverable,
    unmask_aggregate,
)


@dataclass(frozen=True)
class Case:
    members: list[int]
    degree: int | None
    threshold: int | None
    shared: list[int]
    survivors: list[int]
    malformed: list[int]
    publishers: list[int]
    length: int
    bits: int
    salt: int


@st.composite
def rounds(draw: st.DrawFn) -> Case:
    members = sorted(draw(st.lists(st.integers(0, 60), min_size=2, max_size=12, unique=True)))
    n = len(members)
    degree = draw(st.one_of(st.none(), st.sampled_from([k for k in (2, 4, 6, n - 1) if k >= 1])))
    k, _ = SecAggConfig(degree=degree).resolve(n)
    # a few members drop out at each stage: before sharing, after sharing, after sending their vector
    unshared = draw(st.sets(st.sampled_from(members), max_size=max(1, n // 4)))
    shared = [m for m in members if m not in unshared]
    gone = draw(st.sets(st.sampled_from(shared), max_size=max(1, n // 3))) if shared else set()
    survivors = [m for m in shared if m not in gone]
    silent = draw(st.sets(st.sampled_from(survivors), max_size=1)) if survivors else set()
    # a survivor may reveal a vector that does not decode: its mask key is revealed as well as its seed
    malformed = draw(st.sets(st.sampled_from(survivors), max_size=max(1, n // 4))) if survivors else set()
    return Case(
        members=members,
        degree=degree,
        threshold=draw(st.one_of(st.none(), st.integers(1, k))),
        shared=shared,
        survivors=survivors,
        malformed=sorted(malformed),
        publishers=[m for m in survivors if m not in silent],
        length=draw(st.integers(1, 6)),
        bits=draw(st.sampled_from([32, 64])),
        salt=draw(st.integers(0, 2**16)),
    )


@settings(max_examples=80, deadline=None)
@given(rounds())
def test_sum_of_masked_inputs_is_the_sum_of_inputs_for_any_recoverable_dropouts(case: Case) -> None:
    members, shared, survivors, publishers = case.members, case.shared, case.survivors, case.publishers
    malformed, length, bits = case.malformed, case.length, case.bits
    world = World.create(members, degree=case.degree, threshold=case.threshold, salt=case.salt)
    inputs = random_inputs(members, length, bits, seed=case.salt)
    bundles = world.share(shared)
    usable = [u for u in survivors if u not in malformed]
    masked = {u: world.mask(u, inputs[u], shared) for u in usable}
    if not usable:
        event("no usable vector")
        return
    unmasks = world.unmask(bundles, survivors, publishers, malformed)
    try:
        require_recoverable(world.rnd, shared, survivors, publishers, malformed=malformed)
    except TooFewNeighboursError:
        event("not recoverable")
        with pytest.raises(UnrecoverableError) as caught:
            unmask_aggregate(
                world.rnd, bundles, masked, unmasks, survivors=survivors, length=length, bits=bits
            )
        assert dict(caught.value.faults) == {}  # honest members: nobody is blamed
        return
    event("recoverable, with malformed vectors" if malformed else "recoverable")
    result = unmask_aggregate(
        world.rnd, bundles, masked, unmasks, survivors=survivors, length=length, bits=bits
    )
    total = result.total
    expected = np.zeros(length, dtype=total.dtype)
    for u in usable:
        expected += inputs[u]
    assert total.dtype == np.dtype(np.uint32 if bits == 32 else np.uint64)
    assert total.tolist() == expected.tolist()
    assert dict(result.faults) == {} and result.used == tuple(publishers)
    if len(usable) > 1 or set(shared) != set(usable):  # a lone survivor with no peers is unmasked
        assert all(not np.array_equal(masked[u], inputs[u]) for u in usable)


@settings(max_examples=60, deadline=None)
@given(rounds())
def test_an_honest_member_never_reveals_both_kinds_of_a_well_formed_survivor(case: Case) -> None:
    world = World.create(case.members, degree=case.degree, threshold=case.threshold, salt=case.salt)
    bundles = world.share(case.shared)
    alive, bad = set(case.survivors), set(case.malformed)
    for publisher, bundle in world.unmask(bundles, case.survivors, case.survivors, case.malformed).items():
        kinds: dict[int, set[ShareKind]] = {}
        for s in bundle.shares:
            kinds.setdefault(s.owner, set()).add(s.kind)
        assert set(kinds) == {v for v in world.rnd.neighbours(publisher) if v in bundles}
        for owner, seen in kinds.items():
            if owner in bad:
                assert seen == {ShareKind.SELF_SEED, ShareKind.MASK_KEY}
            elif owner in alive:
                assert seen == {ShareKind.SELF_SEED}  # a usable vector: its seed only, never its key
            else:
                assert seen == {ShareKind.MASK_KEY}


def test_a_round_through_the_encodings_with_dropouts_at_every_stage() -> None:
    members = list(range(0, 30, 3))  # 10 members, k = 8, t = 5
    world = World.create(members)
    assert (world.rnd.graph.degree, world.rnd.threshold) == (8, 5)
    shared = [m for m in members if m != 27]  # 27 advertised keys, then vanished
    survivors = [m for m in shared if m != 12]  # 12 shared, then dropped
    publishers = [m for m in survivors if m != 6]  # 6 sent its vector but not its unmask bundle
    require_recoverable(world.rnd, shared, survivors, publishers)  # nobody lost more than k - t = 3
    cfg = QuantizationConfig(clip=2.0, value_bits=12, max_weight=50)
    rng = np.random.default_rng(1)
    updates = {m: rng.uniform(-3, 3, size=20) for m in members}
    weights = {m: int(w) for m, w in zip(members, rng.integers(1, 51, size=len(members)), strict=True)}
    vectors = {m: quantize(updates[m], weights[m], rng, n_members=len(members), config=cfg) for m in members}
    bits = cfg.modulus_bits(len(members))

    blobs = {m: encode_share_bundle(b) for m, b in world.share(shared).items()}
    bundles = {m: decode_share_bundle(blob) for m, blob in blobs.items()}  # what anyone reads back
    masked_blobs = {
        u: encode_masked_vector(world.rnd.context, u, world.mask(u, vectors[u], shared)) for u in survivors
    }
    masked = {
        u: decode_masked_vector(blob, world.rnd.context, u, length=21, bits=bits)
        for u, blob in masked_blobs.items()
    }
    unmask_blobs = {
        u: encode_unmask_bundle(b) for u, b in world.unmask(bundles, survivors, publishers).items()
    }
    unmasks = {u: decode_unmask_bundle(blob) for u, blob in unmask_blobs.items()}

    result = unmask_aggregate(world.rnd, bundles, masked, unmasks, survivors=survivors, length=21, bits=bits)
    assert dict(result.faults) == {} and result.used == tuple(publishers)
    total = result.total
    mean, weight = dequantize(total, cfg)
    assert weight == sum(weights[u] for u in survivors)
    clipped = {u: np.clip(updates[u], -2.0, 2.0) for u in survivors}
    exact = sum(weights[u] * clipped[u] for u in survivors) / weight
    assert np.max(np.abs(mean - exact)) <= 2.0 / cfg.levels  # within one quantum
    # anyone re-deriving from the same public bytes gets the same bytes
    again = unmask_aggregate(
        world.rnd,
        {m: decode_share_bundle(b) for m, b in reversed(list(blobs.items()))},
        {
            u: decode_masked_vector(b, world.rnd.context, u, length=21, bits=bits)
            for u, b in masked_blobs.items()
        },
        {u: decode_unmask_bundle(b) for u, b in reversed(list(unmask_blobs.items()))},
        survivors=list(reversed(survivors)),
        length=21,
        bits=bits,
    ).total
    assert hashlib.sha256(again.tobytes()).digest() == hashlib.sha256(total.tobytes()).digest()


def test_unmasking_leaves_its_inputs_untouched() -> None:
    members = [1, 2, 3, 4, 5]
    world = World.create(members)
    inputs = random_inputs(members, 8, 32)
    frozen = {m: v.copy() for m, v in inputs.items()}
    bundles = world.share(members)
    masked = {u: world.mask(u, inputs[u], members) for u in (1, 2, 3, 4)}
    assert all(np.array_equal(inputs[m], frozen[m]) for m in members)
    copies = {u: v.copy() for u, v in masked.items()}
    unmasks = world.unmask(bundles, masked, masked)
    unmask_aggregate(world.rnd, bundles, masked, unmasks, survivors=masked, length=8, bits=32)
    assert all(np.array_equal(masked[u], copies[u]) for u in masked)
