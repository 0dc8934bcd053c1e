"""PartitionStats: sizes, label histograms and total-variation skew."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from fedchain.data.partition import PartitionStats, iid
from fedchain.exceptions import ConfigError


def test_known_answer() -> None:
    labels = [0, 0, 0, 1, 1, 2]
    stats = PartitionStats.from_partitions(labels, [[0, 1, 2], [3, 4, 5]])
    assert stats.classes == (0, 1, 2)
    assert stats.label_counts == ((3, 0, 0), (0, 2, 1))
    assert stats.sizes == (3, 3)
    assert stats.global_distribution == pytest.approx((0.5, 1 / 3, 1 / 6))
    # partition 0 is all class 0: TV = 0.5 * (0.5 + 1/3 + 1/6) = 0.5; partition 1 is its mirror image
    assert stats.total_variation == pytest.approx((0.5, 0.5))
    assert stats.mean_total_variation == pytest.approx(0.5)


def test_iid_split_of_balanced_labels_has_low_skew() -> None:
    labels = np.arange(1000) % 4
    stats = PartitionStats.from_partitions(labels, iid(1000, 5, seed=0))
    assert stats.mean_total_variation < 0.1  # sampling noise only (200 samples per partition)


def test_identical_partitions_have_zero_skew() -> None:
    stats = PartitionStats.from_labels([[0, 1, 2], [2, 1, 0]])
    assert stats.total_variation == (0.0, 0.0)


def test_empty_partition_has_nan_distance_and_is_left_out_of_the_mean() -> None:
    stats = PartitionStats.from_partitions([0, 1], [[0, 1], []])
    assert stats.sizes == (2, 0)
    assert math.isnan(stats.total_variation[1])
    assert stats.mean_total_variation == 0.0
    assert stats.describe()["total_variation"] == [0.0, None]


def test_describe_is_json_ready() -> None:
    stats = PartitionStats.from_labels([["a", "b"], ["b", "b"]])
    summary = stats.describe()
    json.dumps(summary)
    assert summary["classes"] == ["a", "b"]
    assert summary["label_counts"] == [[1, 1], [0, 2]]
    assert summary["classes_present"] == [2, 1]


def test_indices_out_of_range_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"outside 0\.\.2"):
        PartitionStats.from_partitions([0, 1, 0], [[0, 3]])


def test_no_partitions_are_refused() -> None:
    with pytest.raises(ConfigError, match="no partitions"):
        PartitionStats.from_labels([])
