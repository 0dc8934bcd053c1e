// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {ICoordinator} from "../interfaces/ICoordinator.sol";
import {IStakeVault} from "../interfaces/IStakeVault.sol";
import {CoordinatorStorage as S} from "./CoordinatorStorage.sol";
import {RoundMath} from "../libraries/RoundMath.sol";

/// @title RoundEngine
/// @notice The coordinator's shared internals over its storage: the phase machine (lazy deadlines), the draw of
/// a round's randomness, pending-slash evidence and the settlement of the aggregator's bond. Internal functions
/// only: they are compiled into the `Coordinator` and into each logic library that uses them.
library RoundEngine {
    // ================================================================== tasks

    /// @dev The task, or `CoordinatorUnknownTask`.
    function task(S.Layout storage self, uint256 taskId) internal view returns (S.TaskStore storage t) {
        if (taskId == 0 || taskId > self.taskCount) revert ICoordinator.CoordinatorUnknownTask(taskId);
        return self.tasks[taskId];
    }

    // ================================================================== phases

    /// @dev Moves round `r` forward if its auto-closing phase expired (one step: the next phase's deadline is in
    /// the future) and returns the resulting phase.
    function sync(S.Layout storage self, uint256 taskId, uint256 r, S.RoundStore storage rd)
        internal
        returns (ICoordinator.Phase phase)
    {
        S.RoundState storage s = rd.s;
        phase = s.phase;
        if (RoundMath.isAutoClosing(phase) && block.timestamp >= s.deadline) phase = close(self, taskId, r, rd);
    }

    /// @dev Syncs and requires `expected`.
    function requirePhase(
        S.Layout storage self,
        uint256 taskId,
        uint256 r,
        S.RoundStore storage rd,
        ICoordinator.Phase expected
    ) internal {
        ICoordinator.Phase phase = sync(self, taskId, r, rd);
        if (phase != expected) revert ICoordinator.CoordinatorWrongPhase(taskId, r, expected, phase);
    }

    /// @dev Counts one actor of the current phase and closes it when everyone eligible has acted.
    function acted(S.Layout storage self, uint256 taskId, uint256 r, S.RoundStore storage rd) internal {
        S.RoundState storage s = rd.s;
        uint32 count = s.acted + 1;
        s.acted = count;
        if (count >= s.eligible) close(self, taskId, r, rd);
    }

    /// @dev Closes the current phase and starts the next one (or aborts). Closing the advertise phase fixes the
    /// block whose hash seeds the neighbour graph.
    function close(S.Layout storage self, uint256 taskId, uint256 r, S.RoundStore storage rd)
        internal
        returns (ICoordinator.Phase next)
    {
        S.RoundState storage s = rd.s;
        ICoordinator.Phase current = s.phase;
        uint256 count = s.acted;
        uint256 deadline;
        uint256 eligible;
        (next, deadline, eligible) = transition(self, taskId, current, s.mode, count);
        if (current == ICoordinator.Phase.Reveal) s.revealers = uint32(count);
        if (current == ICoordinator.Phase.AdvertiseKeys) rd.graphBlock = uint40(block.number);
        setPhase(taskId, r, rd, next, deadline, eligible);
    }

    /// @dev The phase after `current` closes with `count` actors, its deadline and its eligible count.
    function transition(
        S.Layout storage self,
        uint256 taskId,
        ICoordinator.Phase current,
        ICoordinator.Mode mode,
        uint256 count
    ) internal view returns (ICoordinator.Phase next, uint256 deadline, uint256 eligible) {
        uint32[9] storage timing = self.tasks[taskId].timing;
        (next, eligible) = RoundMath.nextPhase(current, mode, count, timing[0]);
        deadline = next == ICoordinator.Phase.Aborted ? 0 : block.timestamp + timing[uint8(next)];
    }

    /// @dev Enters `next`: a non-terminal phase becomes the round's `reached`; a terminal one records when the
    /// round ended (an expired deadline's time if the round died of it, else now).
    function setPhase(
        uint256 taskId,
        uint256 r,
        S.RoundStore storage rd,
        ICoordinator.Phase next,
        uint256 deadline,
        uint256 eligible
    ) internal {
        S.RoundState storage s = rd.s;
        if (RoundMath.isIdle(next)) {
            uint256 expired = s.deadline;
            rd.endedAt = uint40(expired != 0 && expired < block.timestamp ? expired : block.timestamp);
        } else {
            s.reached = next;
        }
        s.phase = next;
        s.deadline = uint40(deadline);
        s.eligible = uint32(eligible);
        s.acted = 0;
        emit ICoordinator.PhaseAdvanced(taskId, r, next, deadline, eligible);
    }

    /// @dev What `sync` would produce now, without writing: the round's hot state and when it ended.
    function simulate(S.Layout storage self, uint256 taskId, S.RoundStore storage rd)
        internal
        view
        returns (S.RoundState memory s, uint256 endedAt)
    {
        s = rd.s;
        endedAt = rd.endedAt;
        if (RoundMath.isAutoClosing(s.phase) && block.timestamp >= s.deadline) {
            (ICoordinator.Phase next, uint256 deadline, uint256 eligible) =
                transition(self, taskId, s.phase, s.mode, s.acted);
            if (s.phase == ICoordinator.Phase.Reveal) s.revealers = s.acted;
            if (RoundMath.isIdle(next)) endedAt = s.deadline;
            else s.reached = next;
            s.deadline = uint40(deadline);
            s.phase = next;
            s.eligible = uint32(eligible);
            s.acted = 0;
        }
    }

    /// @dev Requires that the task's latest round (after syncing) is terminal, or that there is none.
    function requireIdle(S.Layout storage self, uint256 taskId, uint256 r) internal {
        if (r == 0) return;
        if (!RoundMath.isIdle(sync(self, taskId, r, self.rounds[taskId][r]))) {
            revert ICoordinator.CoordinatorRoundInProgress(taskId, r);
        }
    }

    // ================================================================== randomness

    /// @dev The round's cohort seed, drawn from the hash of the block in which it opened (stored the first time).
    function drawSeed(uint256 taskId, uint256 r, S.RoundStore storage rd) internal returns (bytes32 seed) {
        seed = rd.seed;
        if (seed != S.SENTINEL) return seed;
        seed = RoundMath.seed(_blockHash(taskId, r, rd.openBlock), taskId, r);
        rd.seed = seed;
        emit ICoordinator.SeedDrawn(taskId, r, seed);
    }

    /// @dev [SecAgg] The round's graph seed, drawn from the hash of the block in which the advertise phase closed.
    function drawGraphSeed(uint256 taskId, uint256 r, S.RoundStore storage rd) internal returns (bytes32 seed) {
        seed = rd.graphSeed;
        if (seed != S.SENTINEL) return seed;
        seed = RoundMath.graphSeed(_blockHash(taskId, r, rd.graphBlock), drawSeed(taskId, r, rd));
        rd.graphSeed = seed;
        emit ICoordinator.GraphSeedDrawn(taskId, r, seed);
    }

    /// @dev The cohort seed if stored or drawable now, else zero.
    function seedView(uint256 taskId, uint256 r, S.RoundStore storage rd) internal view returns (bytes32 seed) {
        seed = rd.seed;
        if (seed == S.SENTINEL) seed = _drawable(rd.openBlock, taskId, r);
    }

    /// @dev The graph seed if stored or drawable now, else zero.
    function graphSeedView(uint256 taskId, uint256 r, S.RoundStore storage rd) internal view returns (bytes32 seed) {
        seed = rd.graphSeed;
        if (seed != S.SENTINEL) return seed;
        bytes32 cohortSeed = seedView(taskId, r, rd);
        uint256 b = rd.graphBlock;
        if (cohortSeed == 0 || b == 0 || block.number <= b) return 0;
        bytes32 h = blockhash(b);
        return h == 0 ? bytes32(0) : RoundMath.graphSeed(h, cohortSeed);
    }

    function _blockHash(uint256 taskId, uint256 r, uint256 b) private view returns (bytes32 h) {
        if (b == 0 || block.number <= b) revert ICoordinator.CoordinatorSeedPending(taskId, r);
        h = blockhash(b);
        if (h == 0) revert ICoordinator.CoordinatorSeedExpired(taskId, r);
    }

    function _drawable(uint256 b, uint256 taskId, uint256 r) private view returns (bytes32) {
        if (b == 0 || block.number <= b) return 0;
        bytes32 h = blockhash(b);
        return h == 0 ? bytes32(0) : RoundMath.seed(h, taskId, r);
    }

    // ================================================================== evidence of pending slashes

    /// @dev Whether a vote on side `votedChallenge` lost in a round that ended in `phase`.
    function lost(ICoordinator.Phase phase, bool votedChallenge) internal pure returns (bool) {
        return phase == ICoordinator.Phase.Finalized || phase == ICoordinator.Phase.Failed
            ? votedChallenge
            : (phase == ICoordinator.Phase.Rejected && !votedChallenge);
    }

    /// @dev The round the member entered last (advertised keys in SecAgg, committed otherwise) if it ended with a
    /// step the member skipped, unslashed; and that step (see `ICoordinator.slashAbsent`). Only the last entry
    /// can be one: entering again is refused while it is pending. With `live` (views), a latest round whose
    /// deadline expired counts as ended, as `advance` would make it; transactions sync the round first.
    function pendingAbsence(
        S.Layout storage self,
        uint256 taskId,
        ICoordinator.Mode mode,
        S.Activity storage a,
        S.Votes storage v,
        bool live
    ) internal view returns (uint256 r, ICoordinator.Phase skipped) {
        bool secagg = mode == ICoordinator.Mode.SecAgg;
        uint32 e = secagg ? a.advertised : a.committed;
        if (e == 0 || e == v.slashedAbsent) return (0, ICoordinator.Phase.None);
        S.RoundStore storage rd = self.rounds[taskId][e];
        ICoordinator.Phase phase = rd.s.phase;
        ICoordinator.Phase reached = rd.s.reached;
        if (live && e == self.tasks[taskId].roundCount) {
            (S.RoundState memory now_,) = simulate(self, taskId, rd);
            (phase, reached) = (now_.phase, now_.reached);
        }
        if (!RoundMath.isIdle(phase)) return (0, ICoordinator.Phase.None);
        // The first step of the round the member was due to take and did not, in a phase the round reached.
        if (secagg && a.shared != e) skipped = ICoordinator.Phase.ShareKeys;
        else if (secagg && a.committed != e) return (0, ICoordinator.Phase.None); // sharing, not committing: free
        else if (a.revealed != e) skipped = ICoordinator.Phase.Reveal;
        else if (secagg && a.unmasked != e) skipped = ICoordinator.Phase.Unmask;
        if (skipped == ICoordinator.Phase.None || reached < skipped) return (0, ICoordinator.Phase.None);
        r = e;
    }

    /// @dev Round of an unslashed lost vote (0 if none). Only the last vote can be one: voting again is refused
    /// while it is pending.
    function pendingDispute(S.Layout storage self, uint256 taskId, S.Votes storage v) internal view returns (uint256) {
        uint32 rv = v.voted;
        if (rv == 0 || rv == v.slashedDispute) return 0;
        return lost(self.rounds[taskId][rv].s.phase, v.votedChallenge) ? rv : 0;
    }

    /// @dev Round of an unslashed fault exclusion that stood (the round ended `Finalized` or `Failed`), 0 if
    /// none. Only the last exclusion can be one: entering a round again is refused while it is pending.
    function pendingFault(S.Layout storage self, uint256 taskId, S.Activity storage a, S.Votes storage v)
        internal
        view
        returns (uint256)
    {
        uint32 rx = a.excluded;
        if (rx == 0 || rx == v.slashedFault || a.excludedReason != ICoordinator.ExclusionReason.BadShares) return 0;
        ICoordinator.Phase phase = self.rounds[taskId][rx].s.phase;
        return phase == ICoordinator.Phase.Finalized || phase == ICoordinator.Phase.Failed ? rx : 0;
    }

    /// @dev Refuses entering a round (advertise in SecAgg, commit otherwise) while an absence or a fault of the
    /// member is unslashed: the evidence markers would be overwritten.
    function requireMayEnter(
        S.Layout storage self,
        uint256 taskId,
        ICoordinator.Mode mode,
        address member,
        S.Activity storage a
    ) internal view {
        // Fast path (steady state): the last round entered was completed and nothing was excluded.
        bool complete = mode == ICoordinator.Mode.SecAgg ? a.advertised == a.unmasked : a.committed == a.revealed;
        if (complete && a.excluded == 0) return;
        S.Votes storage v = self.votes[taskId][member];
        (uint256 pending,) = pendingAbsence(self, taskId, mode, a, v, false);
        if (pending == 0) pending = pendingFault(self, taskId, a, v);
        if (pending != 0) revert ICoordinator.CoordinatorSlashPending(taskId, member, pending);
    }

    /// @dev Refuses leaving or eviction while any slash of the member is pending.
    function requireNoPendingSlash(S.Layout storage self, uint256 taskId, address member, S.Activity storage a)
        internal
        view
    {
        S.Votes storage v = self.votes[taskId][member];
        (uint256 pending,) = pendingAbsence(self, taskId, self.tasks[taskId].mode, a, v, false);
        if (pending == 0) pending = pendingDispute(self, taskId, v);
        if (pending == 0) pending = pendingFault(self, taskId, a, v);
        if (pending != 0) revert ICoordinator.CoordinatorSlashPending(taskId, member, pending);
    }

    // ================================================================== the aggregator's bond

    /// @dev Settles the bond locked in round `r` (terminal, synced): forfeited to the pool if the aggregate was
    /// rejected or none came before the aggregate deadline, else returned to the aggregator's deposit.
    function settleBond(S.Layout storage self, IStakeVault vault, uint256 taskId, uint256 r) internal {
        S.RoundStore storage rd = self.rounds[taskId][r];
        uint256 bond = rd.bond;
        if (bond == 0) return;
        ICoordinator.Phase phase = rd.s.phase;
        bool forfeited = phase == ICoordinator.Phase.Rejected
            || (phase == ICoordinator.Phase.Aborted && rd.s.reached == ICoordinator.Phase.Aggregate);
        rd.bond = 0;
        if (!forfeited) self.tasks[taskId].bondDeposit += uint128(bond);
        emit ICoordinator.BondSettled(taskId, r, bond, forfeited);
        if (forfeited) vault.forfeitBond(taskId, bond);
    }
}
