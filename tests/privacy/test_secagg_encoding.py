"""The blobs are canonical: one byte string per value, and the decoders accept nothing else."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from secagg_world import World

from fedchain.exceptions import SecAggError
from fedchain.privacy.secagg import (
    decode_masked_vector,
    decode_share_bundle,
    decode_unmask_bundle,
    encode_masked_vector,
    encode_share_bundle,
    encode_unmask_bundle,
)
from fedchain.privacy.secagg.bundle import share_bundle_size
from fedchain.privacy.secagg.masking import masked_vector_size
from fedchain.privacy.secagg.unmask import unmask_bundle_size

WORLD = World.create(list(range(12)), degree=4)
BUNDLES = WORLD.share(range(12))
SURVIVORS = [m for m in range(12) if m != 5]
SHARE_BLOB = encode_share_bundle(BUNDLES[0])
UNMASK_BLOB = encode_unmask_bundle(WORLD.unmask(BUNDLES, SURVIVORS, [1])[1])
VECTOR_BLOB = encode_masked_vector(WORLD.rnd.context, 3, np.arange(5, dtype=np.uint64))


def test_encodings_round_trip_and_have_the_documented_sizes() -> None:
    # Version 2 (Feldman over secp256k1, 32-byte shares): the sizes below are the documented formulas, not
    # recorded outputs; version 1's were 77 + 224 k and 45 + 71 count.
    assert encode_share_bundle(decode_share_bundle(SHARE_BLOB)) == SHARE_BLOB
    assert encode_unmask_bundle(decode_unmask_bundle(UNMASK_BLOB)) == UNMASK_BLOB
    assert WORLD.rnd.threshold == 3
    assert len(SHARE_BLOB) == share_bundle_size(4, 3) == 49 + 66 * 3 + 156 * 4
    assert len(UNMASK_BLOB) == unmask_bundle_size(4) == 45 + 37 * 4
    both = encode_unmask_bundle(WORLD.unmask(BUNDLES, range(12), [1], malformed=[5])[1])
    assert len(both) == unmask_bundle_size(5)  # both kinds of 5's shares: one entry more
    assert len(VECTOR_BLOB) == masked_vector_size(5, 64) == 46 + 40
    decoded = decode_masked_vector(VECTOR_BLOB, WORLD.rnd.context, 3, length=5, bits=64)
    assert decoded.dtype == np.uint64 and decoded.tolist() == [0, 1, 2, 3, 4]


def test_encoding_is_deterministic() -> None:
    again = World.create(list(range(12)), degree=4)
    assert again.rnd == WORLD.rnd
    bundle = decode_share_bundle(SHARE_BLOB)
    assert encode_share_bundle(bundle) == encode_share_bundle(
        decode_share_bundle(encode_share_bundle(bundle))
    )


@st.composite
def mutations(draw: st.DrawFn, blob: bytes) -> bytes:
    data = bytearray(blob)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "cut", "insert"]))
        at = draw(st.integers(0, len(data)))
        if kind == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 8))]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_decoders_accept_only_canonical_bytes(data: st.DataObject) -> None:
    # Whatever the damage, a decoder either refuses with a SecAgg error or returns a value whose encoding is
    # exactly the bytes it was given: no two byte strings decode to the same value.
    for blob, decode, encode in (
        (SHARE_BLOB, decode_share_bundle, encode_share_bundle),
        (UNMASK_BLOB, decode_unmask_bundle, encode_unmask_bundle),
    ):
        mutated = data.draw(mutations(blob))
        try:
            value = decode(mutated)  # type: ignore[operator]
        except SecAggError:
            continue
        assert encode(value) == mutated  # type: ignore[operator]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_damaged_masked_vectors_are_refused_or_read_exactly(data: st.DataObject) -> None:
    mutated = data.draw(mutations(VECTOR_BLOB))
    try:
        words = decode_masked_vector(mutated, WORLD.rnd.context, 3, length=5, bits=64)
    except SecAggError:
        return
    assert encode_masked_vector(WORLD.rnd.context, 3, words) == mutated


@pytest.mark.parametrize(
    ("blob", "magic", "version"),
    [(SHARE_BLOB, b"FCSB", 2), (UNMASK_BLOB, b"FCUB", 2), (VECTOR_BLOB, b"FCMV", 1)],
)
def test_every_blob_names_its_format_and_version(blob: bytes, magic: bytes, version: int) -> None:
    assert blob[:4] == magic and blob[4] == version
    assert blob[5:37] == WORLD.rnd.context.digest


def test_the_share_bundle_lays_out_its_commitments_in_clear() -> None:
    bundle = BUNDLES[0]
    t, at = WORLD.rnd.threshold, 5 + 32 + 4
    assert SHARE_BLOB[at - 4 : at] == (0).to_bytes(4, "big")  # the sender
    assert SHARE_BLOB[at : at + 4] == t.to_bytes(4, "big")
    points = SHARE_BLOB[at + 4 : at + 4 + 66 * t]
    assert points == b"".join(bundle.seed_commitments + bundle.key_commitments)
    assert all(p[0] in (2, 3) for p in bundle.seed_commitments + bundle.key_commitments)
