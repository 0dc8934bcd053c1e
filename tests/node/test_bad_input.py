"""Bad updates are excluded on-chain with the right reason and earn nothing; a tampered model is refused."""

from __future__ import annotations

import numpy as np
import pytest
from node_federation import Federation

from fedchain import codec
from fedchain.chain.bindings.coordinator import ExclusionReason, Phase
from fedchain.fl.strategies import FedAvg, Params
from fedchain.node import ModelIntegrityError, Participant, read_round_record, run_rounds, verify_task


class NaNUpdate(Participant):
    def encode_update(self, update: Params) -> bytes:
        blob = codec.encode(update, self.spec)  # canonical bytes; the last tensor's last float becomes NaN
        return blob[:-8] + np.float64(np.nan).tobytes()


class WrongShape(Participant):
    def encode_update(self, update: Params) -> bytes:
        return codec.encode({"coef": np.zeros((2, 30)), "intercept": np.zeros(2)})


class CorruptAfterReveal(Participant):
    def _reveal(self, r: int) -> str:
        done = super()._reveal(r)
        path = self.store.path_for(self.state.rounds()[str(r)]["update"]["locator"])  # type: ignore[attr-defined]
        path.write_bytes(path.read_bytes()[:-1] + b"\x00")
        return done


class DeleteAfterReveal(Participant):
    def _reveal(self, r: int) -> str:
        done = super()._reveal(r)
        self.store.path_for(self.state.rounds()[str(r)]["update"]["locator"]).unlink()  # type: ignore[attr-defined]
        return done


@pytest.mark.parametrize(
    ("cls", "reason"),
    [
        (CorruptAfterReveal, ExclusionReason.HASH_MISMATCH),
        (DeleteAfterReveal, ExclusionReason.MISSING_BLOB),
        (NaNUpdate, ExclusionReason.NON_FINITE),
        (WrongShape, ExclusionReason.BAD_SHAPE),
    ],
)
def test_bad_update_is_excluded_unrewarded_and_the_round_completes(
    federation: Federation, cls: type[Participant], reason: ExclusionReason
) -> None:
    f = federation
    bad = f.participant(0, cls)
    good = [f.participant(1), f.participant(2)]
    log = run_rounds(f.aggregator(), [bad, *good], f.backend, rounds=1)

    assert log.finalized == [1]
    coordinator = f.owner.coordinator
    excluded = coordinator.events("UpdateExcluded", from_block=f.owner.deployment.block)
    assert [(e.member, e.reason) for e in excluded] == [(bad.fc.address, reason)]
    assert coordinator.member_activity(f.task, bad.fc.address).excluded == 1
    record = read_round_record(f.store, coordinator.round(f.task, 1).metrics_hash)
    assert bad.fc.address not in [m for m, _ in record["rewards"]]
    assert not coordinator.is_claimed(f.task, 1, bad.fc.address)
    assert all(coordinator.is_claimed(f.task, 1, p.fc.address) for p in good)
    assert verify_task(f.owner, f.store, f.spec, FedAvg, f.task).ok


def test_tampered_global_model_is_refused_and_nothing_is_committed(federation: Federation) -> None:
    f = federation
    f.aggregator().step()
    head = f.owner.models.head(f.task)
    path = f.store.path_for(head.locator)
    path.write_bytes(path.read_bytes()[:-1] + b"\x01")
    p = f.participant(0)
    with pytest.raises(ModelIntegrityError):
        p.step()
    assert f.owner.coordinator.member_activity(f.task, p.fc.address).committed == 0
    assert f.owner.coordinator.round(f.task, 1).phase == Phase.COMMIT


def test_round_with_no_valid_update_ends_failed_and_the_aggregator_keeps_its_bond(
    federation: Federation,
) -> None:
    """Nothing to aggregate is not the aggregator's fault: it reports so, the verifiers agree, the round ends
    ``Failed`` with no model and no reward, and its bond returns (only a missing submission forfeits it)."""
    f = federation
    aggregator = f.aggregator()
    participants = [f.participant(i, DeleteAfterReveal) for i in range(3)]
    aggregator.step()
    for _ in range(2):
        for p in participants:
            p.step()
    actions = aggregator.step()
    assert sum("excluded" in a for a in actions) == 3
    assert actions[-1] == "round 1: submitted a failure report (no valid update)"
    votes = [a for p in participants for a in p.step()]
    assert all("attested" in v for v in votes), votes  # every member re-derives the same failure
    f.backend.advance_time(f.owner.coordinator.task(f.task).durations.challenge + 1)
    assert aggregator.step() == ["round 1: finalized -> failed"]
    assert f.owner.coordinator.round(f.task, 1).phase == Phase.FAILED
    assert f.owner.models.version_count(f.task) == 1
    task = f.owner.coordinator.task(f.task)
    assert aggregator.step() == ["round 2: opened"]
    assert f.owner.coordinator.task(f.task).bond_deposit == task.bond_deposit - task.aggregator_bond
    assert task.bond_deposit % task.aggregator_bond == 0  # round 1's bond came back in full
    assert all(not any("claim" in a for a in p.step()) for p in participants)  # failed: no reward
