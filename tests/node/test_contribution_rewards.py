"""Rewards follow contribution: an update that does not move the model where it went earns nothing."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from node_federation import Federation

from fedchain.chain.bindings.coordinator import Phase
from fedchain.fl.strategies import FedAvg
from fedchain.fl.typing import Config, NDArrays
from fedchain.incentives import ALIGNMENT_ONE
from fedchain.node import Aggregator, RoundDerivation, Verifier, read_round_record, run_rounds, verify_task


class FreeRider:
    """Sends the global model back untouched (claims its examples, trains nothing)."""

    def __init__(self, honest: object) -> None:
        self.honest = honest

    def __getattr__(self, name: str) -> object:
        return getattr(self.honest, name)

    def fit(self, parameters: NDArrays, config: Config) -> tuple[NDArrays, int, dict[str, float]]:
        return [np.array(p, copy=True) for p in parameters], 100, {}


class SignFlipper(FreeRider):
    """Trains, then sends the opposite step (a classic poisoning update)."""

    def fit(self, parameters: NDArrays, config: Config) -> tuple[NDArrays, int, dict[str, float]]:
        trained, n, metrics = self.honest.fit(parameters, config)  # type: ignore[attr-defined]
        flipped = [2 * np.asarray(p) - np.asarray(t) for p, t in zip(parameters, trained, strict=True)]
        return flipped, n, metrics


def test_free_rider_and_sign_flipper_are_included_but_unpaid(federation: Federation) -> None:
    f = federation
    f.clients[1] = FreeRider(f.clients[1])  # type: ignore[assignment]
    f.clients[2] = SignFlipper(f.clients[2])  # type: ignore[assignment]
    honest, rider, flipper = f.participants()
    log = run_rounds(f.aggregator(), [honest, rider, flipper], f.backend, rounds=1)
    assert log.finalized == [1]

    record = read_round_record(f.store, f.owner.coordinator.round(f.task, 1).metrics_hash)
    alignment = {i["member"]: i["alignmentPpm"] for i in record["included"]}
    paid = {m: int(a) for m, a in record["rewards"]}
    assert set(alignment) == {p.fc.address for p in (honest, rider, flipper)}  # nobody was excluded
    assert alignment[honest.fc.address] > 0
    assert alignment[rider.fc.address] == 0 and alignment[flipper.fc.address] == 0
    assert paid[rider.fc.address] == 0 and paid[flipper.fc.address] == 0
    assert paid[honest.fc.address] == int(record["rewardBudget"]) > 0  # the only contributor takes it all
    assert verify_task(f.owner, f.store, f.spec, FedAvg, f.task).ok


def test_an_aggregator_that_pays_a_free_rider_is_challenged(federation: Federation) -> None:
    """The split is a public function of the updates: a record paying by examples alone is caught."""

    class PaysEveryone(Aggregator):
        def derive(self, r: int) -> RoundDerivation:
            d = super().derive(r)
            return replace(d, included=tuple(replace(i, alignment=ALIGNMENT_ONE) for i in d.included))

    f = federation
    f.clients[1] = FreeRider(f.clients[1])  # type: ignore[assignment]
    aggregator, participants = f.aggregator(PaysEveryone), f.participants()
    aggregator.step()  # opens round 1
    votes: list[str] = []
    for _ in range(20):
        if f.owner.coordinator.round(f.task, 1).phase in (Phase.REJECTED, Phase.FINALIZED):
            break
        phase = f.owner.coordinator.round(f.task, 1).phase
        progressed = aggregator.step() if phase == Phase.AGGREGATE else []
        for p in participants:
            actions = p.step()
            votes += [a for a in actions if "challenged" in a or "attested" in a]
            progressed += actions
        if not progressed:
            f.backend.advance_time(f.owner.coordinator.task(f.task).durations.challenge + 1)
    problems = Verifier(f.owner, f.store, f.spec, FedAvg, f.task).check(1)
    assert any("alignments differ" in p for p in problems)
    assert any("contribution-weighted" in p for p in problems)
    assert len(votes) == 3 and all("challenged" in v for v in votes)
    aggregator.step()  # the challenge window closes: rejected, nothing registered
    assert f.owner.coordinator.round(f.task, 1).phase == Phase.REJECTED
    assert f.owner.models.version_count(f.task) == 1
