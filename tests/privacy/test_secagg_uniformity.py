"""One masked vector alone looks uniform: a chi-square test over its 32-bit words, with an all-zero input."""

from __future__ import annotations

import numpy as np
import pytest
from secagg_world import World

from fedchain.privacy.secagg import QuantizationConfig, quantize

WORDS = 1 << 16  # 256 expected per bucket
# Quantiles of chi-square with 255 degrees of freedom: a two-sided test at significance 0.002.
CHI2_255_LOW, CHI2_255_HIGH = 190.867, 330.520


def chi_square(buckets: np.ndarray) -> float:
    counts = np.bincount(buckets, minlength=256).astype(np.float64)
    expected = buckets.size / 256
    return float(((counts - expected) ** 2 / expected).sum())


def test_the_critical_values_are_those_of_chi_square_255() -> None:
    stats = pytest.importorskip("scipy.stats")
    assert stats.chi2.ppf(0.001, 255) == pytest.approx(CHI2_255_LOW, abs=1e-3)
    assert stats.chi2.ppf(0.999, 255) == pytest.approx(CHI2_255_HIGH, abs=1e-3)


@pytest.fixture(scope="module")
def masked_zeros() -> np.ndarray:
    world = World.create([1, 2, 3, 4, 5], salt=7)
    return world.mask(3, np.zeros(WORDS, dtype=np.uint32), [1, 2, 3, 4, 5])


@pytest.mark.parametrize("shift", [24, 16, 8, 0], ids=["top byte", "byte 2", "byte 1", "low byte"])
def test_a_masked_all_zero_vector_is_indistinguishable_from_uniform(
    masked_zeros: np.ndarray, shift: int
) -> None:
    buckets = ((masked_zeros >> np.uint32(shift)) & np.uint32(0xFF)).astype(np.int64)
    assert CHI2_255_LOW < chi_square(buckets) < CHI2_255_HIGH


def test_the_test_has_power_an_unmasked_vector_fails_it() -> None:
    cfg = QuantizationConfig(value_bits=16, max_weight=1)
    rng = np.random.default_rng(0)
    plain = quantize(rng.normal(0, 0.1, WORDS - 1), 1, rng, n_members=5, config=cfg)
    buckets = (plain >> np.uint32(24)).astype(np.int64)
    assert chi_square(buckets) > CHI2_255_HIGH
