"""The nodes' read savings: a step reads each chain value once, and only immutable facts outlive a step.

Counts are taken on the shared transactor (view calls) and on the bindings (event scans), so every test also
checks that the cached answers equal fresh reads.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from node_federation import Federation

from fedchain.chain.bindings.coordinator import Phase
from fedchain.chain.bindings.errors import CoordinatorUnknownTask
from fedchain.chain.client import ChainFacts, Fedchain
from fedchain.node import Aggregator, run_rounds
from fedchain.node._derive import revealed_events, round_events, round_start_block
from fedchain.node.sim import _finalized


def _count_views(fc: Fedchain, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count the view calls that reach the chain, by function name (every view of ``fc`` shares its
    transactor)."""
    calls: Counter[str] = Counter()
    real = fc.tx.call

    def call(fn: Any, **kwargs: Any) -> Any:
        calls[fn.fn_name] += 1
        return real(fn, **kwargs)

    monkeypatch.setattr(fc.tx, "call", call)
    return calls


def _count_blocks(fc: Fedchain, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    fetched: list[Any] = []
    real = fc.w3.eth.get_block

    def get_block(block: Any, *args: Any, **kwargs: Any) -> Any:
        fetched.append(block)
        return real(block, *args, **kwargs)

    monkeypatch.setattr(fc.w3.eth, "get_block", get_block)
    return fetched


def _fresh(fc: Fedchain) -> Fedchain:
    """A view of the same deployment with nothing learned yet (its own facts)."""
    return Fedchain(fc.w3, fc.deployment, fc.tx, fc.signer, fc.role)


def _to_challenge(f: Federation) -> Aggregator:
    """Open round 1, commit, reveal and submit: the round is in its challenge window."""
    aggregator, participants = f.aggregator(), f.participants()
    aggregator.step()
    for _ in range(2):
        for p in participants:
            p.step()
    assert f.owner.coordinator.round(f.task, 1).phase == Phase.AGGREGATE
    aggregator.step()
    assert f.owner.coordinator.round(f.task, 1).phase == Phase.CHALLENGE
    return aggregator


def test_round_start_block_matches_a_linear_scan_and_is_searched_once(
    federation: Federation, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = federation
    run_rounds(f.aggregator(), f.participants(), f.backend, rounds=1)
    w3, first = f.owner.w3, f.owner.deployment.block
    head = int(w3.eth.block_number)
    stamps = {n: int(w3.eth.get_block(n)["timestamp"]) for n in range(first, head + 1)}

    def scan(opened_at: int) -> int:
        return next((n for n in range(first, head + 1) if stamps[n] >= opened_at), head)

    fc = _fresh(f.owner)
    targets = sorted({t + d for t in stamps.values() for d in (-1, 0, 1)})
    for opened_at in [*targets[::3], *targets[1::3], *targets[2::3]]:  # the cache fills out of order
        assert round_start_block(fc, opened_at) == scan(opened_at), opened_at
    fetched = _count_blocks(fc, monkeypatch)
    opened = f.owner.coordinator.round(f.task, 1).opened_at
    assert round_start_block(fc, opened) == scan(opened)
    assert fetched == []  # remembered
    beyond = stamps[head] + 1_000
    assert round_start_block(fc, beyond) == head  # no block that late yet: the head, not remembered
    assert fc.facts.start_block(beyond) is None


def test_read_scope_reads_a_value_once_until_a_transaction(
    federation: Federation, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = federation
    fc, other = f.member_fcs[0], f.member_fcs[1]
    calls = _count_views(fc, monkeypatch)
    with fc.read_scope():
        assert fc.coordinator.current_round(f.task) == fc.coordinator.current_round(f.task) == 0
        fc.coordinator.task(f.task)
        with fc.read_scope():  # nested: the same memo
            fc.coordinator.task(f.task)
        assert calls == {"currentRound": 1, "task": 1}
        other.coordinator.task(f.task)  # another node's view is not in this scope
        assert calls["task"] == 2
        for _ in range(2):
            with pytest.raises(CoordinatorUnknownTask):
                fc.coordinator.task(f.task + 99)  # a revert is not remembered
        assert calls["task"] == 4
        fc.token.approve(fc.vault.address, 1)  # a transaction of this view empties the memo
        fc.coordinator.current_round(f.task)
        assert calls["currentRound"] == 2
    fc.coordinator.current_round(f.task)
    fc.coordinator.current_round(f.task)
    assert calls["currentRound"] == 4  # outside a scope every call reads
    with pytest.raises(RuntimeError), fc.read_scope():
        fc.coordinator.current_round(f.task)
        raise RuntimeError
    fc.coordinator.current_round(f.task)
    assert calls["currentRound"] == 6  # the scope ended with the exception


def test_round_events_are_kept_once_the_round_is_submitted_and_not_before(
    federation: Federation, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = federation
    aggregator, participants = f.aggregator(), f.participants()
    aggregator.step()
    for _ in range(2):
        for p in participants:
            p.step()
    fc = _fresh(f.owner)
    scans: Counter[str] = Counter()
    real = fc.coordinator.events

    def events(name: str, *args: Any, **kwargs: Any) -> list[Any]:
        scans[name] += 1
        return real(name, *args, **kwargs)

    monkeypatch.setattr(fc.coordinator, "events", events)
    everything = [e for e in f.owner.coordinator.events("UpdateRevealed", from_block=0) if e.round == 1]
    assert len(everything) == len(participants)
    assert revealed_events(fc, f.task, 1) == revealed_events(fc, f.task, 1) == everything
    assert scans["UpdateRevealed"] == 2  # the aggregate phase: read every time
    aggregator.step()  # submitted: the challenge window
    assert revealed_events(fc, f.task, 1) == everything
    assert revealed_events(fc, f.task, 1) == everything
    for _ in range(2):
        assert round_events(fc, "UpdateExcluded", f.task, 1) == []
    assert scans == {"UpdateRevealed": 3, "UpdateExcluded": 1}
    for p in participants:
        p.step()  # votes: events of the challenge window are never final
    assert len(round_events(fc, "AggregateAttested", f.task, 1)) == len(participants)
    assert len(round_events(fc, "AggregateAttested", f.task, 1)) == len(participants)
    assert scans["AggregateAttested"] == 2


def test_finalized_reads_each_settled_round_once(
    federation: Federation, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = federation
    run_rounds(f.aggregator(), f.participants(), f.backend, rounds=2)
    watcher = Aggregator(
        _fresh(f.aggregator_fc), f.store, f.strategy_factory(), f.spec, f.task, f.tmp / "watcher.json"
    )
    calls = _count_views(watcher.fc, monkeypatch)
    assert _finalized(watcher) == [1, 2]
    assert calls == {"currentRound": 1, "round": 2}
    assert _finalized(watcher) == [1, 2]
    assert calls == {"currentRound": 2, "round": 2}  # settled rounds are not read again
    watcher.step()  # opens round 3
    calls.clear()
    assert _finalized(watcher) == [1, 2]
    assert _finalized(watcher) == [1, 2]
    assert calls == {"currentRound": 2, "round": 2}  # the live round is read every time


def test_participant_step_reads_each_value_once(
    federation: Federation, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = federation
    aggregator = _to_challenge(f)
    p = f.participant(0)
    calls = _count_views(p.fc, monkeypatch)
    assert any("attested" in a for a in p.step())
    # One read each of the live round (settling, stepping and re-deriving share it) and of the task.
    assert calls["round"] == 1 and calls["task"] == 1 and calls["memberActivity"] == 1
    for other in f.participants()[1:]:
        other.step()
    f.backend.advance_time(f.owner.coordinator.task(f.task).durations.challenge + 1)
    assert aggregator.step() == ["round 1: finalized -> finalized"]
    assert any("claimed" in a for a in p.step())
    calls.clear()
    assert p.step() == []  # settled round, claimed: only the round number is read
    assert calls == {"currentRound": 1}


def test_facts_keep_only_phases_that_cannot_change() -> None:
    facts = ChainFacts(size=2)
    facts.note_phase(1, 1, Phase.ABORTED, latest=True)  # may be a view's simulation of a deadline
    facts.note_phase(1, 2, Phase.CHALLENGE, latest=False)
    assert facts.settled_phase(1, 1) is None and facts.settled_phase(1, 2) is None
    facts.note_phase(1, 1, Phase.ABORTED, latest=False)
    facts.note_phase(1, 3, Phase.FINALIZED, latest=True)
    facts.note_phase(1, 4, Phase.REJECTED, latest=True)
    assert [facts.settled_phase(1, r) for r in (1, 3, 4)] == [Phase.ABORTED, Phase.FINALIZED, Phase.REJECTED]
    for opened_at in range(3):
        facts.set_start_block(opened_at, 10 + opened_at)
    assert facts.start_block(0) is None and facts.start_block(2) == 12  # a bounded LRU
    assert facts.start_block_bounds(5) == (12, None) and facts.start_block_bounds(1) == (11, 11)
