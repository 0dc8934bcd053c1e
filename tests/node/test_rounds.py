"""Three full rounds driven by the node roles: finalized, registered, claimed, learning, verified."""

from __future__ import annotations

from node_federation import Federation

from fedchain.chain.bindings.coordinator import Phase
from fedchain.fl.strategies import FedAdam, FedAvg
from fedchain.node import run_rounds, verify_task


def test_three_rounds_finalize_register_claim_and_verify(federation: Federation) -> None:
    f = federation
    participants = f.participants()
    log = run_rounds(f.aggregator(), participants, f.backend, rounds=3)

    assert log.finalized == [1, 2, 3]
    coordinator, models = f.owner.coordinator, f.owner.models
    assert [coordinator.round(f.task, r).phase for r in (1, 2, 3)] == [Phase.FINALIZED] * 3
    assert models.version_count(f.task) == 4
    for i in range(1, 4):
        version, parent = models.version(f.task, i), models.version(f.task, i - 1)
        assert version.parent_hash == parent.model_hash
        assert version.round == i
    for p in participants:
        assert all(coordinator.is_claimed(f.task, r, p.fc.address) for r in (1, 2, 3))
        assert f.owner.token.balance_of(p.fc.address) > 90 * 10**18  # 100 minted - 10 staked + rewards
    assert f.accuracy(3) > f.accuracy(0)
    assert f.accuracy(3) >= 0.9

    report = verify_task(f.owner, f.store, f.spec, FedAvg, f.task)
    assert report.ok, str(report)
    assert len(report.lines) == 4


def test_stateful_strategy_survives_aggregator_restarts_and_verifies(federation: Federation) -> None:
    f = federation
    f.strategy_factory = lambda: FedAdam(eta=0.05, beta_1=0.9, beta_2=0.99)
    participants = f.participants()
    for _ in range(2):  # a fresh aggregator process per round: the state comes from replaying the chain
        log = run_rounds(f.aggregator(), participants, f.backend, rounds=1)
        assert log.actions and all("challenged" not in a for _, a in log.actions)
    assert f.owner.models.version_count(f.task) == 3
    assert verify_task(f.owner, f.store, f.spec, f.strategy_factory, f.task).ok
    assert not verify_task(f.owner, f.store, f.spec, FedAvg, f.task).ok  # the strategy is a public input
