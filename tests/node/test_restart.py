"""Restart safety: a node rebuilt from its state file carries on without repeating a transaction."""

from __future__ import annotations

import pytest
from node_federation import CrashAfterCommit, Federation

from fedchain.chain.bindings.coordinator import Phase
from fedchain.node import run_rounds


def _sent(f: Federation, member: str, name: str) -> int:
    events = f.owner.coordinator.events(name, from_block=f.owner.deployment.block)
    return sum(
        1 for e in events if getattr(e, "member", None) == member or getattr(e, "account", None) == member
    )


def test_participant_rebuilt_after_commit_reveals_once(federation: Federation) -> None:
    f = federation
    aggregator = f.aggregator()
    aggregator.step()  # opens round 1
    crashing = f.participant(0, CrashAfterCommit)
    with pytest.raises(SystemExit):
        crashing.step()
    del crashing
    reborn = f.participant(0)  # same key, same state file
    assert f.owner.coordinator.member_activity(f.task, reborn.fc.address).committed == 1
    others = [f.participant(1), f.participant(2)]
    log = run_rounds(aggregator, [reborn, *others], f.backend, rounds=1)

    assert log.finalized == [1]
    me = reborn.fc.address
    assert _sent(f, me, "UpdateCommitted") == 1
    assert _sent(f, me, "UpdateRevealed") == 1
    assert f.owner.coordinator.is_claimed(f.task, 1, me)


def test_aggregator_rebuilt_after_submit_finalizes_once(federation: Federation) -> None:
    f = federation
    participants = f.participants()
    first = f.aggregator()
    first.step()  # open
    for _ in range(2):  # commit, then reveal
        for p in participants:
            p.step()
    assert f.owner.coordinator.round(f.task, 1).phase == Phase.AGGREGATE
    assert any("submitted" in a for a in first.step())
    del first

    reborn = f.aggregator()
    assert reborn.step() == []  # challenge window open: nothing to do, in particular no second submit
    log = run_rounds(reborn, participants, f.backend, rounds=1)
    assert log.finalized == [1]
    submitted = f.owner.coordinator.events("AggregateSubmitted", from_block=f.owner.deployment.block)
    assert len(submitted) == 1
    assert f.owner.models.version_count(f.task) == 2


def test_participant_rebuilt_reuses_saved_update_if_commit_never_landed(
    federation: Federation, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = federation
    f.aggregator().step()
    p = f.participant(0)
    saved_before = dict(p.state.rounds())
    assert saved_before == {}
    monkeypatch.setattr(p.fc.coordinator, "commit", _refuse)  # the commit transaction is lost
    with pytest.raises(ConnectionError):
        p.step()
    monkeypatch.undo()
    saved = f.participant(0).state.rounds()["1"]
    again = f.participant(0)
    again.step()
    assert again.state.rounds()["1"]["salt"] == saved["salt"]  # no retraining, same secret
    assert f.owner.coordinator.member_activity(f.task, again.fc.address).committed == 1


def _refuse(*args: object, **kwargs: object) -> None:
    raise ConnectionError("node lost its connection")
