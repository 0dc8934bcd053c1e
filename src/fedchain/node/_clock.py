"""When the chain next changes on its own: the moment a waiting node (or a dev clock) has to reach."""

from __future__ import annotations

from fedchain.chain.client import TERMINAL_PHASES, Fedchain


def next_wakeup(fc: Fedchain, task: int) -> tuple[int, str] | None:
    """The timestamp at which the latest round of ``task`` moves on without anyone acting, and what ends then.

    An open phase ends at its deadline; an ended round's idle gap (the members' time to leave) ends at
    ``endedAt + durations.idle``, after which the next round may open. ``None`` before the first round.
    """
    r = fc.coordinator.current_round(task)
    if r == 0:
        return None
    rnd = fc.coordinator.round(task, r)
    if rnd.phase in TERMINAL_PHASES:
        return rnd.ended_at + fc.coordinator.task(task).durations.idle, "idle gap"
    return rnd.deadline, f"{rnd.phase.name.lower()} deadline"
