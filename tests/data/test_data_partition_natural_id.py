"""natural_id: one partition per distinct id, in sorted id order."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedchain.data.partition import NaturalIdPartitioner, natural_id
from fedchain.exceptions import ConfigError


@settings(max_examples=150, deadline=None)
@given(ids=st.lists(st.integers(-3, 20), min_size=1, max_size=200))
def test_groups_by_id_in_sorted_order(ids: list[int], assert_exact_cover: Callable[..., None]) -> None:
    parts = natural_id(ids)
    assert_exact_cover(parts, len(ids))
    values = np.asarray(ids)
    distinct = sorted(set(ids))
    assert len(parts) == len(distinct)
    for value, part in zip(distinct, parts, strict=True):
        assert np.all(values[part] == value)
        assert len(part) == ids.count(value)


def test_string_ids() -> None:
    parts = natural_id(["bank-b", "bank-a", "bank-b", "bank-c", "bank-a"])
    assert [p.tolist() for p in parts] == [[1, 4], [0, 2], [3]]


def test_object_matches_function(same: Callable[..., bool]) -> None:
    ids = [3, 1, 3, 2, 2, 1]
    assert same(NaturalIdPartitioner().partition(ids), natural_id(ids))


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        ([], "ids must not be empty"),
        ([[1], [2]], "ids must be one-dimensional"),
        ([1.0, float("nan")], "NaN"),
    ],
)
def test_bad_ids_raise_config_error(ids: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        natural_id(ids)  # type: ignore[arg-type]


def test_object_ids_are_refused() -> None:
    with pytest.raises(ConfigError, match="must hold numbers or strings"):
        natural_id(np.array([object(), object()]))
