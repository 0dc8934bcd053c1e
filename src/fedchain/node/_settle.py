"""Charging a finished round's absentees and faults, with the on-chain evidence the coordinator checks.

A member that entered a round (advertised keys in SecAgg, committed otherwise) and skipped a step it was due
to take, or whose shares were excluded as provably bad in a round that stood, owes a slash; until someone
applies it the member may not enter another round (its evidence would be overwritten) nor leave. The
aggregator applies them (it receives half, the bounty) right after a round ends; anybody may, the member too.

Which members owe one is decided by the contract (``slashAbsent``, ``slashFault``); this module only picks the
candidates from the round's events and asks. A candidate without evidence is refused at gas estimation, before
anything is sent, so asking costs a call, not a transaction.
"""

from __future__ import annotations

from eth_typing import ChecksumAddress

from fedchain.chain.bindings.coordinator import ExclusionReason, Mode, Phase
from fedchain.chain.bindings.errors import (
    CoordinatorAlreadySlashed,
    CoordinatorNoEvidence,
    CoordinatorSlashPending,
)
from fedchain.chain.client import Fedchain
from fedchain.node._derive import round_events

_ACCEPTED = (Phase.FINALIZED, Phase.FAILED)
"""Rounds whose exclusions stood through the challenge window."""


def absentee_candidates(fc: Fedchain, task: int, r: int) -> list[ChecksumAddress]:
    """Members that entered round ``r`` and did not take its last step (unmask in SecAgg, reveal
    otherwise)."""
    secagg = fc.coordinator.round(task, r).mode == Mode.SEC_AGG
    entered = "KeysAdvertised" if secagg else "UpdateCommitted"
    finished = "SharesUnmasked" if secagg else "UpdateRevealed"
    done = {e.member for e in round_events(fc, finished, task, r)}
    return [e.member for e in round_events(fc, entered, task, r) if e.member not in done]


def fault_candidates(fc: Fedchain, task: int, r: int) -> list[ChecksumAddress]:
    """Members excluded in round ``r`` for dealing bad shares, if the round stood."""
    if fc.coordinator.round(task, r).phase not in _ACCEPTED:
        return []
    events = round_events(fc, "UpdateExcluded", task, r)
    return [e.member for e in events if e.reason == ExclusionReason.BAD_SHARES]


def slash_round(fc: Fedchain, task: int, r: int) -> list[str]:
    """Apply every slash round ``r`` owes; describe what was taken (nothing if no evidence)."""
    done: list[str] = []
    for member in absentee_candidates(fc, task, r):
        try:
            fc.coordinator.slash_absent(task, r, member)
        except (CoordinatorNoEvidence, CoordinatorAlreadySlashed, CoordinatorSlashPending):
            continue
        done.append(f"round {r}: slashed {member} for leaving the round early")
    for member in fault_candidates(fc, task, r):
        try:
            fc.coordinator.slash_fault(task, r, member)
        except (CoordinatorNoEvidence, CoordinatorAlreadySlashed):
            continue
        done.append(f"round {r}: slashed {member} for dealing shares that fail verification")
    return done


__all__ = ["absentee_candidates", "fault_candidates", "slash_round"]
