"""A wrong aggregate is caught by the participants' re-derivation: they challenge, the round is rejected."""

from __future__ import annotations

import dataclasses

from node_federation import Federation

from fedchain import codec
from fedchain.chain.bindings.coordinator import Aggregate, Phase
from fedchain.fl.strategies import FedAvg
from fedchain.node import Aggregator, RoundDerivation, Verifier


class Perturbing(Aggregator):
    """Submits the correct aggregate plus a small perturbation, with an otherwise consistent record."""

    def build_aggregate(self, derivation: RoundDerivation) -> Aggregate:
        assert derivation.model is not None
        model = {name: array + 0.25 for name, array in derivation.model.items()}
        wrong = dataclasses.replace(derivation, model=model, model_bytes=codec.encode(model, self.spec))
        return super().build_aggregate(wrong)


def test_wrong_aggregate_is_challenged_and_rejected(federation: Federation) -> None:
    f = federation
    aggregator = f.aggregator(Perturbing)
    participants = f.participants()
    votes: list[str] = []
    for _ in range(20):
        if f.owner.coordinator.current_round(f.task) and f.owner.coordinator.round(f.task, 1).phase in (
            Phase.REJECTED,
            Phase.FINALIZED,
        ):
            break
        progressed = aggregator.step() if f.owner.coordinator.current_round(f.task) == 0 else []
        if f.owner.coordinator.round(f.task, 1).phase in (Phase.AGGREGATE, Phase.CHALLENGE):
            progressed += aggregator.step()
        for p in participants:
            actions = p.step()
            votes += [a for a in actions if "challenged" in a or "attested" in a]
            progressed += actions
        if not progressed:
            f.backend.advance_time(f.owner.coordinator.task(f.task).durations.challenge + 1)

    rnd = f.owner.coordinator.round(f.task, 1)
    assert rnd.phase == Phase.REJECTED
    assert len(votes) == 3 and all("challenged" in v for v in votes)
    assert rnd.challenge_count == 3 and rnd.attest_count == 0
    assert f.owner.models.version_count(f.task) == 1  # nothing appended
    assert Verifier(f.owner, f.store, f.spec, FedAvg, f.task).check(1)[0].startswith("the submitted model")
