"""Compiled kernels behind :mod:`fedchain.fl.fixedpoint`: the same integers, in one pass over memory.

Not public. Each kernel computes exactly what the NumPy code in :mod:`fedchain.fl.fixedpoint` defines (the
tests compare them on random and edge inputs); only the order of the work differs, which integer arithmetic
cannot see. Compiled with Numba, without ``fastmath``: every floating-point operation is the IEEE-754 one
written, under the default rounding mode (round to nearest, ties to even), as NumPy's are.

:func:`weighted_int_sum` computes ``S = sum_i n_i * round_half_even(x_i * 2**f)`` and every ``max |x_i|``
in one read of the inputs: the output is cut into blocks small enough to stay in the CPU cache, and each
block takes its share of every update, four updates per sweep, before the next block. Per element:

* **Quick path.** For ``|x| < 2**(30-f)``, ``t = x + 1.5 * 2**(52-f)`` lies in a binade of float64 whose
  spacing is ``2**-f``, so this one addition rounds ``x`` to a multiple of ``2**-f``, half to even, exactly
  as ``rint(x * 2**f) * 2**-f`` does, and the low 32 bits of ``t``'s encoding are that integer in two's
  complement. Multiplied by a weight below ``2**31`` it is a 32 x 32 -> 64-bit product, which CPUs vectorize.
* **Exact path.** A block of an update whose largest ``|x|`` is too large for that (read in the same sweep),
  or whose weight is at least ``2**31``, is corrected right after: its quick terms are subtracted again and
  ``n_i * int64(rint(x * 2**f))`` is added, the NumPy formula itself.

The accumulator adds modulo ``2**64`` (unsigned arithmetic, whose wrap-around is defined), so the result is
the exact ``S`` whenever ``S`` fits in int64, which the caller proves from the returned maxima before using
it; otherwise the caller discards it. A block holding a non-finite value, or one of ``2**63`` quanta or more,
is left uncorrected: the caller refuses such an input from its maximum. Disjoint ranges of the output run
on separate threads (the kernels release the GIL); integer sums do not depend on that split.

:func:`mean_to_float` rounds ``S / N`` half to even from a float64 estimate of the quotient, corrected by the
exact integer remainder, and converts it back to floats in the same pass. It declines (the NumPy code then
runs) for a quotient of about ``2**49`` or more, where the estimate could be off by more than one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any, Final, TypeVar, cast

import numba
import numpy as np
from numba import types
from numba.extending import intrinsic, overload
from numba.np.numpy_support import as_dtype, carray  # carray is numba.carray

from fedchain.codec._types import NDArray

_F = TypeVar("_F", bound=Callable[..., Any])

_LANES: Final = 4
"""Updates per sweep over a block: four input streams share one read and write of the accumulator."""

_BLOCK: Final = 8192
"""Elements per block: the block of the accumulator (64 KiB) and of four updates stay in the L2 cache."""

_PARALLEL_WORK: Final = 1 << 21
"""Fewest ``elements x updates`` worth splitting across threads (below, thread hand-off costs more)."""

_MAX_THREADS: Final = 4
"""At most this many threads: memory bandwidth, not arithmetic, limits the kernel beyond a few cores."""


def _jit(function: _F) -> _F:
    """Compile at first call, caching the machine code on disk (else, with no writable cache, in memory)."""
    try:
        return cast(_F, numba.njit(cache=True, nogil=True)(function))
    except RuntimeError:  # Numba found no writable cache location: compile at first call in every process
        return cast(_F, numba.njit(nogil=True)(function))


@intrinsic
def _pointer(typingctx: Any, address: Any, like: Any) -> Any:
    """A pointer to ``address`` typed as the elements of the array ``like`` (inputs arrive as addresses)."""
    signature = types.CPointer(like.dtype)(address, like)  # type: ignore[no-untyped-call]

    def codegen(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        return builder.inttoptr(args[0], context.get_value_type(sig.return_type))

    return signature, codegen


@numba.njit(inline="always")
def _block(address: int, like: NDArray, size: int, start: int, stop: int) -> NDArray:
    return carray(_pointer(address, like), (size,))[start:stop]  # type: ignore[call-arg]


def _magnitude(bits: int, mask: int) -> int:
    """``bits & mask``, the bits of ``|x|``, in the type of ``bits`` (Numba would widen int32 to int64)."""
    return bits & mask


@overload(_magnitude, inline="always")
def _magnitude_in_its_width(bits: Any, mask: Any) -> Callable[[Any, Any], Any]:
    narrow = as_dtype(bits).type  # int32 for float32 inputs: eight lanes per vector instead of four

    def implementation(bits: Any, mask: Any) -> Any:  # Numba wants the stub's parameters, annotations too
        return narrow(bits & mask)

    return implementation


@numba.njit(inline="always")
def _quick(value: float, shifter: float) -> np.int64:
    # One rounding, half to even, to a multiple of 2**-f; its low 32 bits, sign-extended, are the integer.
    t = np.float64(np.float64(value) + shifter)
    return np.int64(np.int32(t.view(np.int64)))


@numba.njit(inline="always")
def _correct(
    acc: NDArray,
    x: NDArray,
    peak: int,
    weight: int,
    quick_weight: int,
    limits: NDArray,
    scale: float,
    shifter: float,
) -> None:
    """Replace the block's quick terms by exact ones, if the quick path did not apply to all of it."""
    if peak < limits[1] and quick_weight == weight:
        return
    if peak >= limits[2]:  # non-finite, or beyond 2**63 quanta: the caller refuses the input
        return
    for j in range(acc.size):
        exact = np.uint64(weight) * np.uint64(np.int64(np.rint(np.float64(x[j]) * scale)))
        acc[j] += exact - np.uint64(quick_weight * _quick(x[j], shifter))


@_jit
def _sum_blocks(
    addresses: NDArray,
    weights: NDArray,
    quick_weights: NDArray,
    acc: NDArray,
    peaks: NDArray,
    like: NDArray,
    limits: NDArray,
    scale: float,
    shifter: float,
    start: int,
    stop: int,
) -> None:
    """Add ``sum_i weights[i] * q_i`` to ``acc[start:stop]`` mod 2**64; raise ``peaks[i]`` to max |x_i| bits.

    ``addresses`` holds a multiple of four inputs, ``quick_weights[i]`` is ``weights[i]`` if below ``2**31``
    else 0, ``like`` is any array of the inputs' dtype, ``limits = [mask, quick, exact]`` (in the integer
    type of the inputs' width) are the bit patterns of the largest magnitude, ``2**(30-f)`` and ``2**(63-f)``.
    """
    size, mask = acc.size, limits[0]
    for b0 in range(start, stop, _BLOCK):
        b1 = min(b0 + _BLOCK, stop)
        a = acc[b0:b1]
        for i in range(0, addresses.size, _LANES):
            x0 = _block(addresses[i], like, size, b0, b1)
            x1 = _block(addresses[i + 1], like, size, b0, b1)
            x2 = _block(addresses[i + 2], like, size, b0, b1)
            x3 = _block(addresses[i + 3], like, size, b0, b1)
            # The same memory read as integers: for finite floats, |x| orders as its bits without the sign.
            u0 = _block(addresses[i], limits, size, b0, b1)
            u1 = _block(addresses[i + 1], limits, size, b0, b1)
            u2 = _block(addresses[i + 2], limits, size, b0, b1)
            u3 = _block(addresses[i + 3], limits, size, b0, b1)
            w0, w1 = np.int64(quick_weights[i]), np.int64(quick_weights[i + 1])
            w2, w3 = np.int64(quick_weights[i + 2]), np.int64(quick_weights[i + 3])
            m0 = m1 = m2 = m3 = _magnitude(mask, 0)
            for j in range(a.size):
                m0 = max(m0, _magnitude(u0[j], mask))
                m1 = max(m1, _magnitude(u1[j], mask))
                m2 = max(m2, _magnitude(u2[j], mask))
                m3 = max(m3, _magnitude(u3[j], mask))
                # Each product is below 2**62 in magnitude; the sum is taken modulo 2**64.
                a[j] += (
                    np.uint64(w0 * _quick(x0[j], shifter))
                    + np.uint64(w1 * _quick(x1[j], shifter))
                    + np.uint64(w2 * _quick(x2[j], shifter))
                    + np.uint64(w3 * _quick(x3[j], shifter))
                )
            _correct(a, x0, m0, weights[i], quick_weights[i], limits, scale, shifter)
            _correct(a, x1, m1, weights[i + 1], quick_weights[i + 1], limits, scale, shifter)
            _correct(a, x2, m2, weights[i + 2], quick_weights[i + 2], limits, scale, shifter)
            _correct(a, x3, m3, weights[i + 3], quick_weights[i + 3], limits, scale, shifter)
            peaks[i] = max(peaks[i], m0)
            peaks[i + 1] = max(peaks[i + 1], m1)
            peaks[i + 2] = max(peaks[i + 2], m2)
            peaks[i + 3] = max(peaks[i + 3], m3)


@_jit
def _mean_blocks(sums: NDArray, total: int, unscale: float, out: NDArray) -> bool:
    """``out = round_half_even(sums / total) * unscale``, or False (``out`` partial) if a quotient is large.

    With ``|sums / total| < 2**49`` the float64 quotient is within 1 of the real one, so its floor is off by
    at most one, which the exact integer remainder corrects; the rounded quotient is then below ``2**53`` in
    magnitude, so converting it to float64 is exact.
    """
    divisor, small = np.float64(total), True
    for j in range(sums.size):
        s = sums[j]
        approx = np.float64(s) / divisor
        fits = bool(abs(approx) < 2.0**49)
        small &= fits
        q = np.int64(np.floor(approx if fits else 0.0))
        r = np.int64(np.uint64(s) - np.uint64(q) * np.uint64(total))  # exact: the true value is in (-2N, 2N)
        # Branch-free (the signs of r are random): bring r into [0, N), then round half to even.
        step = np.int64(r >= total) - np.int64(r < 0)
        q += step
        r -= step * total
        twice = 2 * r  # < 2N <= 2**63
        q += np.int64(twice > total) | (np.int64(twice == total) & q & 1)
        out[j] = np.float64(q) * unscale
    return small


def weighted_int_sum(
    arrays: Sequence[NDArray], weights: Sequence[int], frac_bits: int
) -> tuple[NDArray, NDArray]:
    """``sum_i weights[i] * round_half_even(arrays[i] * 2**frac_bits)`` mod 2**64, and each ``max |x_i|``.

    Parameters
    ----------
    arrays
        Float16/32/64 arrays of one shape and dtype (best C-contiguous in native byte order: else copied).
    weights
        One int in ``[0, 2**62]`` per array.
    frac_bits
        Fractional bits, in ``[0, 62]``.

    Returns
    -------
    tuple[numpy.ndarray, numpy.ndarray]
        The int64 sums in the arrays' shape (exact when the exact sum fits int64), and the float64 maxima
        ``max |x_i|`` (0 for empty arrays; Inf or NaN for an array holding a non-finite value).
    """
    shape, size, count = arrays[0].shape, arrays[0].size, len(arrays)
    sums = np.zeros(shape, dtype=np.int64)
    if size == 0:
        return sums, np.zeros(count)
    if arrays[0].dtype == np.float16:  # Numba has no float16 on CPUs; float16 -> float32 is exact
        arrays = [a.astype(np.float32) for a in arrays]
    inputs = [_readable(a) for a in arrays]  # referenced until the kernel returns
    padded = -count % _LANES  # pad with weight-0 repeats of the first input: already in cache, adds nothing
    addresses = np.array([_address(a) for a in inputs] + [_address(inputs[0])] * padded, dtype=np.intp)
    weight_array = np.array(list(weights) + [0] * padded, dtype=np.int64)
    quick_weights = np.where(weight_array < 2**31, weight_array, 0).astype(np.int32)
    like = np.empty(0, dtype=inputs[0].dtype)  # one compiled variant per dtype, whatever the inputs' flags
    bits = np.dtype(np.int32) if like.dtype == np.float32 else np.dtype(np.int64)
    magnitudes = np.array([2.0 ** (30 - frac_bits), 2.0 ** (63 - frac_bits)], dtype=like.dtype)
    limits = np.concatenate([[np.iinfo(bits).max], magnitudes.view(bits)]).astype(bits)
    scale, shifter = 2.0**frac_bits, 1.5 * 2.0 ** (52 - frac_bits)
    acc = sums.reshape(-1).view(np.uint64)  # the same memory: sums is C-contiguous
    ranges = _split(size, count + padded)
    peaks = np.zeros((len(ranges), count + padded), dtype=bits)
    jobs = [
        (addresses, weight_array, quick_weights, acc, peaks[k], like, limits, scale, shifter, start, stop)
        for k, (start, stop) in enumerate(ranges)
    ]
    if len(jobs) == 1:
        _sum_blocks(*jobs[0])
    else:  # threads made per call: no pool to share between callers or to break across fork()
        with ThreadPoolExecutor(max_workers=len(jobs) - 1, thread_name_prefix="fedchain-sum") as pool:
            futures = [pool.submit(_sum_blocks, *job) for job in jobs[1:]]
            _sum_blocks(*jobs[0])
            for future in futures:
                future.result()
    maxima = peaks.max(axis=0)[:count].view(like.dtype).astype(np.float64)
    return sums, maxima


def mean_to_float(sums: NDArray, total: int, frac_bits: int, dtype: np.dtype[Any]) -> NDArray | None:
    """``round_half_even(sums / total) * 2**-frac_bits`` in ``dtype``, for int64 sums and total in [1, 2**62].

    None, leaving the case to the NumPy code, if some ``|sums / total|`` is not below about ``2**49``.
    """
    flat = np.ravel(sums)  # a view if C-contiguous, else a copy
    out = np.empty(flat.size, dtype=np.float64 if dtype == np.float16 else dtype)
    if not _mean_blocks(flat, total, 2.0**-frac_bits, out):
        return None
    return np.asarray(out.astype(dtype, copy=False).reshape(sums.shape), dtype=dtype)


def _readable(array: NDArray) -> NDArray:
    """The array itself if the kernel can read it through its bare address, else such a copy."""
    flags = array.flags
    if flags.c_contiguous and flags.aligned and array.dtype.isnative:
        return array
    return np.array(array, dtype=array.dtype.newbyteorder("="), order="C")  # a fresh array is aligned


def _address(array: NDArray) -> int:
    return int(array.__array_interface__["data"][0])


def _split(size: int, count: int) -> list[tuple[int, int]]:
    """Cut ``range(size)`` into one block-aligned range per thread, or a single range for small work."""
    threads = min(_MAX_THREADS, _cpus(), -(-size // _BLOCK))
    if threads <= 1 or size * count < _PARALLEL_WORK:
        return [(0, size)]
    per_thread = -(-size // threads // _BLOCK) * _BLOCK
    return [(start, min(start + per_thread, size)) for start in range(0, size, per_thread)]


@cache
def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may run on (Linux)
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1
