"""Hostile inputs never crash a node nor stall a round: each is an exclusion with a reason, or a failure
report.

Finding (issue 8, item 5): an update of huge finite values or a huge example count made the aggregator raise
``FixedPointOverflowError`` at every restart, and the round stayed in its aggregate phase forever.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from node_federation import Federation, build_federation

from fedchain import codec
from fedchain.chain import ChainBackend
from fedchain.chain.bindings.coordinator import ExclusionReason, Phase, UpdateRevealedEvent
from fedchain.chain.bindings.errors import CoordinatorExamplesOutOfRange
from fedchain.fl.strategies import FedAvg, Params
from fedchain.node import (
    NodeError,
    Participant,
    _derive,
    _secagg_member,
    read_round_record,
    run_rounds,
    verify_task,
)
from fedchain.storage import MemoryStore
from fedchain.taskspec import DEFAULT_MAX_ABS_VALUE, SecAggSpec, UpdateBounds


class HugeValues(Participant):
    """Finite but enormous: float32's largest value in every parameter (the review used 1e300 in float64)."""

    def encode_update(self, update: Params) -> bytes:
        return codec.encode(
            {k: np.full_like(v, np.finfo(np.float32).max) for k, v in update.items()}, self.spec
        )


class BeyondTheBound(Participant):
    """In fixed point's range, far beyond the task spec's bound: it would steer FedAvg by its size alone."""

    def encode_update(self, update: Params) -> bytes:
        return codec.encode({k: np.full_like(v, 1e11) for k, v in update.items()}, self.spec)


def _with_examples(count: int) -> type[Participant]:
    """Commits to ``count`` examples, whatever the task's cap (the coordinator refuses the reveal)."""

    class Claims(Participant):
        refused: CoordinatorExamplesOutOfRange | None = None

        def _weight(self) -> int:
            return count

        def step(self) -> list[str]:
            return [] if self.refused else super().step()  # refused once, it gives up

        def _reveal(self, r: int) -> str:
            try:
                return super()._reveal(r)
            except CoordinatorExamplesOutOfRange as exc:
                self.refused = exc
                return f"round {r}: reveal refused"

    return Claims


def test_huge_values_and_example_counts_are_excluded_and_the_round_finalizes(
    backend: ChainBackend, tmp_path: Path
) -> None:
    f = build_federation(backend, tmp_path, members=6)
    hostile: list[type[Participant]] = [
        HugeValues, BeyondTheBound, _with_examples(10**21), _with_examples(0)
    ]  # fmt: skip
    participants = [f.participant(i, cls) for i, cls in enumerate(hostile)]
    participants += [f.participant(i) for i in range(len(hostile), 6)]
    log = run_rounds(f.aggregator(), participants, backend, rounds=1)
    assert log.finalized == [1]
    rnd = f.owner.coordinator.round(f.task, 1)
    record = read_round_record(f.store, rnd.metrics_hash)
    assert {(e["member"], e["reason"]) for e in record["excluded"]} == {
        (p.fc.address, ExclusionReason.OUT_OF_RANGE.name) for p in participants[:2]
    }
    # Example counts are committed and capped on-chain: a count beyond the cap (or 0) cannot be revealed.
    assert rnd.revealers == 4
    for p in participants[2:4]:
        assert f.owner.coordinator.member_activity(f.task, p.fc.address).revealed == 0
        assert getattr(p, "refused") is not None  # noqa: B009 (the class is built per count)
    assert {i["member"] for i in record["included"]} == {p.fc.address for p in participants[4:]}
    assert f.accuracy(1) > f.accuracy(0)  # the honest update moved the model, the hostile ones did not
    assert verify_task(f.owner, f.store, f.spec, FedAvg, f.task).ok


def test_a_secagg_member_with_a_garbage_weight_makes_a_failure_report_not_a_crash(
    backend: ChainBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside its masked vector only the sum is revealed: a garbage weight is not attributable (a stated
    limit,
    docs/threat-model.md), but it must end the round cleanly: a failure report every verifier re-derives."""
    f = build_federation(backend, tmp_path, members=5, secagg=SecAggSpec())
    real_quantize, real_masked_update = _secagg_member.quantize, _secagg_member._masked_update
    cheater = f.member_fcs[0].address
    masking: dict[str, str] = {}  # who is masking right now

    def masked_update(p: Participant, *args: Any) -> bytes:
        masking["member"] = p.fc.address
        return real_masked_update(p, *args)

    def quantize(delta: Any, weight: int, rng: Any, **kw: Any) -> np.ndarray:
        vector = real_quantize(delta, weight, rng, **kw)
        if masking["member"] == cheater:
            vector[-1] = np.iinfo(vector.dtype).max // 2  # a total weight far beyond n * max_weight
        return vector

    monkeypatch.setattr(_secagg_member, "_masked_update", masked_update)
    monkeypatch.setattr(_secagg_member, "quantize", quantize)
    with pytest.raises(NodeError):  # no round can finalize: every one fails the same way
        run_rounds(f.aggregator(), f.participants(), backend, rounds=1, max_sweeps=10)
    failed = f.owner.coordinator.round(f.task, 1)
    assert failed.phase == Phase.FAILED
    report = read_round_record(f.store, failed.metrics_hash)
    assert report["failure"].startswith("the unmasked sum is not a weighted update")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    blob=st.one_of(st.binary(max_size=300), st.just(b"")),
    num_examples=st.integers(min_value=0, max_value=2**256 - 1),
)
def test_any_revealed_blob_and_example_count_is_an_update_or_a_reason(
    federation: Federation, blob: bytes, num_examples: int
) -> None:
    """The classification every node runs on a revealed update never raises, whatever another member sent."""
    store = MemoryStore()
    ref = store.put(blob)
    event = UpdateRevealedEvent(
        task=1, round=1, member=federation.member_fcs[0].address, update_hash=ref.sha256,
        num_examples=num_examples, locator=ref.locator, reveal_digest=bytes(32), block_number=1,
        transaction_hash=bytes(32), log_index=0,
    )  # fmt: skip
    arrays, reason = _derive.load_update(store, federation.spec, event, UpdateBounds())
    assert (arrays is None) != (reason is None)
    if arrays is not None:
        assert 1 <= num_examples <= UpdateBounds().max_examples
        assert all(float(np.max(np.abs(a))) <= DEFAULT_MAX_ABS_VALUE for a in arrays.values() if a.size)
