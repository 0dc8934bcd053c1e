"""Contribution scores: alignment with the aggregate step, integer-exact, and the floored split."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fedchain.exceptions import ConfigError
from fedchain.incentives import ALIGNMENT_ONE, alignments, contribution_weights, split_by_weight

finite = st.floats(-1e3, 1e3, allow_nan=False, width=32)
vectors = arrays(np.float32, st.integers(1, 64), elements=finite)


def _models(delta: np.ndarray, base: np.ndarray) -> dict[str, np.ndarray]:
    return {"w": (base + delta).astype(np.float32)}


def test_known_answers() -> None:
    base = {"w": np.zeros(4, np.float32), "b": np.zeros(1, np.float32)}
    step = {"w": np.array([1, 0, 0, 0], np.float32), "b": np.zeros(1, np.float32)}
    updates = [
        {"w": np.array([3, 0, 0, 0], np.float32), "b": np.zeros(1, np.float32)},  # parallel: 1
        {"w": np.array([1, 1, 0, 0], np.float32), "b": np.zeros(1, np.float32)},  # 45 degrees: 1/sqrt(2)
        {"w": np.array([1, 1, 1, 0], np.float32), "b": np.ones(1, np.float32)},  # 60 degrees
        base,  # a free-rider sends the base back
        {"w": np.array([-1, 0, 0, 0], np.float32), "b": np.zeros(1, np.float32)},  # opposed
    ]
    assert alignments(base, updates, step) == [ALIGNMENT_ONE, 707_106, 500_000, 0, 0]


def test_no_movement_scores_zero_for_everyone() -> None:
    base = {"w": np.ones(3, np.float32)}
    assert alignments(base, [{"w": np.zeros(3, np.float32)}], base) == [0]


@settings(max_examples=150, deadline=None)
@given(vectors, st.data())
def test_alignment_is_bounded_and_one_for_the_step_itself(delta: np.ndarray, data: st.DataObject) -> None:
    base = data.draw(arrays(np.float32, delta.shape, elements=finite))
    step = _models(delta, base)
    other = _models(data.draw(arrays(np.float32, delta.shape, elements=finite)), base)
    [self_score, other_score] = alignments({"w": base}, [step, other], step)
    assert 0 <= other_score <= ALIGNMENT_ONE
    moved = np.any(step["w"].astype(np.float64) != base.astype(np.float64))
    assert self_score == (ALIGNMENT_ONE if moved else 0)


@settings(max_examples=100, deadline=None)
@given(vectors, st.data())
def test_scores_do_not_depend_on_the_order_of_updates(step: np.ndarray, data: st.DataObject) -> None:
    base = {"w": np.zeros_like(step)}
    ups = [{"w": data.draw(arrays(np.float32, step.shape, elements=finite))} for _ in range(4)]
    perm = data.draw(st.permutations(range(4)))
    forward = alignments(base, ups, {"w": step})
    shuffled = alignments(base, [ups[i] for i in perm], {"w": step})
    assert shuffled == [forward[i] for i in perm]


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**24), st.lists(st.integers(0, 10**12), min_size=1, max_size=20))
def test_split_never_exceeds_the_budget_and_is_monotone(budget: int, weights: list[int]) -> None:
    amounts = split_by_weight(budget, weights)
    assert sum(amounts) <= budget
    assert all(a >= 0 for a in amounts)
    if sum(weights):
        assert budget - sum(amounts) < len(weights)  # flooring loses less than one unit per member
    for wa, aa in zip(weights, amounts, strict=True):
        for wb, ab in zip(weights, amounts, strict=True):
            assert wa > wb or aa <= ab


def test_weights_are_examples_times_alignment() -> None:
    assert contribution_weights([10, 20, 30], [ALIGNMENT_ONE, 0, 500_000]) == [10**7, 0, 15 * 10**6]


@pytest.mark.parametrize(
    "call",
    [
        lambda: contribution_weights([1, 2], [1]),
        lambda: contribution_weights([-1], [1]),
        lambda: split_by_weight(-1, [1]),
        lambda: split_by_weight(1, [-1]),
        lambda: alignments({"w": np.zeros(2)}, [{"v": np.zeros(2)}], {"w": np.zeros(2)}),
    ],
)
def test_bad_input_is_a_config_error(call: object) -> None:
    with pytest.raises(ConfigError):
        call()  # type: ignore[operator]
