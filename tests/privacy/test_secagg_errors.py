"""Every way an input can be wrong raises its named error, naming the member at fault, and changes nothing."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from secagg_world import World, random_inputs

from fedchain.exceptions import (
    ConfigError,
    DoubleRevealError,
    InvalidKeyError,
    MalformedBundleError,
    MaskedVectorError,
    MisaddressedShareError,
    SecAggError,
    ShareAuthenticationError,
    ShareMismatchError,
    SumOverflowError,
    TooFewNeighboursError,
    UnrecoverableError,
)
from fedchain.privacy.secagg import (
    Fault,
    PublicKeys,
    QuantizationConfig,
    RevealedShare,
    RoundContext,
    RoundKeys,
    SecAggRound,
    ShareBundle,
    ShareKind,
    UnmaskBundle,
    build_unmask_bundle,
    check_unmask_bundle,
    create_share_bundle,
    decode_masked_vector,
    decode_share_bundle,
    decode_unmask_bundle,
    encode_masked_vector,
    encode_share_bundle,
    encode_unmask_bundle,
    mask_vector,
    open_share_bundle,
    quantize,
    require_recoverable,
    unmask_aggregate,
    x25519,
)
from fedchain.privacy.secagg.bundle import ENTRY_BYTES, check_share_bundle
from fedchain.privacy.secagg.feldman import commit
from fedchain.privacy.secagg.kdf import LABEL_SHARE_ENCRYPTION, VERSION, derive_key
from fedchain.privacy.secagg.shamir import GROUP_ORDER, encode_element

MEMBERS = [2, 4, 6, 8, 10]  # complete graph, k = 4, t = 3
Bundles = dict[int, ShareBundle]
T = 3
HEAD = 5 + 32 + 4 + 4 + 2 * 33 * T + 4  # a version-2 share bundle's bytes before its entries


@pytest.fixture(scope="module")
def world() -> World:
    return World.create(MEMBERS)


@pytest.fixture(scope="module")
def bundles(world: World) -> dict[int, ShareBundle]:
    return world.share(MEMBERS)


def _replace_entry(bundle: ShareBundle, receiver: int, **changes: object) -> ShareBundle:
    entries = tuple(
        dataclasses.replace(e, **changes) if e.receiver == receiver else e for e in bundle.entries
    )
    return dataclasses.replace(bundle, entries=entries)


# -- malformed bytes ---------------------------------------------------------------------------------


def test_a_malformed_share_bundle_is_refused(bundles: Bundles) -> None:
    blob = encode_share_bundle(bundles[2])
    assert decode_share_bundle(blob) == bundles[2]
    swapped = bytearray(blob)  # the first two entries swapped: receivers no longer ascending
    head, size = HEAD, ENTRY_BYTES
    assert len(blob) == head + 4 * size
    swapped[head : head + 2 * size] = blob[head + size : head + 2 * size] + blob[head : head + size]
    for bad in (
        blob[:-1],  # truncated
        blob + b"\x00",  # trailing byte
        b"FCSX" + blob[4:],  # another magic
        blob[:4] + b"\x01" + blob[5:],  # version 1 (Shamir over GF(2**521 - 1)): no longer read
        blob[:4] + b"\x03" + blob[5:],  # an unknown version
        blob[: head - 4] + (5).to_bytes(4, "big") + blob[head:],  # entry count disagrees with the length
        blob[:41] + (T + 1).to_bytes(4, "big") + blob[45:],  # commitment count disagrees with the length
        blob[:41] + (0).to_bytes(4, "big") + blob[45:],  # no commitments at all
        bytes(swapped),
        "not bytes",
    ):
        with pytest.raises(MalformedBundleError):
            decode_share_bundle(bad)  # type: ignore[arg-type]


def test_commitments_that_are_not_t_points_are_refused(world: World, bundles: Bundles) -> None:
    bundle = bundles[2]
    check_share_bundle(world.rnd, bundle)
    first = bundle.seed_commitments[0]
    x_is_p = b"\x02" + (2**256 - 2**32 - 977).to_bytes(32, "big")
    for bad in (
        dataclasses.replace(bundle, seed_commitments=(b"\x04" + first[1:], *bundle.seed_commitments[1:])),
        dataclasses.replace(bundle, key_commitments=(*bundle.key_commitments[:-1], x_is_p)),
        dataclasses.replace(bundle, seed_commitments=(b"\x02" + bytes(32), *bundle.seed_commitments[1:])),
        dataclasses.replace(  # a consistent bundle, but of threshold t - 1
            bundle, seed_commitments=bundle.seed_commitments[:-1], key_commitments=bundle.key_commitments[:-1]
        ),
    ):
        with pytest.raises(MalformedBundleError) as caught:
            check_share_bundle(world.rnd, bad)
        assert caught.value.member == 2
        with pytest.raises(MalformedBundleError):
            open_share_bundle(world.rnd, 4, world.keys[4], bad)
    with pytest.raises(MalformedBundleError):  # a different number of each kind: not a bundle at all
        dataclasses.replace(bundle, seed_commitments=bundle.seed_commitments[:-1])


def test_a_malformed_unmask_bundle_is_refused(world: World, bundles: Bundles) -> None:
    bundle = world.unmask(bundles, MEMBERS, [4])[4]
    blob = encode_unmask_bundle(bundle)
    assert decode_unmask_bundle(blob) == bundle
    entry, size = 45, 37
    for bad in (
        blob[:-1],
        blob + b"\x00",
        blob[:4] + b"\x01" + blob[5:],  # version 1: no longer read
        blob[: entry + 4] + b"\x03" + blob[entry + 5 :],  # unknown share kind
        blob[: entry + 5] + GROUP_ORDER.to_bytes(32, "big") + blob[entry + size :],  # not a field element
        blob[: entry + size] + blob[entry : entry + size] + blob[entry + 2 * size :],  # a share repeated
    ):
        with pytest.raises(MalformedBundleError):
            decode_unmask_bundle(bad)


def test_a_malformed_masked_vector_is_refused(world: World) -> None:
    ctx = world.rnd.context
    blob = encode_masked_vector(ctx, 2, np.arange(4, dtype=np.uint32))
    assert decode_masked_vector(blob, ctx, 2, length=4, bits=32).tolist() == [0, 1, 2, 3]
    for bad in (blob[:-1], blob + b"\x00", blob[:41] + b"\x10" + blob[42:]):
        with pytest.raises(MalformedBundleError):
            decode_masked_vector(bad, ctx, 2, length=4, bits=32)


# -- forged and misaddressed shares -------------------------------------------------------------------


def test_a_forged_share_fails_authentication(world: World, bundles: Bundles) -> None:
    entry = bundles[2].entry(4)
    flipped = bytes([entry.ciphertext[0] ^ 1]) + entry.ciphertext[1:]
    forged = _replace_entry(bundles[2], 4, ciphertext=flipped)
    with pytest.raises(ShareAuthenticationError) as caught:
        open_share_bundle(world.rnd, 4, world.keys[4], forged)
    assert caught.value.member == 2
    # an entry moved to another recipient fails too: the associated data names the recipient
    moved = _replace_entry(bundles[2], 6, ciphertext=bundles[2].entry(4).ciphertext)
    with pytest.raises(ShareAuthenticationError):
        open_share_bundle(world.rnd, 6, world.keys[6], moved)
    # and so does a bundle sealed under keys other than the advertised ones
    stranger = World.create(MEMBERS, salt=1).share([2])[2]
    with pytest.raises(ShareAuthenticationError):
        open_share_bundle(world.rnd, 4, world.keys[4], stranger)


def test_a_share_for_someone_else_is_refused(world: World, bundles: Bundles) -> None:
    sparse = World.create(list(range(12)), degree=4)
    sparse_bundles = sparse.share([0])
    outsider = next(m for m in range(1, 12) if m not in sparse.rnd.neighbours(0))
    with pytest.raises(MisaddressedShareError) as caught:  # not a neighbour: no entry
        open_share_bundle(sparse.rnd, outsider, sparse.keys[outsider], sparse_bundles[0])
    assert caught.value.member == 0
    # a bundle missing one neighbour, or from another round, is refused by anyone
    short = dataclasses.replace(bundles[2], entries=bundles[2].entries[1:])
    with pytest.raises(MisaddressedShareError):
        open_share_bundle(world.rnd, 6, world.keys[6], short)
    other_round = World.create(MEMBERS, context=RoundContext(1, bytes(20), 1, 99))
    with pytest.raises(MisaddressedShareError):
        open_share_bundle(world.rnd, 4, world.keys[4], other_round.share([2])[2])


def test_a_sealed_share_naming_other_members_is_refused(world: World, bundles: Bundles) -> None:
    # Member 2 seals, for member 4 and under the right key, a plaintext that names member 6 as recipient.
    rnd, ctx = world.rnd, world.rnd.context
    pk = {m: rnd.public_keys(m).enc_pk for m in MEMBERS}
    key = derive_key(
        ctx,
        LABEL_SHARE_ENCRYPTION,
        x25519(world.keys[2].enc_sk, pk[4]),
        (2).to_bytes(4, "big"),
        (4).to_bytes(4, "big"),
        pk[2],
        pk[4],
    )
    plaintext = (2).to_bytes(4, "big") + (6).to_bytes(4, "big") + encode_element(1) + encode_element(2)
    aad = VERSION + b" share" + ctx.digest + (2).to_bytes(4, "big") + (4).to_bytes(4, "big")
    sealed = ChaCha20Poly1305(key).encrypt(bytes(12), plaintext, aad)
    with pytest.raises(MisaddressedShareError) as caught:
        open_share_bundle(rnd, 4, world.keys[4], _replace_entry(bundles[2], 4, ciphertext=sealed))
    assert caught.value.member == 2


def test_a_share_that_contradicts_its_commitment_is_refused(world: World, bundles: Bundles) -> None:
    lying = _replace_entry(bundles[2], 4, seed_share_commitment=bytes(32))
    with pytest.raises(ShareMismatchError) as caught:
        open_share_bundle(world.rnd, 4, world.keys[4], lying)
    assert caught.value.member == 2
    with pytest.raises(ShareMismatchError):  # no evidence to keep: the dealer's own hash disowns it
        open_share_bundle(world.rnd, 4, world.keys[4], lying, verify_dealing=False)


@pytest.mark.parametrize("off", [(1, 0), (0, 1), (5, GROUP_ORDER - 5)], ids=["seed", "key", "both"])
def test_a_share_off_the_dealers_polynomial_is_refused(world: World, off: tuple[int, int]) -> None:
    # 2 deals 4 a share that matches its hash commitment but not the polynomial 2 committed to.
    cheat = world.deal_off_polynomial(2, {4: off})
    check_share_bundle(world.rnd, cheat)  # nothing public is wrong with it until a share is seen
    with pytest.raises(ShareMismatchError) as caught:
        open_share_bundle(world.rnd, 4, world.keys[4], cheat)
    assert caught.value.member == 2
    kept = open_share_bundle(world.rnd, 4, world.keys[4], cheat, verify_dealing=False)  # kept as evidence
    assert (kept.sender, kept.receiver) == (2, 4)
    for other in (6, 8, 10):  # the others' shares are fine
        open_share_bundle(world.rnd, other, world.keys[other], cheat)


def test_building_an_unmask_bundle_from_someone_elses_shares_is_refused(
    world: World, bundles: Bundles
) -> None:
    received = world.receive(4, bundles)
    with pytest.raises(MisaddressedShareError):
        build_unmask_bundle(world.rnd, 6, received, MEMBERS)
    with pytest.raises(ConfigError):  # only survivors unmask
        build_unmask_bundle(world.rnd, 4, received, [2, 6, 8, 10])


# -- unmask bundles ------------------------------------------------------------------------------------


def test_a_bundle_revealing_both_kinds_of_shares_of_a_member_is_refused(
    world: World, bundles: Bundles
) -> None:
    # Both kinds of 2's shares, genuine ones: allowed only if 2's masked vector is provably malformed.
    both = world.unmask(bundles, MEMBERS, [4], malformed=[2])[4]
    assert [(s.owner, s.kind) for s in both.shares][:2] == [(2, ShareKind.SELF_SEED), (2, ShareKind.MASK_KEY)]
    check_unmask_bundle(world.rnd, both, bundles, MEMBERS, malformed=[2])
    with pytest.raises(DoubleRevealError) as caught:  # 2's vector is well-formed: its inputs would be exposed
        check_unmask_bundle(world.rnd, both, bundles, MEMBERS)
    assert caught.value.member == 4
    # the same bundle as bytes reads back as it is, and is refused the same way
    decoded = decode_unmask_bundle(encode_unmask_bundle(both))
    assert decoded == both
    with pytest.raises(DoubleRevealError):
        check_unmask_bundle(world.rnd, decoded, bundles, MEMBERS, malformed=[6])
    with pytest.raises(ConfigError):  # only survivors' vectors can be malformed
        check_unmask_bundle(world.rnd, both, bundles, [4, 6, 8, 10], malformed=[2])
    # a bundle cannot hold one share twice
    twice = (RevealedShare(2, ShareKind.SELF_SEED, 1), RevealedShare(2, ShareKind.SELF_SEED, 2))
    with pytest.raises(MalformedBundleError):
        UnmaskBundle(world.rnd.context.digest, 4, twice)
    ctx = world.rnd.context.digest
    blob = b"FCUB\x02" + ctx + (4).to_bytes(4, "big") + (2).to_bytes(4, "big")
    blob += (2).to_bytes(4, "big") + b"\x02" + encode_element(1) + (2).to_bytes(4, "big") + b"\x01"
    blob += encode_element(2)  # the key share before the seed share: not ascending
    with pytest.raises(MalformedBundleError):
        decode_unmask_bundle(blob)


def test_a_bundle_revealing_the_kind_the_survivors_forbid_is_refused(world: World, bundles: Bundles) -> None:
    # Member 4 acts as if 2 had dropped out and reveals its share of 2's mask key, though 2 survived:
    # with 2's self-mask seed revealed by the others, 2's input would be exposed.
    survivors = MEMBERS
    rogue = build_unmask_bundle(world.rnd, 4, world.receive(4, bundles), [4, 6, 8, 10])
    with pytest.raises(DoubleRevealError) as caught:
        check_unmask_bundle(world.rnd, rogue, bundles, survivors)
    assert caught.value.member == 4
    inputs = random_inputs(survivors, 3, 32)
    masked = {u: world.mask(u, inputs[u], MEMBERS) for u in survivors}
    honest = world.unmask(bundles, survivors, [2, 6, 8, 10])
    # the aggregate ignores the rogue bundle, names its publisher, and the others suffice
    result = unmask_aggregate(
        world.rnd, bundles, masked, {**honest, 4: rogue}, survivors=survivors, length=3, bits=32
    )
    assert dict(result.faults) == {4: Fault.BAD_UNMASK}
    assert result.used == (2, 6, 8, 10)
    assert result.total.tolist() == sum(inputs.values(), np.zeros(3, np.uint32)).tolist()


def test_a_revealed_share_that_contradicts_its_commitment_is_refused(world: World, bundles: Bundles) -> None:
    honest = world.unmask(bundles, MEMBERS, [4])[4]
    first = honest.shares[0]
    tampered = dataclasses.replace(
        honest, shares=(dataclasses.replace(first, value=(first.value + 1) % GROUP_ORDER), *honest.shares[1:])
    )
    with pytest.raises(ShareMismatchError) as caught:
        check_unmask_bundle(world.rnd, tampered, bundles, MEMBERS)
    assert caught.value.member == 4


def test_a_revealed_share_of_a_non_neighbour_is_refused() -> None:
    sparse = World.create(list(range(12)), degree=4)
    sparse_bundles = sparse.share(range(12))
    outsider = next(m for m in range(1, 12) if m not in sparse.rnd.neighbours(0))
    fake = UnmaskBundle(sparse.rnd.context.digest, 0, (RevealedShare(outsider, ShareKind.SELF_SEED, 5),))
    with pytest.raises(MisaddressedShareError):
        check_unmask_bundle(sparse.rnd, fake, sparse_bundles, range(12))


def test_secrets_that_do_not_reconstruct_to_their_commitments_are_blamed_on_their_dealer(
    world: World, bundles: Bundles
) -> None:
    survivors = [2, 4, 6, 8]  # 10 dropped out
    masked = {u: world.mask(u, np.zeros(3, np.uint32), MEMBERS) for u in survivors}
    unmasks = world.unmask(bundles, survivors, survivors)
    # 2's bundle commits to a polynomial its shares are not on: every one of them fails, none is usable
    other = commit([7, 8, 9])
    lying = {**bundles, 2: dataclasses.replace(bundles[2], seed_commitments=other)}
    with pytest.raises(UnrecoverableError) as caught:
        unmask_aggregate(world.rnd, lying, masked, unmasks, survivors=survivors, length=3, bits=32)
    assert (caught.value.member, caught.value.members) == (2, (2,))
    assert dict(caught.value.faults) == {2: Fault.BAD_DEALING}
    # 10 shared a mask key other than the one it advertised
    stranger = RoundKeys.generate().public.mask_pk
    keys = tuple(
        PublicKeys(stranger, k.enc_pk) if m == 10 else k
        for m, k in zip(world.rnd.members, world.rnd.keys, strict=True)
    )
    with pytest.raises(UnrecoverableError) as caught:
        unmask_aggregate(
            dataclasses.replace(world.rnd, keys=keys),
            bundles,
            masked,
            unmasks,
            survivors=survivors,
            length=3,
            bits=32,
        )
    assert caught.value.members == (10,)
    assert dict(caught.value.faults) == {10: Fault.BAD_DEALING}


# -- masked vectors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "vector",
    [
        np.zeros(4, np.uint32),  # too short
        np.zeros(6, np.uint32),  # too long
        np.zeros(5, np.uint64),  # another modulus
        np.zeros(5, np.int32),
        np.zeros(5, np.float32),
        np.zeros((5, 1), np.uint32),
        np.zeros(5, np.dtype(">u4")),  # big-endian words
        [0, 0, 0, 0, 0],
    ],
)
def test_a_masked_vector_of_the_wrong_length_or_dtype_is_refused(
    world: World, bundles: Bundles, vector: object
) -> None:
    masked = {u: world.mask(u, np.zeros(5, np.uint32), MEMBERS) for u in MEMBERS}
    unmasks = world.unmask(bundles, MEMBERS, MEMBERS)
    with pytest.raises(MaskedVectorError) as caught:
        unmask_aggregate(
            world.rnd, bundles, {**masked, 6: vector}, unmasks, survivors=MEMBERS, length=5, bits=32
        )
    assert caught.value.member == 6


def test_masking_refuses_a_vector_it_cannot_mask(world: World) -> None:
    for bad in (np.zeros(3, np.int64), np.zeros((2, 2), np.uint32), np.zeros(3, np.float64)):
        with pytest.raises(MaskedVectorError):
            world.mask(2, bad, MEMBERS)  # type: ignore[arg-type]


def test_a_masked_vector_of_another_member_or_round_is_refused(world: World) -> None:
    ctx = world.rnd.context
    blob = encode_masked_vector(ctx, 2, np.zeros(4, np.uint32))
    with pytest.raises(MaskedVectorError):
        decode_masked_vector(blob, ctx, 4, length=4, bits=32)
    with pytest.raises(MaskedVectorError):
        decode_masked_vector(blob, RoundContext(1, bytes(20), 1, 1), 2, length=4, bits=32)
    with pytest.raises(MaskedVectorError):
        decode_masked_vector(blob, ctx, 2, length=5, bits=32)
    with pytest.raises(MaskedVectorError):
        decode_masked_vector(blob, ctx, 2, length=2, bits=64)


# -- too few live neighbours -------------------------------------------------------------------------


def test_too_few_live_neighbours_aborts_the_round(world: World, bundles: Bundles) -> None:
    survivors = [2, 4]  # t = 3: 2 has a single live neighbour
    masked = {u: world.mask(u, np.zeros(3, np.uint32), MEMBERS) for u in survivors}
    unmasks = world.unmask(bundles, survivors, survivors)
    with pytest.raises(TooFewNeighboursError) as caught:
        require_recoverable(world.rnd, MEMBERS, survivors)
    assert caught.value.member == 2
    with pytest.raises(UnrecoverableError) as unrecoverable:
        unmask_aggregate(world.rnd, bundles, masked, unmasks, survivors=survivors, length=3, bits=32)
    # each survivor's seed and each dropped member's key has 2 < t = 3 shares; nobody misbehaved
    assert unrecoverable.value.members == (2, 4, 6, 8, 10) and unrecoverable.value.member == 2
    assert dict(unrecoverable.value.faults) == {}


def test_publishers_that_withhold_shares_can_make_a_round_unrecoverable(
    world: World, bundles: Bundles
) -> None:
    masked = {u: world.mask(u, np.zeros(3, np.uint32), MEMBERS) for u in MEMBERS}
    unmasks = world.unmask(bundles, MEMBERS, MEMBERS)
    require_recoverable(world.rnd, MEMBERS, MEMBERS)
    # three publishers leave 8's share out: 8 keeps one share, t = 3
    thinned = {
        u: dataclasses.replace(b, shares=tuple(s for s in b.shares if s.owner != 8)) if u in (2, 4, 6) else b
        for u, b in unmasks.items()
    }
    with pytest.raises(UnrecoverableError) as caught:
        unmask_aggregate(world.rnd, bundles, masked, thinned, survivors=MEMBERS, length=3, bits=32)
    assert caught.value.members == (8,)
    assert dict(caught.value.faults) == {}  # withholding a share proves nothing: it may never have arrived


# -- quantization bound and keys -----------------------------------------------------------------------


def test_a_round_too_large_for_the_modulus_is_refused() -> None:
    cfg = QuantizationConfig(value_bits=32, max_weight=2**20)  # R = 2**31 - 1: 2**51 per member
    assert cfg.modulus_bits(2**12) == 64  # 2**12 * 2**20 * (2**31 - 1) < 2**63
    with pytest.raises(SumOverflowError):
        cfg.modulus_bits(2**12 + 1)
    with pytest.raises(SumOverflowError):
        quantize(np.zeros(2), 1, np.random.default_rng(0), n_members=2**12 + 1, config=cfg)


def test_a_weight_above_the_bound_is_refused() -> None:
    cfg = QuantizationConfig(max_weight=10)
    rng = np.random.default_rng(0)
    for weight in (0, 11, -1, 2.0):
        with pytest.raises(SumOverflowError):
            quantize(np.zeros(2), weight, rng, n_members=3, config=cfg)  # type: ignore[arg-type]


def test_bad_or_unadvertised_keys_are_refused(world: World, bundles: Bundles) -> None:
    with pytest.raises(InvalidKeyError):
        x25519(bytes(31), bytes(32))
    with pytest.raises(InvalidKeyError):
        x25519(bytes(32), bytes(33))
    with pytest.raises(InvalidKeyError):
        x25519(bytes(32), (1).to_bytes(32, "little"))  # a low-order point
    with pytest.raises(InvalidKeyError):
        PublicKeys(bytes(31), bytes(32))
    for mask_sk in (bytes(32), GROUP_ORDER.to_bytes(32, "big"), b"\xff" * 32):  # not a scalar in [1, q)
        with pytest.raises(InvalidKeyError):
            RoundKeys.from_private_bytes(mask_sk, bytes(32))
    RoundKeys.from_private_bytes((GROUP_ORDER - 1).to_bytes(32, "big"), b"\xff" * 32)  # any enc key
    advertised = {m: world.keys[m].public for m in MEMBERS}
    low = {2: PublicKeys(bytes(32), advertised[2].enc_pk), 4: PublicKeys(advertised[4].mask_pk, bytes(32))}
    with pytest.raises(ConfigError):  # four advertisers left out of five: one usable member is no round
        SecAggRound.create(world.rnd.context, bytes(32), {**advertised, **low, 6: low[2], 8: low[4]})
    for seed in (bytes(32), GROUP_ORDER.to_bytes(32, "big")):  # a self-mask seed must be a scalar too
        with pytest.raises(ConfigError):
            create_share_bundle(world.rnd, 2, world.keys[2], seed)
    impostor = RoundKeys.generate()
    with pytest.raises(InvalidKeyError):
        create_share_bundle(world.rnd, 2, impostor, world.seeds[2])
    with pytest.raises(InvalidKeyError):
        open_share_bundle(world.rnd, 4, impostor, bundles[2])
    with pytest.raises(InvalidKeyError):
        mask_vector(world.rnd, 2, impostor, bytes(32), np.zeros(2, np.uint32), MEMBERS)


def test_every_error_is_a_secagg_error() -> None:
    for cls in (
        DoubleRevealError,
        InvalidKeyError,
        MalformedBundleError,
        MaskedVectorError,
        MisaddressedShareError,
        ShareAuthenticationError,
        ShareMismatchError,
        SumOverflowError,
        TooFewNeighboursError,
        UnrecoverableError,
    ):
        assert issubclass(cls, SecAggError)


def test_failed_unmasking_changes_nothing(world: World, bundles: Bundles) -> None:
    inputs = random_inputs(MEMBERS, 3, 32)
    masked = {u: world.mask(u, inputs[u], MEMBERS) for u in MEMBERS}
    copies = {u: v.copy() for u, v in masked.items()}
    unmasks = world.unmask(bundles, MEMBERS, [2, 4])
    with pytest.raises(UnrecoverableError):
        unmask_aggregate(world.rnd, bundles, masked, unmasks, survivors=MEMBERS, length=3, bits=32)
    assert all(np.array_equal(masked[u], copies[u]) for u in MEMBERS)
