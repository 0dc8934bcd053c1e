// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {ICoordinator} from "../interfaces/ICoordinator.sol";
import {CoordinatorStorage as S} from "./CoordinatorStorage.sol";
import {RoundEngine as E} from "./RoundEngine.sol";

/// @title CoordinatorViews
/// @notice The coordinator's struct-building views, deployed once and called by `DELEGATECALL` (they read the
/// coordinator's storage; nothing is written).
library CoordinatorViews {
    /// @notice See `ICoordinator.task`.
    /// @param self The coordinator's storage.
    /// @param taskId Task id.
    /// @return out The record.
    function task(S.Layout storage self, uint256 taskId) external view returns (ICoordinator.Task memory out) {
        S.TaskStore storage t = E.task(self, taskId);
        uint32[9] storage tm = t.timing;
        out.owner = t.owner;
        out.aggregator = t.aggregator;
        out.mode = t.mode;
        out.closed = t.closed;
        out.cohortSize = t.cohortSize;
        out.minRevealers = tm[0];
        out.maxRounds = t.maxRounds;
        out.roundCount = t.roundCount;
        out.specHash = t.specHash;
        out.requiredStake = t.requiredStake;
        out.rewardPerRound = t.rewardPerRound;
        out.aggregatorBond = t.aggregatorBond;
        out.nonRevealSlash = t.nonRevealSlash;
        out.disputeSlash = t.disputeSlash;
        out.skipSlash = t.skipSlash;
        out.bondDeposit = t.bondDeposit;
        out.durations = ICoordinator.Durations(tm[1], tm[2], tm[3], tm[4], tm[5], tm[6], tm[7], tm[8]);
        out.maxExamples = t.maxExamples;
    }

    /// @notice See `ICoordinator.round`.
    /// @param self The coordinator's storage.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @return out The record.
    function round(S.Layout storage self, uint256 taskId, uint256 roundNumber)
        external
        view
        returns (ICoordinator.Round memory out)
    {
        S.RoundStore storage rd = self.rounds[taskId][roundNumber];
        (S.RoundState memory s, uint256 endedAt) = E.simulate(self, taskId, rd);
        out.phase = s.phase;
        out.mode = s.mode;
        out.reached = s.reached;
        out.deadline = s.deadline;
        out.openedAt = rd.openedAt;
        out.endedAt = uint64(endedAt);
        out.openBlock = rd.openBlock;
        // A simulated close of the advertise phase has no block yet: the graph block is fixed by a transaction.
        out.graphBlock = rd.graphBlock;
        out.memberCount = s.memberCount;
        out.cohortSize = s.cohortSize;
        out.eligible = s.eligible;
        out.acted = s.acted;
        out.revealers = s.revealers;
        out.attestCount = rd.attestCount;
        out.challengeCount = rd.challengeCount;
        out.seed = E.seedView(taskId, roundNumber, rd);
        out.graphSeed = E.graphSeedView(taskId, roundNumber, rd);
        out.revealDigest = rd.revealDigest;
        out.baseModelHash = rd.baseModelHash;
        out.modelHash = rd.modelHash;
        out.metricsHash = rd.metricsHash;
        out.rewardsRoot = rd.rewardsRoot;
        out.rewardTotal = rd.rewardTotal;
        out.claimed = rd.claimed;
        out.bond = rd.bond;
        out.locator = rd.locator;
    }

    /// @notice See `ICoordinator.memberActivity`.
    /// @param self The coordinator's storage.
    /// @param taskId Task id.
    /// @param member Member.
    /// @return out The record.
    function memberActivity(S.Layout storage self, uint256 taskId, address member)
        external
        view
        returns (ICoordinator.MemberActivity memory out)
    {
        S.Activity storage a = self.activity[taskId][member];
        S.Votes storage v = self.votes[taskId][member];
        out.joined = a.joined;
        out.suspended = a.suspended;
        out.index = a.index;
        out.advertised = a.advertised;
        out.shared = a.shared;
        out.committed = a.committed;
        out.revealed = a.revealed;
        out.unmasked = a.unmasked;
        out.excluded = a.excluded;
        out.excludedReason = a.excludedReason;
        out.voted = v.voted;
        out.votedChallenge = v.votedChallenge;
        out.slashedAbsent = v.slashedAbsent;
        out.slashedDispute = v.slashedDispute;
        out.slashedFault = v.slashedFault;
    }

    /// @notice See `ICoordinator.pendingSlash`.
    /// @param self The coordinator's storage.
    /// @param taskId Task id.
    /// @param member Member.
    /// @return absentRound Round it left early (0 if none).
    /// @return disputeRound Round it voted on the losing side (0 if none).
    /// @return faultRound Round it was excluded for a fault (0 if none).
    function pendingSlash(S.Layout storage self, uint256 taskId, address member)
        external
        view
        returns (uint256 absentRound, uint256 disputeRound, uint256 faultRound)
    {
        S.Activity storage a = self.activity[taskId][member];
        S.Votes storage v = self.votes[taskId][member];
        (absentRound,) = E.pendingAbsence(self, taskId, self.tasks[taskId].mode, a, v, true);
        disputeRound = E.pendingDispute(self, taskId, v);
        faultRound = E.pendingFault(self, taskId, a, v);
    }
}
