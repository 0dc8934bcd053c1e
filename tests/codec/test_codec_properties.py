"""Properties of the codec over arbitrary inputs (hypothesis)."""

from __future__ import annotations

import contextlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from fedchain.codec import ALLOWED_DTYPES, ModelSpec, decode, encode
from fedchain.codec._types import NDArray
from fedchain.exceptions import CodecError

NAMES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=24
).filter(lambda name: name != "__metadata__")


@st.composite
def finite_arrays(draw: st.DrawFn) -> NDArray:
    dtype = np.dtype(draw(st.sampled_from(sorted(ALLOWED_DTYPES))))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
    elements = {"allow_nan": False, "allow_infinity": False} if dtype.kind == "f" else None
    array: NDArray = draw(hnp.arrays(dtype, shape, elements=elements))
    return array


MODELS = st.dictionaries(NAMES, finite_arrays(), max_size=5)


def bit_equal(left: NDArray, right: NDArray) -> bool:
    return left.dtype == right.dtype and left.shape == right.shape and left.tobytes() == right.tobytes()


@settings(max_examples=200, deadline=None)
@given(model=MODELS)
def test_decode_of_encode_is_bit_exact(model: dict[str, NDArray]) -> None:
    spec = ModelSpec.from_arrays(model)
    decoded = decode(encode(model, spec), spec)
    assert list(decoded) == sorted(model)
    for name, array in model.items():
        assert bit_equal(decoded[name], array)


@settings(max_examples=100, deadline=None)
@given(model=MODELS, data=st.data())
def test_encoding_is_independent_of_name_order(model: dict[str, NDArray], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(list(model.items())))
    assert encode(shuffled) == encode(model)


@settings(max_examples=100, deadline=None)
@given(model=MODELS)
def test_encoding_is_independent_of_memory_layout_and_byte_order(
    model: dict[str, NDArray],
) -> None:
    def relaid(array: NDArray) -> NDArray:
        fortran = np.asfortranarray(array)
        holder = np.empty((*array.shape, 2), dtype=array.dtype.newbyteorder(">"))
        holder[..., 1] = fortran  # a strided, big-endian view holding the same values
        view: NDArray = holder[..., 1]
        return view

    assert encode({name: relaid(array) for name, array in model.items()}) == encode(model)


@settings(max_examples=100, deadline=None)
@given(model=MODELS)
def test_encoding_is_canonical_so_re_encoding_is_the_identity(model: dict[str, NDArray]) -> None:
    blob = encode(model)
    assert encode(decode(blob)) == blob


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=512))
def test_arbitrary_bytes_decode_or_raise_a_codec_error(data: bytes) -> None:
    with contextlib.suppress(CodecError):
        decode(data)


@settings(max_examples=300, deadline=None)
@given(model=MODELS, data=st.data())
def test_corrupted_blobs_decode_or_raise_a_codec_error(
    model: dict[str, NDArray], data: st.DataObject
) -> None:
    blob = bytearray(encode(model))
    if not blob:
        return
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(blob) - 1))
        blob[index] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(blob)))
    with contextlib.suppress(CodecError):
        decode(bytes(blob[:cut]))
