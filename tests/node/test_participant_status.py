"""A member's on-chain status, explained: slashed absentees, pending slashes, suspension, a round budget.

Findings (issue 8): non-revealers were never slashed by any role (item 7); a restarted member whose slash was
pending printed ``CoordinatorSlashPending`` twice a second forever, and went quiet without saying why once
slashed (item 7); ``fedchain node run --rounds N`` committed in round N + 1 and exited, leaving its member a
non-revealer open to slashing (item 8).
"""

from __future__ import annotations

from pathlib import Path

from node_federation import STAKE, Federation, build_federation

from fedchain.chain import ChainBackend
from fedchain.chain.bindings.coordinator import Phase
from fedchain.node import Participant, run_rounds


class DropsAfterCommit(Participant):
    """Goes offline for good once it has committed (before revealing)."""

    def step(self) -> list[str]:
        r = self.fc.coordinator.current_round(self.task)
        if r and self.fc.coordinator.member_activity(self.task, self.fc.address).committed == r:
            return []
        return super().step()


def test_the_aggregator_slashes_a_non_revealer_and_its_node_says_why_it_stopped(
    federation: Federation,
) -> None:
    f = federation
    participants = [f.participant(0, DropsAfterCommit), f.participant(1), f.participant(2)]
    aggregator = f.aggregator()
    run_rounds(aggregator, participants, f.backend, rounds=1)
    actions = aggregator.step()  # the round is over: charge it, then open the next
    silent = participants[0].fc.address
    assert f"round 1: slashed {silent} for leaving the round early" in actions
    activity = f.owner.coordinator.member_activity(f.task, silent)
    assert activity.slashed_absent == 1 and activity.suspended  # half its stake: below the required stake
    assert f.owner.vault.stake_of(f.task, silent) == STAKE - STAKE // 2

    restarted = f.participant(0)  # its node comes back, from its state file
    said = restarted.step()
    assert any(line.startswith("stopped: suspended: a slash left its stake at") for line in said), said
    assert restarted.stopped is not None and restarted.finished
    assert restarted.step() == []  # said once; no transaction that would revert, no repeated error


def test_a_pending_slash_is_said_once_and_the_member_waits_until_it_is_applied(
    backend: ChainBackend, tmp_path: Path
) -> None:
    f = build_federation(backend, tmp_path, members=3)
    participants = [f.participant(0, DropsAfterCommit), f.participant(1), f.participant(2)]
    aggregator = f.aggregator()
    run_rounds(aggregator, participants, backend, rounds=1)
    # Nobody has applied the slash yet: round 2 opens without the aggregator charging round 1.
    settle, aggregator._settle = aggregator._settle, lambda r: []  # type: ignore[method-assign]
    assert aggregator.step() == ["round 2: opened"]
    comeback = f.participant(0)
    said = comeback.step()
    assert said == [
        "round 1: no reward",
        "waiting: a slash is pending (it left round 1 early); new rounds are closed to it until someone "
        "applies it (the aggregator does; anyone may)",
    ]
    assert comeback.step() == []  # once
    assert f.owner.coordinator.member_activity(f.task, comeback.fc.address).committed == 1  # not round 2
    aggregator._settle = settle  # type: ignore[method-assign]
    assert any("slashed" in a for a in aggregator._settle(1))
    assert f.owner.coordinator.pending_slash(f.task, comeback.fc.address) == (0, 0, 0)


def test_a_node_with_a_round_budget_never_enters_a_round_it_will_not_finish(federation: Federation) -> None:
    f = federation
    limited = f.participant(0)
    limited.budget = 1
    others = [f.participant(1), f.participant(2)]
    aggregator = f.aggregator()
    run_rounds(aggregator, [limited, *others], f.backend, rounds=2)
    coordinator = f.owner.coordinator
    assert coordinator.round(f.task, 2).phase == Phase.FINALIZED
    activity = coordinator.member_activity(f.task, limited.fc.address)
    assert activity.committed == 1 and activity.revealed == 1  # round 1 only, and finished
    assert coordinator.is_claimed(f.task, 1, limited.fc.address)
    assert limited.finished and limited.budget == 0
    assert coordinator.pending_slash(f.task, limited.fc.address) == (0, 0, 0)  # nothing left behind


def test_an_evicted_member_collects_its_stake_credit_and_stops(federation: Federation) -> None:
    """Issue 9 (pull payments): the owner's eviction credits the member's stake instead of transferring it (a
    member that cannot receive must not make the owner's transaction fail); the member's node collects it."""
    f = federation
    member = f.member_fcs[0]
    run_rounds(f.aggregator(), f.participants(), f.backend, rounds=1)
    member.consent.revoke_consent(f.owner.registry.member(f.task, member.address).consent_ref)
    f.owner.coordinator.evict(f.task, member.address)
    assert f.owner.vault.owed_to(member.address) == STAKE
    before = member.token.balance_of(member.address)
    assert "round 2: opened" in f.aggregator().step()
    said = f.participant(0).step()
    assert "stopped: no longer a member of the task (it left or was evicted)" in said
    assert f"withdrew {STAKE} owed to it by the vault (its stake, returned at eviction)" in said
    assert member.token.balance_of(member.address) == before + STAKE
    assert f.owner.vault.owed_to(member.address) == 0
