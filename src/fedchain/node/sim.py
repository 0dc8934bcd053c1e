"""An in-process driver: step an aggregator and its participants until some rounds are finalized."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fedchain.chain import ChainBackend
from fedchain.chain.bindings.coordinator import Phase
from fedchain.node._clock import next_wakeup
from fedchain.node.aggregator import Aggregator
from fedchain.node.errors import NodeError
from fedchain.node.participant import Participant

DEFAULT_MAX_SWEEPS = 200
"""Sweeps (every node stepped once) before :func:`run_rounds` gives up."""


@dataclass
class SimLog:
    """What happened: ``(node label, action)`` in order, and the finalized round numbers."""

    actions: list[tuple[str, str]] = field(default_factory=list)
    finalized: list[int] = field(default_factory=list)
    time_advances: int = 0


def _finalized(aggregator: Aggregator) -> list[int]:
    """The task's finalized rounds. A settled round never changes (``fc.facts``), so each call reads only the
    rounds not yet seen settled: in practice the latest one."""
    fc, task = aggregator.fc, aggregator.task
    current = fc.coordinator.current_round(task)
    finalized: list[int] = []
    for r in range(1, current + 1):
        phase = fc.facts.settled_phase(task, r)
        if phase is None:
            phase = fc.coordinator.round(task, r).phase
            fc.facts.note_phase(task, r, phase, latest=r == current)
        if phase == Phase.FINALIZED:
            finalized.append(r)
    return finalized


def run_rounds(
    aggregator: Aggregator,
    participants: Sequence[Participant],
    backend: ChainBackend,
    rounds: int,
    *,
    max_sweeps: int = DEFAULT_MAX_SWEEPS,
    on_action: Callable[[str, str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SimLog:
    """Step every node round-robin until ``rounds`` more rounds are finalized and the participants are idle.

    When a whole sweep changes nothing, the chain clock moves past the current phase's deadline, or past the
    idle gap after an ended round (``backend.advance_time``) on dev chains; on any other chain it waits in
    real time until then (``sleep``, replaceable in tests). Once the target is reached the aggregator opens
    no new round. ``on_action(label, action)`` is called as each action happens (live progress).

    Raises
    ------
    NodeError
        If the rounds do not complete within ``max_sweeps`` sweeps.
    """
    log = SimLog()
    target = len(_finalized(aggregator)) + rounds
    for _ in range(max_sweeps):
        reached = len(_finalized(aggregator)) >= target
        progressed = False
        nodes: list[tuple[str, Aggregator | Participant]] = [] if reached else [("aggregator", aggregator)]
        nodes += [(f"participant {i}", p) for i, p in enumerate(participants)]
        for label, node in nodes:
            actions = node.step()
            log.actions.extend((label, a) for a in actions)
            if on_action is not None:
                for action in actions:
                    on_action(label, action)
            progressed = progressed or bool(actions)
        if reached and not progressed:
            log.finalized = _finalized(aggregator)
            return log
        if not progressed:
            wakeup = next_wakeup(aggregator.fc, aggregator.task)
            deadline = wakeup[0] if wakeup else 0
            if backend.dev:
                now = int(backend.w3.eth.get_block("latest")["timestamp"])
                backend.advance_time(max(1, deadline - now + 1))
            else:  # a real clock: wait for it (an idle chain's last block may be old, so use the wall clock)
                sleep(min(max(0.5, deadline + 1 - time.time()), 60.0))
            log.time_advances += 1
    raise NodeError(f"{rounds} rounds did not finalize within {max_sweeps} sweeps")
