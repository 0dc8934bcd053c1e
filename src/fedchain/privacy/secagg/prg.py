"""The mask generator: AES-256 in counter mode expands a 256-bit seed into words mod ``2**bits``.

A mask of ``length`` words of ``bits`` bits is the AES-256-CTR keystream under the 32-byte seed (counter
block starting at zero), ``length * bits / 8`` bytes, read as little-endian ``uint32`` or ``uint64`` words.
The seed is always a full 256-bit key derived by HKDF for exactly one purpose (one self-mask, one pair of
members, one round), so a counter starting at zero never repeats under one key.

Speed: no Python loop touches the elements. The cipher writes straight into numpy memory, 128 KiB at a time
(a few dozen calls per megabyte-sized mask), and :func:`add_masks` adds each piece to the output while both
are still in the CPU's L2 cache: a client's ``k + 1`` masks cost the cipher plus ``k + 1`` cached additions,
with no mask ever materialised whole.

Examples
--------
>>> import numpy as np
>>> mask = expand_mask(bytes(32), 4, bits=32)
>>> mask.dtype, mask.tolist()
(dtype('uint32'), [2025887196, 2307473570, 346179757, 2267055250])
>>> (add_masks(np.zeros(4, np.uint32), plus=[bytes(32)]) == mask).all()
np.True_
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, Final

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes

from fedchain.exceptions import ConfigError, MaskedVectorError
from fedchain.privacy.secagg._encoding import check_bytes
from fedchain.privacy.secagg._types import Words

SUPPORTED_BITS: Final = (32, 64)
"""Word sizes: masked vectors live in ``Z_2^32`` or ``Z_2^64``."""

CHUNK_BYTES: Final = 1 << 17
"""Keystream bytes produced per cipher call: 128 KiB, so a piece of mask and of output share the L2 cache."""

_SPARE: Final = 15  # update_into wants block_size - 1 spare bytes in its output buffer
_ZERO_BLOCK: Final = bytes(16)
_ZEROS: Final = memoryview(bytes(CHUNK_BYTES))


def word_dtype(bits: int) -> np.dtype[Any]:
    """The numpy dtype of words mod ``2**bits``: native ``uint32`` or ``uint64``.

    Raises
    ------
    ConfigError
        ``bits`` is not 32 or 64.
    """
    if bits == 32:
        return np.dtype(np.uint32)
    if bits == 64:
        return np.dtype(np.uint64)
    raise ConfigError(f"bits must be 32 or 64, not {bits!r}")


def keystream(seed: bytes, nbytes: int) -> bytes:
    """``nbytes`` of the AES-256-CTR keystream under ``seed`` (the encryption of zeros).

    Examples
    --------
    >>> keystream(bytes(32), 16).hex()  # AES-256 of the zero block under the zero key
    'dc95c078a2408989ad48a21492842087'
    """
    return _encryptor(seed).update(bytes(_length(nbytes)))


def expand_mask(seed: bytes, length: int, bits: int = 32) -> Words:
    """Expand a 256-bit seed into ``length`` pseudorandom words mod ``2**bits``, in a new array.

    Parameters
    ----------
    seed
        32 bytes, used as an AES-256 key.
    length
        Number of words.
    bits
        32 or 64.

    Returns
    -------
    numpy.ndarray
        A one-dimensional native ``uint32``/``uint64`` array.

    Raises
    ------
    ConfigError
        A seed that is not 32 bytes, a negative length, or unsupported bits.
    """
    dtype = word_dtype(bits)
    nbytes = _length(length) * dtype.itemsize
    out = np.empty(nbytes + _SPARE, dtype=np.uint8).data  # not zeroed: the cipher writes every byte
    encryptor = _encryptor(seed)
    for start in range(0, nbytes, CHUNK_BYTES):
        size = min(CHUNK_BYTES, nbytes - start)
        encryptor.update_into(_ZEROS[:size], out[start : start + size + _SPARE])
    return words_from_bytes(out[:nbytes], bits)


def add_masks(out: Words, plus: Sequence[bytes] = (), minus: Sequence[bytes] = ()) -> Words:
    """``out += sum PRG(plus) - sum PRG(minus) mod 2**bits``, in place, one cached piece at a time.

    Parameters
    ----------
    out
        A one-dimensional, contiguous, native ``uint32``/``uint64`` array; the words' width is the modulus.
    plus, minus
        32-byte seeds of the masks to add and to subtract.

    Returns
    -------
    numpy.ndarray
        ``out`` itself.

    Raises
    ------
    MaskedVectorError
        ``out`` is not such an array.
    ConfigError
        A seed that is not 32 bytes (checked before ``out`` is touched).

    Examples
    --------
    >>> import numpy as np
    >>> add_masks(np.arange(3, dtype=np.uint64), plus=[b"\\x01" * 32], minus=[b"\\x01" * 32]).tolist()
    [0, 1, 2]
    """
    if (
        not isinstance(out, np.ndarray)
        or out.dtype not in (np.dtype(np.uint32), np.dtype(np.uint64))
        or out.ndim != 1
        or not out.flags.c_contiguous
        or not out.flags.writeable
    ):
        raise MaskedVectorError("masks are added to a writable one-dimensional uint32 or uint64 array")
    steps = [(_encryptor(s), np.add) for s in plus] + [(_encryptor(s), np.subtract) for s in minus]
    itemsize = out.dtype.itemsize
    buffer = bytearray(CHUNK_BYTES + _SPARE)
    piece = words_from_bytes(memoryview(buffer)[:CHUNK_BYTES], itemsize * 8, copy=False)
    per_chunk = CHUNK_BYTES // itemsize
    for start in range(0, out.shape[0], per_chunk):
        stop = min(start + per_chunk, out.shape[0])
        target, words, zeros = out[start:stop], piece[: stop - start], _ZEROS[: (stop - start) * itemsize]
        for encryptor, op in steps:
            encryptor.update_into(zeros, buffer)
            op(target, words, out=target)
    return out


def words_from_bytes(data: Any, bits: int, copy: bool = True) -> Words:
    """Little-endian ``bits``-bit words of a bytes-like ``data`` as an array of native words.

    On little-endian hosts this is a view of ``data``; elsewhere a byte-swapped copy, unless ``copy`` is false
    (then a view with little-endian dtype, which numpy's arithmetic reads correctly).

    Examples
    --------
    >>> words_from_bytes(bytes([1, 0, 0, 0, 0, 1, 0, 0]), 32).tolist()
    [1, 256]
    """
    dtype = word_dtype(bits)
    words: Words = np.frombuffer(data, dtype=dtype.newbyteorder("<"))
    if sys.byteorder == "little":
        return words.view(dtype)
    return words.astype(dtype) if copy else words


def _encryptor(seed: bytes) -> CipherContext:
    key = check_bytes(seed, 32, "a mask seed")
    return Cipher(algorithms.AES(key), modes.CTR(_ZERO_BLOCK)).encryptor()


def _length(length: object) -> int:
    if type(length) is not int or length < 0:
        raise ConfigError(f"length must be a non-negative int, not {length!r}")
    return length


__all__ = [
    "CHUNK_BYTES",
    "SUPPORTED_BITS",
    "add_masks",
    "expand_mask",
    "keystream",
    "word_dtype",
    "words_from_bytes",
]
