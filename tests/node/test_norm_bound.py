"""An update far from the round's base model is excluded (``NormBound``) by every node, whatever its values.

Finding (issue 9): an update of in-range but huge values (``1e11`` with a raised ``maxAbsValue``, or ``base +
1e5``, below the default ``maxAbsValue``) passed every check, was attested by everyone, took the whole
reward by its alignment with the step it caused, and poisoned the model (0.90 -> 0.17 accuracy). The task
spec's ``maxUpdateNorm`` bounds ``||x_i - base||_2``, decided bit-exactly in fixed point
(:mod:`fedchain.fl.update_norm`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from node_federation import Federation, build_federation

from fedchain import codec
from fedchain.chain import ChainBackend
from fedchain.chain.bindings.coordinator import ExclusionReason, Phase, UpdateRevealedEvent
from fedchain.fl.fixedpoint import DEFAULT_CONFIG
from fedchain.fl.strategies import FedAvg, Params
from fedchain.node import Participant, _derive, read_round_record, run_rounds, verify_task
from fedchain.node._derive import record_rewards
from fedchain.storage import MemoryStore
from fedchain.taskspec import DEFAULT_MAX_ABS_VALUE, UpdateBounds

MEMBERS = 5
ATTACKER = 0


class Shifted(Participant):
    """Its honest update plus 1e5 in every parameter: in range (below ``maxAbsValue`` 1e6), 5.6e5 away."""

    def encode_update(self, update: Params) -> bytes:
        return codec.encode({k: v + 1e5 for k, v in update.items()}, self.spec)


class Huge(Participant):
    """1e11 in every parameter: in range once ``maxAbsValue`` is raised past it (and in fixed point's)."""

    def encode_update(self, update: Params) -> bytes:
        return codec.encode({k: np.full_like(v, 1e11) for k, v in update.items()}, self.spec)


def _attacked(
    backend: ChainBackend, tmp: Path, attacker: type[Participant], bounds: UpdateBounds
) -> tuple[Federation, dict[str, Any]]:
    """One round of ``MEMBERS`` hospitals, member ``ATTACKER`` playing ``attacker``; the round record."""
    f = build_federation(backend, tmp, members=MEMBERS, bounds=bounds)
    participants = [f.participant(i, attacker if i == ATTACKER else Participant) for i in range(MEMBERS)]
    log = run_rounds(f.aggregator(), participants, backend, rounds=1)
    assert log.finalized == [1]
    record = read_round_record(f.store, f.owner.coordinator.round(f.task, 1).metrics_hash)
    return f, record


@pytest.fixture(scope="module")
def honest_only(backend: ChainBackend, tmp_path_factory: pytest.TempPathFactory) -> Federation:
    """The same federation where the attacker's seat sends nothing: the model the honest members make."""
    f = build_federation(backend, tmp_path_factory.mktemp("honest"), members=MEMBERS)
    participants = [f.participant(i) for i in range(MEMBERS) if i != ATTACKER]
    assert run_rounds(f.aggregator(), participants, backend, rounds=1).finalized == [1]
    return f


@pytest.mark.parametrize(
    ("attacker", "bounds"),
    [(Shifted, UpdateBounds()), (Huge, UpdateBounds(max_abs_value=1e12))],
    ids=["base+1e5", "1e11"],
)
def test_an_update_beyond_the_norm_bound_is_excluded_unpaid_and_the_model_unpoisoned(
    backend: ChainBackend,
    tmp_path: Path,
    honest_only: Federation,
    attacker: type[Participant],
    bounds: UpdateBounds,
) -> None:
    assert (
        bounds.max_abs_value >= DEFAULT_MAX_ABS_VALUE
    )  # the values are in range: only the norm refuses them
    f, record = _attacked(backend, tmp_path, attacker, bounds)
    cheat = f.member_fcs[ATTACKER].address
    assert record["excluded"] == [{"member": cheat, "reason": ExclusionReason.NORM_BOUND.name}]
    assert cheat not in {i["member"] for i in record["included"]}
    paid = dict(record_rewards(record))
    assert paid.get(cheat, 0) == 0 and sum(paid.values()) > 0
    # The honest members' model, bit for bit: the excluded update left no trace.
    assert (
        f.owner.models.version(f.task, 1).model_hash
        == honest_only.owner.models.version(honest_only.task, 1).model_hash
    )
    assert f.accuracy(1) == honest_only.accuracy(1) > 0.85
    assert verify_task(f.owner, f.store, f.spec, FedAvg, f.task).ok


@pytest.mark.parametrize(
    ("attacker", "max_abs_value"), [(Shifted, DEFAULT_MAX_ABS_VALUE), (Huge, 1e12)], ids=["base+1e5", "1e11"]
)
def test_without_a_norm_bound_the_same_update_poisons_the_model_and_takes_the_reward(
    backend: ChainBackend,
    tmp_path: Path,
    honest_only: Federation,
    attacker: type[Participant],
    max_abs_value: float,
) -> None:
    """The regression evidence: a bound too large to bind (1e300) lets the attack through, as before."""
    bounds = UpdateBounds(max_abs_value=max_abs_value, max_update_norm=1e300)
    f, record = _attacked(backend, tmp_path, attacker, bounds)
    cheat = f.member_fcs[ATTACKER].address
    assert record["excluded"] == []
    assert f.owner.coordinator.round(f.task, 1).phase == Phase.FINALIZED  # attested by everyone
    paid = dict(record_rewards(record))
    assert paid[cheat] > 0.9 * sum(paid.values())  # it dominates the step, so it takes the reward
    assert f.accuracy(1) < honest_only.accuracy(1) - 0.3
    assert verify_task(f.owner, f.store, f.spec, FedAvg, f.task).ok


def test_load_update_checks_the_range_first_then_the_norm(federation: Federation) -> None:
    """The classification every node runs: shape, finiteness and range first, then the distance to base."""
    spec, store = federation.spec, MemoryStore()
    base = {t.name: np.full(t.shape, 0.5, t.dtype) for t in spec.tensors}
    size = sum(int(np.prod(t.shape)) for t in spec.tensors)
    step = 10.0 / np.sqrt(size)  # every parameter moved by the same amount: distance 10, up to rounding

    def classify(update: Params, bounds: UpdateBounds, with_base: bool = True) -> ExclusionReason | None:
        ref = store.put(codec.encode(update, spec))
        event = UpdateRevealedEvent(
            task=1, round=1, member=federation.member_fcs[0].address, update_hash=ref.sha256, num_examples=5,
            locator=ref.locator, reveal_digest=bytes(32), block_number=1, transaction_hash=bytes(32),
            log_index=0,
        )  # fmt: skip
        arrays, reason = _derive.load_update(
            store, spec, event, bounds, base if with_base else None, DEFAULT_CONFIG
        )
        assert (arrays is None) != (reason is None)
        return reason

    def moved(by: float) -> Params:
        return {k: v + by for k, v in base.items()}

    assert classify(moved(step * 0.999), UpdateBounds()) is None
    assert classify(moved(step * 1.001), UpdateBounds()) == ExclusionReason.NORM_BOUND
    assert classify(moved(step * 1.001), UpdateBounds(max_update_norm=10.1)) is None
    assert classify(moved(step * 1.001), UpdateBounds(), with_base=False) is None  # no base: no norm test
    assert classify(moved(2e6), UpdateBounds()) == ExclusionReason.OUT_OF_RANGE  # range before norm
    # maxAbsValue above fixed point's range (2**39 at 24 bits): a value beyond fixed point is still OutOfRange
    assert classify(moved(1e12), UpdateBounds(max_abs_value=1e13)) == ExclusionReason.OUT_OF_RANGE
    assert classify(moved(1e11), UpdateBounds(max_abs_value=1e13)) == ExclusionReason.NORM_BOUND
