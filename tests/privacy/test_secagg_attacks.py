"""One attack, one test: each performs an attack that stopped or skewed a round before Feldman VSS and
robust unmasking, and checks the round now completes with the exact sum and the culprit named (or stops
with UnrecoverableError naming whose secret is missing: never a wrong sum, never another error)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from secagg_world import World, random_inputs

from fedchain.exceptions import MisaddressedShareError, UnrecoverableError
from fedchain.privacy.secagg import (
    Fault,
    PublicKeys,
    RevealedShare,
    SecAggConfig,
    SecAggRound,
    ShareBundle,
    ShareKind,
    UnmaskBundle,
    UnmaskResult,
    check_share_bundle,
    reveal_kinds,
    unmask_aggregate,
)
from fedchain.privacy.secagg._types import Words
from fedchain.privacy.secagg.commitments import share_commitment
from fedchain.privacy.secagg.feldman import decode_commitments, verify_share
from fedchain.privacy.secagg.kdf import RoundContext
from fedchain.privacy.secagg.shamir import GROUP_ORDER, Share

MEMBERS = [2, 4, 6, 8, 10]  # complete graph, k = 4, t = 3
_SEED = bytes(range(32))


def _aggregate(
    world: World,
    bundles: dict[int, ShareBundle],
    inputs: dict[int, Words],
    unmasks: dict[int, UnmaskBundle],
    survivors: list[int],
    usable: list[int] | None = None,
) -> UnmaskResult:
    usable = survivors if usable is None else usable
    masked = {u: world.mask(u, inputs[u], bundles) for u in usable}
    return unmask_aggregate(world.rnd, bundles, masked, unmasks, survivors=survivors, length=4, bits=32)


def _sum(inputs: dict[int, Words], members: list[int]) -> list[int]:
    return sum((inputs[m] for m in members), np.zeros(4, np.uint32)).tolist()


# -- finding 1: shares that match their hash commitments but not one polynomial ---------------------------


@pytest.mark.parametrize("kind", [ShareKind.SELF_SEED, ShareKind.MASK_KEY])
def test_shares_off_one_polynomial_are_blamed_on_the_dealer_and_the_sum_is_exact(kind: ShareKind) -> None:
    # Dealer 2 gives 4 a share off its polynomial, with a hash commitment that matches it. Before, the
    # revealed shares reconstructed garbage and unmask_aggregate raised ShareMismatchError: no sum, no
    # culprit. If 2 survives its seed share is revealed; if it drops out, its key share.
    world = World.create(MEMBERS)
    off = (1, 0) if kind is ShareKind.SELF_SEED else (0, 1)
    bundles = {**world.share(MEMBERS), 2: world.deal_off_polynomial(2, {4: off})}
    survivors = MEMBERS if kind is ShareKind.SELF_SEED else [4, 6, 8, 10]
    inputs = random_inputs(MEMBERS, 4, 32)
    unmasks = world.unmask(bundles, survivors, survivors)
    result = _aggregate(world, bundles, inputs, unmasks, survivors)
    assert result.total.tolist() == _sum(inputs, survivors)  # t = 3 valid shares of 2's secret remain
    assert dict(result.faults) == {2: Fault.BAD_DEALING}
    assert result.used == tuple(survivors)  # 4's bundle is fine: it revealed what 2 dealt it
    # The evidence is public: 4's revealed share matches 2's hash commitment and fails 2's Feldman check.
    revealed = next(s for s in unmasks[4].shares if s.owner == 2)
    assert revealed.kind is kind
    assert bundles[2].share_commitment(kind, 4) == share_commitment(
        world.rnd.context, kind, 2, 4, revealed.value
    )
    points = decode_commitments(bundles[2].commitments(kind), world.rnd.threshold)
    assert not verify_share(points, Share(4 + 1, revealed.value))


def test_a_dealer_off_its_polynomial_for_too_many_holders_is_unrecoverable_and_blamed() -> None:
    world = World.create(MEMBERS)
    bundles = {**world.share(MEMBERS), 2: world.deal_off_polynomial(2, {4: (1, 0), 6: (7, 0)})}
    inputs = random_inputs(MEMBERS, 4, 32)
    unmasks = world.unmask(bundles, MEMBERS, MEMBERS)
    with pytest.raises(UnrecoverableError) as caught:  # 2 valid shares of b_2 remain, t = 3
        _aggregate(world, bundles, inputs, unmasks, MEMBERS)
    assert caught.value.members == (2,) and caught.value.member == 2
    assert dict(caught.value.faults) == {2: Fault.BAD_DEALING}


def test_a_dealer_that_shares_another_key_than_it_advertised_is_blamed() -> None:
    world = World.create(MEMBERS)
    bundles = {**world.share(MEMBERS), 10: world.deal_off_polynomial(10, {}, lie_about_key=True)}
    for m in MEMBERS:  # every share of 10 is on 10's committed polynomials: nobody can tell at opening
        if m != 10:
            world.receive(m, bundles)
    survivors = [2, 4, 6, 8]  # 10 drops out: its key is needed, and is not the advertised one
    inputs = random_inputs(MEMBERS, 4, 32)
    with pytest.raises(UnrecoverableError) as caught:
        _aggregate(world, bundles, inputs, world.unmask(bundles, survivors, survivors), survivors)
    assert caught.value.members == (10,)
    assert dict(caught.value.faults) == {10: Fault.BAD_DEALING}


# -- a publisher revealing garbage -------------------------------------------------------------------------


def _garbage(world: World, bundle: UnmaskBundle, how: str) -> UnmaskBundle:
    first, rest = bundle.shares[0], bundle.shares[1:]
    if how == "altered value":
        return dataclasses.replace(bundle, shares=(dataclasses.replace(first, value=first.value ^ 1), *rest))
    if how == "another round":
        other = RoundContext(1, bytes(20), 1, 99).digest
        return dataclasses.replace(bundle, context=other)
    if how == "a non-neighbour's share":
        outsider = next(m for m in world.rnd.members if m != bundle.publisher and
                        m not in world.rnd.neighbours(bundle.publisher))  # fmt: skip
        extra = RevealedShare(outsider, ShareKind.SELF_SEED, 5)
        return dataclasses.replace(bundle, shares=tuple(sorted((*bundle.shares, extra), key=_order)))
    if how == "the wrong kind":  # a mask-key share of a well-formed survivor: its input would be exposed
        key = RevealedShare(first.owner, ShareKind.MASK_KEY, 5)
        return dataclasses.replace(bundle, shares=tuple(sorted((*bundle.shares, key), key=_order)))
    assert how == "another publisher"
    return UnmaskBundle(bundle.context, bundle.shares[0].owner, bundle.shares[1:])


def _order(s: RevealedShare) -> tuple[int, int]:
    return s.owner, int(s.kind)


@pytest.mark.parametrize(
    "how",
    ["altered value", "another round", "a non-neighbour's share", "the wrong kind", "another publisher"],
)
def test_a_publisher_revealing_garbage_is_ignored_and_named(how: str) -> None:
    members = list(range(1, 8))  # k = 4 < n - 1: members have non-neighbours; t = 3
    world = World.create(members, degree=4)
    bundles = world.share(members)
    inputs = random_inputs(members, 4, 32, seed=3)
    unmasks = world.unmask(bundles, members, members)
    unmasks[5] = _garbage(world, unmasks[5], how)
    result = _aggregate(world, bundles, inputs, unmasks, members)
    assert result.total.tolist() == _sum(inputs, members)  # every secret keeps >= t honest shares
    assert dict(result.faults) == {5: Fault.BAD_UNMASK}
    assert result.used == tuple(m for m in members if m != 5)


def test_too_many_publishers_revealing_garbage_is_unrecoverable_not_a_wrong_sum() -> None:
    world = World.create(MEMBERS)
    bundles = world.share(MEMBERS)
    inputs = random_inputs(MEMBERS, 4, 32)
    unmasks = world.unmask(bundles, MEMBERS, MEMBERS)
    for p in (4, 6):
        unmasks[p] = _garbage(world, unmasks[p], "altered value")
    with pytest.raises(UnrecoverableError) as caught:
        _aggregate(world, bundles, inputs, unmasks, MEMBERS)
    assert caught.value.members == (2, 8, 10)  # 4's and 6's seeds still have 2, 8 and 10's shares
    assert dict(caught.value.faults) == {4: Fault.BAD_UNMASK, 6: Fault.BAD_UNMASK}


@dataclass(frozen=True)
class Attack:
    members: list[int]
    degree: int | None
    survivors: list[int]
    malformed: list[int]
    off: dict[int, dict[int, tuple[int, int]]]  # dealer -> receiver -> (seed delta, key delta)
    liars: list[int]  # publishers that alter one share
    salt: int


@st.composite
def attacks(draw: st.DrawFn) -> Attack:
    members = sorted(draw(st.lists(st.integers(0, 40), min_size=4, max_size=9, unique=True)))
    degree = draw(st.sampled_from([None, 4, 6]))
    dropped = draw(st.sets(st.sampled_from(members), max_size=len(members) // 4))
    survivors = [m for m in members if m not in dropped]
    malformed = sorted(draw(st.sets(st.sampled_from(survivors), max_size=1)))
    dealers = draw(st.sets(st.sampled_from(members), max_size=2))
    delta = st.sampled_from([0, 1, GROUP_ORDER - 1])
    off = {
        d: draw(st.dictionaries(st.sampled_from(members), st.tuples(delta, delta), max_size=2))
        for d in dealers
    }
    return Attack(
        members=members,
        degree=degree,
        survivors=survivors,
        malformed=malformed,
        off=off,
        liars=sorted(draw(st.sets(st.sampled_from(survivors), max_size=1))),
        salt=draw(st.integers(0, 2**16)),
    )


@settings(max_examples=80, deadline=None)
@given(attacks())
def test_whatever_dealers_and_publishers_do_the_sum_is_exact_or_unrecoverable(attack: Attack) -> None:
    world = World.create(attack.members, degree=attack.degree, salt=attack.salt)
    rnd, t = world.rnd, world.rnd.threshold
    bundles = world.share(attack.members)
    for dealer, off in attack.off.items():
        bundles[dealer] = world.deal_off_polynomial(
            dealer, {j: d for j, d in off.items() if j in rnd.neighbours(dealer)}
        )
    survivors, bad_vectors = attack.survivors, set(attack.malformed)
    usable = [u for u in survivors if u not in bad_vectors]
    inputs = random_inputs(attack.members, 4, 32, seed=attack.salt)
    unmasks = world.unmask(bundles, survivors, survivors, attack.malformed)
    liars = [p for p in attack.liars if unmasks[p].shares]
    for p in liars:
        unmasks[p] = _garbage(world, unmasks[p], "altered value")

    # The oracle: which dealings are seen to be bad, which secrets keep t valid shares.
    def is_off(dealer: int, receiver: int, kind: ShareKind) -> bool:
        seed_delta, key_delta = attack.off.get(dealer, {}).get(receiver, (0, 0))
        return (seed_delta if kind is ShareKind.SELF_SEED else key_delta) != 0

    honest = [p for p in survivors if p not in liars]
    faults = {p: Fault.BAD_UNMASK for p in liars}
    for d in attack.members:
        kinds = reveal_kinds(d, survivors, bad_vectors)
        if any(is_off(d, p, k) for p in honest if p in rnd.neighbours(d) for k in kinds):
            faults[d] = faults.get(d, Fault.BAD_DEALING) | Fault.BAD_DEALING
    needed = [(u, ShareKind.SELF_SEED) for u in usable] + [
        (v, ShareKind.MASK_KEY)
        for v in attack.members
        if v not in usable and not set(usable).isdisjoint(rnd.neighbours(v))
    ]
    missing = sorted(
        {v for v, k in needed if sum(not is_off(v, p, k) for p in honest if p in rnd.neighbours(v)) < t}
    )
    if not usable:
        event("no usable vector")
        return
    try:
        result = _aggregate(world, bundles, inputs, unmasks, survivors, usable)
    except UnrecoverableError as exc:
        event("unrecoverable")
        assert exc.members == tuple(missing)
        assert dict(exc.faults).items() <= faults.items()  # found so far: never someone innocent
        return
    event("exact, with faults" if faults else "exact")
    assert not missing
    assert result.total.tolist() == _sum(inputs, usable)
    assert dict(result.faults) == faults
    assert result.used == tuple(honest)


# -- finding 2: which kind is revealed depends on the on-chain survivors only ------------------------------


def test_a_survivor_whose_vector_some_members_cannot_fetch_never_has_both_kinds_revealed() -> None:
    # 8 revealed on-chain, but its vector blob reaches only some members. Before, a member that could not
    # fetch it counted 8 as dropped and revealed 8's mask-key share while the others revealed its seed
    # share: with t of each, 8's input is exposed. Now every honest member reveals by S alone.
    world = World.create(MEMBERS)
    bundles = world.share(MEMBERS)
    inputs = random_inputs(MEMBERS, 4, 32)
    unmasks = world.unmask(bundles, MEMBERS, MEMBERS)  # whatever each could fetch: S is the chain's
    for bundle in unmasks.values():
        assert all(s.kind is ShareKind.SELF_SEED for s in bundle.shares)  # no key of a survivor, ever
    # An aggregator that cannot fetch 8's vector cannot produce the sum: it is told so, not given a wrong one.
    usable = [2, 4, 6, 10]
    with pytest.raises(UnrecoverableError) as caught:
        _aggregate(world, bundles, inputs, unmasks, MEMBERS, usable)
    assert caught.value.members == (8,) and dict(caught.value.faults) == {}


def test_a_malformed_survivor_has_both_kinds_revealed_and_the_others_sum_exactly() -> None:
    # 8 revealed a vector whose bytes do not decode: it has no usable vector, so its pairwise masks must be
    # removed from its neighbours' vectors. Members that fetched and checked those bytes reveal 8's key
    # share as well as its seed share; member 10 could not fetch them and reveals only the seed share.
    world = World.create(MEMBERS)
    bundles = world.share(MEMBERS)
    inputs = random_inputs(MEMBERS, 4, 32)
    unmasks = {
        **world.unmask(bundles, MEMBERS, [2, 4, 6, 8], malformed=[8]),
        **world.unmask(bundles, MEMBERS, [10]),
    }
    assert {s.kind for s in unmasks[2].shares if s.owner == 8} == {ShareKind.SELF_SEED, ShareKind.MASK_KEY}
    assert {s.kind for s in unmasks[10].shares if s.owner == 8} == {ShareKind.SELF_SEED}
    usable = [2, 4, 6, 10]
    result = _aggregate(world, bundles, inputs, unmasks, MEMBERS, usable)
    assert result.total.tolist() == _sum(inputs, usable)
    assert dict(result.faults) == {} and result.used == tuple(MEMBERS)


# -- finding 3: a low-order key ----------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["mask_pk", "enc_pk"])
def test_a_low_order_key_leaves_its_advertiser_out_and_the_round_works_for_the_others(which: str) -> None:
    # Before, SecAggRound.create raised InvalidKeyError for everybody: one advertiser stopped the round.
    world = World.create(MEMBERS)
    advertised = {m: world.keys[m].public for m in MEMBERS}
    advertised[6] = dataclasses.replace(advertised[6], **{which: (1).to_bytes(32, "little")})  # order 4
    rnd = SecAggRound.create(world.rnd.context, _SEED, advertised)
    assert rnd.skipped == (6,) and rnd.members == (2, 4, 8, 10)
    assert (rnd.graph.degree, rnd.threshold) == SecAggConfig().resolve(4)
    others = [2, 4, 8, 10]
    honest = dataclasses.replace(world, rnd=rnd)
    bundles = honest.share(others)
    with pytest.raises(MisaddressedShareError):  # whatever the skipped member publishes is not in the round
        check_share_bundle(rnd, world.share([6])[6])
    inputs = random_inputs(others, 4, 32)
    result = _aggregate(honest, bundles, inputs, honest.unmask(bundles, others, others), others)
    assert result.total.tolist() == _sum(inputs, others)
    assert dict(result.faults) == {}


def test_a_key_of_the_right_length_is_all_the_round_needs_of_an_advertiser() -> None:
    world = World.create(MEMBERS)
    advertised = {m: world.keys[m].public for m in MEMBERS}
    low = [(0).to_bytes(32, "little"), (1).to_bytes(32, "little"), (2**255 - 20).to_bytes(32, "little")]
    for i, m in enumerate((2, 4, 6)):
        advertised[m] = PublicKeys(low[i], advertised[m].enc_pk)
    rnd = SecAggRound.create(world.rnd.context, _SEED, advertised)
    assert rnd.skipped == (2, 4, 6) and rnd.members == (8, 10)
