// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {ICoordinator} from "../interfaces/ICoordinator.sol";
import {IStakeVault} from "../interfaces/IStakeVault.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {CoordinatorStorage as S} from "./CoordinatorStorage.sol";
import {RoundEngine as E} from "./RoundEngine.sol";
import {RoundMath} from "../libraries/RoundMath.sol";

/// @title SettlementLogic
/// @notice Aggregates, exclusions, the stake-weighted dispute, finalization and evidence-based slashing: the
/// coordinator's settlement paths, deployed once and called by `DELEGATECALL` from the `Coordinator`.
/// @dev Every function is `external` and takes the coordinator's `Layout`; the coordinator checks reentrancy.
library SettlementLogic {
    /// @notice See `ICoordinator.submitAggregate`.
    /// @param self The coordinator's storage.
    /// @param vault The stake vault.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param agg The aggregate.
    function submitAggregate(
        S.Layout storage self,
        IStakeVault vault,
        uint256 taskId,
        uint256 roundNumber,
        ICoordinator.Aggregate calldata agg
    ) external {
        S.TaskStore storage t = E.task(self, taskId);
        if (msg.sender != t.aggregator) revert ICoordinator.CoordinatorNotAggregator(taskId, msg.sender);
        S.RoundStore storage rd = self.rounds[taskId][roundNumber];
        E.requirePhase(self, taskId, roundNumber, rd, ICoordinator.Phase.Aggregate);
        if (agg.modelHash == bytes32(0)) {
            // A failure report: no model, nothing paid, and a record of why.
            if (agg.metricsHash == bytes32(0) || agg.rewardsRoot != bytes32(0) || agg.rewardTotal != 0) {
                revert ICoordinator.CoordinatorZeroValue(taskId, roundNumber);
            }
        }
        bytes32 digest = rd.revealDigest;
        if (agg.revealDigest != digest) {
            revert ICoordinator.CoordinatorDigestMismatch(taskId, roundNumber, digest, agg.revealDigest);
        }
        uint256 maxReward = t.rewardPerRound;
        uint256 pool = vault.poolOf(taskId);
        if (pool < maxReward) maxReward = pool;
        if (agg.rewardTotal > maxReward) {
            revert ICoordinator.CoordinatorRewardTooLarge(taskId, roundNumber, agg.rewardTotal, maxReward);
        }
        rd.modelHash = agg.modelHash;
        rd.metricsHash = agg.metricsHash;
        rd.rewardsRoot = agg.rewardsRoot;
        rd.rewardTotal = uint120(agg.rewardTotal);
        rd.locator = agg.locator;
        uint256 deadline = block.timestamp + t.timing[uint8(ICoordinator.Phase.Challenge)];
        E.setPhase(taskId, roundNumber, rd, ICoordinator.Phase.Challenge, deadline, 0);
        emit ICoordinator.AggregateSubmitted(
            taskId,
            roundNumber,
            agg.modelHash,
            agg.rewardsRoot,
            agg.rewardTotal,
            agg.metricsHash,
            agg.locator,
            rd.bond,
            deadline
        );
    }

    /// @notice See `ICoordinator.recordExclusion`.
    /// @param self The coordinator's storage.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param member Member.
    /// @param reason Why.
    function recordExclusion(
        S.Layout storage self,
        uint256 taskId,
        uint256 roundNumber,
        address member,
        ICoordinator.ExclusionReason reason
    ) external {
        S.TaskStore storage t = E.task(self, taskId);
        if (msg.sender != t.aggregator) revert ICoordinator.CoordinatorNotAggregator(taskId, msg.sender);
        S.RoundStore storage rd = self.rounds[taskId][roundNumber];
        E.requirePhase(self, taskId, roundNumber, rd, ICoordinator.Phase.Aggregate);
        S.Activity storage a = self.activity[taskId][member];
        uint32 r = uint32(roundNumber);
        // A revealer's update, or [SecAgg] the shares of a member that shared (it need not have revealed).
        bool dealt = reason == ICoordinator.ExclusionReason.BadShares && a.shared == r;
        if (a.revealed != r && !dealt) revert ICoordinator.CoordinatorNotEligible(taskId, roundNumber, member);
        if (a.excluded == r) revert ICoordinator.CoordinatorAlreadyActed(taskId, roundNumber, member);
        // A pending fault of an earlier round would lose its evidence.
        if (E.pendingFault(self, taskId, a, self.votes[taskId][member]) != 0) {
            revert ICoordinator.CoordinatorSlashPending(taskId, member, a.excluded);
        }
        a.excluded = r;
        a.excludedReason = reason;
        emit ICoordinator.UpdateExcluded(taskId, roundNumber, member, reason);
    }

    /// @notice See `ICoordinator.attest` / `ICoordinator.challenge`.
    /// @param self The coordinator's storage.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param against Whether the vote challenges the aggregate.
    function vote(S.Layout storage self, uint256 taskId, uint256 roundNumber, bool against) external {
        S.TaskStore storage t = E.task(self, taskId);
        if (msg.sender == t.aggregator) revert ICoordinator.CoordinatorAggregatorCannotVote(taskId, msg.sender);
        S.RoundStore storage rd = self.rounds[taskId][roundNumber];
        S.RoundState storage s = rd.s;
        ICoordinator.Phase phase = s.phase;
        if (phase != ICoordinator.Phase.Challenge) {
            revert ICoordinator.CoordinatorWrongPhase(taskId, roundNumber, ICoordinator.Phase.Challenge, phase);
        }
        uint256 deadline = s.deadline;
        if (block.timestamp >= deadline) revert ICoordinator.CoordinatorTooLate(taskId, roundNumber, deadline);
        S.Activity storage a = self.activity[taskId][msg.sender];
        // Only members that joined before the round opened vote (their index is below the round's count).
        if (!a.joined || a.index >= s.memberCount) revert ICoordinator.CoordinatorNotMember(taskId, msg.sender);
        if (a.suspended) revert ICoordinator.CoordinatorSuspended(taskId, msg.sender);
        S.Votes storage v = self.votes[taskId][msg.sender];
        uint32 r = uint32(roundNumber);
        if (v.voted == r) revert ICoordinator.CoordinatorAlreadyActed(taskId, roundNumber, msg.sender);
        uint256 pending = E.pendingDispute(self, taskId, v);
        if (pending != 0) revert ICoordinator.CoordinatorSlashPending(taskId, msg.sender, pending);
        v.voted = r;
        v.votedChallenge = against;
        deadline = _count(t, rd, against);
        if (against) emit ICoordinator.AggregateChallenged(taskId, roundNumber, msg.sender, deadline);
        else emit ICoordinator.AggregateAttested(taskId, roundNumber, msg.sender, deadline);
    }

    /// @notice See `ICoordinator.finalize`.
    /// @param self The coordinator's storage.
    /// @param vault The stake vault.
    /// @param models The model registry.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    function finalize(
        S.Layout storage self,
        IStakeVault vault,
        IModelRegistry models,
        uint256 taskId,
        uint256 roundNumber
    ) external {
        E.task(self, taskId);
        S.RoundStore storage rd = self.rounds[taskId][roundNumber];
        S.RoundState storage s = rd.s;
        ICoordinator.Phase phase = s.phase;
        if (phase != ICoordinator.Phase.Challenge) {
            revert ICoordinator.CoordinatorWrongPhase(taskId, roundNumber, ICoordinator.Phase.Challenge, phase);
        }
        uint256 deadline = s.deadline;
        if (block.timestamp < deadline) revert ICoordinator.CoordinatorTooEarly(taskId, roundNumber, deadline);
        uint32 attests = rd.attestCount;
        uint32 challenges = rd.challengeCount;
        bytes32 modelHash = rd.modelHash;
        if (_rejected(attests, challenges)) {
            E.setPhase(taskId, roundNumber, rd, ICoordinator.Phase.Rejected, 0, 0);
            emit ICoordinator.RoundRejected(taskId, roundNumber, attests, challenges);
        } else if (modelHash == bytes32(0)) {
            E.setPhase(taskId, roundNumber, rd, ICoordinator.Phase.Failed, 0, 0);
            emit ICoordinator.RoundFailed(taskId, roundNumber, rd.metricsHash);
        } else {
            E.setPhase(taskId, roundNumber, rd, ICoordinator.Phase.Finalized, 0, 0);
            rd.rewardsOpen = true;
            uint256 version_ = models.append(taskId, modelHash, roundNumber, rd.locator, rd.metricsHash);
            uint256 rewardTotal = rd.rewardTotal;
            emit ICoordinator.RoundFinalized(taskId, roundNumber, modelHash, version_, rewardTotal);
            vault.allocateRewards(taskId, rewardTotal);
        }
        E.settleBond(self, vault, taskId, roundNumber);
    }

    /// @notice See `ICoordinator.slashAbsent`.
    /// @param self The coordinator's storage.
    /// @param vault The stake vault.
    /// @param registry The participant registry.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param member Member.
    function slashAbsent(
        S.Layout storage self,
        IStakeVault vault,
        IParticipantRegistry registry,
        uint256 taskId,
        uint256 roundNumber,
        address member
    ) external {
        S.TaskStore storage t = E.task(self, taskId);
        _requireEnded(self, taskId, roundNumber);
        S.Activity storage a = self.activity[taskId][member];
        S.Votes storage v = self.votes[taskId][member];
        uint32 r = uint32(roundNumber);
        if (v.slashedAbsent == r && r != 0) revert ICoordinator.CoordinatorAlreadySlashed(taskId, roundNumber, member);
        (uint256 pending, ICoordinator.Phase skipped) = E.pendingAbsence(self, taskId, t.mode, a, v, false);
        if (pending == 0 || pending != roundNumber) {
            revert ICoordinator.CoordinatorNoEvidence(taskId, roundNumber, member);
        }
        v.slashedAbsent = r;
        uint256 amount = skipped == ICoordinator.Phase.Reveal ? t.nonRevealSlash : t.skipSlash;
        uint256 taken = _slash(self, vault, registry, taskId, member, amount, IParticipantRegistry.SlashKind.Absence);
        emit ICoordinator.AbsenteeSlashed(taskId, roundNumber, member, msg.sender, skipped, taken);
    }

    /// @notice See `ICoordinator.slashFault`.
    /// @param self The coordinator's storage.
    /// @param vault The stake vault.
    /// @param registry The participant registry.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param member Member.
    function slashFault(
        S.Layout storage self,
        IStakeVault vault,
        IParticipantRegistry registry,
        uint256 taskId,
        uint256 roundNumber,
        address member
    ) external {
        S.TaskStore storage t = E.task(self, taskId);
        S.Activity storage a = self.activity[taskId][member];
        S.Votes storage v = self.votes[taskId][member];
        uint32 r = uint32(roundNumber);
        if (v.slashedFault == r && r != 0) revert ICoordinator.CoordinatorAlreadySlashed(taskId, roundNumber, member);
        uint256 pending = E.pendingFault(self, taskId, a, v);
        if (pending == 0 || pending != roundNumber) {
            revert ICoordinator.CoordinatorNoEvidence(taskId, roundNumber, member);
        }
        v.slashedFault = r;
        ICoordinator.ExclusionReason reason = a.excludedReason;
        uint256 taken =
            _slash(self, vault, registry, taskId, member, t.nonRevealSlash, IParticipantRegistry.SlashKind.Fault);
        emit ICoordinator.FaultSlashed(taskId, roundNumber, member, msg.sender, reason, taken);
    }

    /// @notice See `ICoordinator.slashLoser`.
    /// @param self The coordinator's storage.
    /// @param vault The stake vault.
    /// @param registry The participant registry.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param voter Voter.
    function slashLoser(
        S.Layout storage self,
        IStakeVault vault,
        IParticipantRegistry registry,
        uint256 taskId,
        uint256 roundNumber,
        address voter
    ) external {
        S.TaskStore storage t = E.task(self, taskId);
        ICoordinator.Phase phase = self.rounds[taskId][roundNumber].s.phase;
        S.Votes storage v = self.votes[taskId][voter];
        uint32 r = uint32(roundNumber);
        if (v.voted != r || !E.lost(phase, v.votedChallenge)) {
            revert ICoordinator.CoordinatorNoEvidence(taskId, roundNumber, voter);
        }
        if (v.slashedDispute == r) revert ICoordinator.CoordinatorAlreadySlashed(taskId, roundNumber, voter);
        v.slashedDispute = r;
        uint256 taken =
            _slash(self, vault, registry, taskId, voter, t.disputeSlash, IParticipantRegistry.SlashKind.DisputeLost);
        emit ICoordinator.LoserSlashed(taskId, roundNumber, voter, msg.sender, taken);
    }

    // ================================================================== internals

    /// @dev Counts one vote and returns the window's end: the first challenge, or any vote that flips the outcome,
    /// gives the other side a full `durations.challenge` to answer.
    function _count(S.TaskStore storage t, S.RoundStore storage rd, bool against) private returns (uint256 deadline) {
        S.RoundState storage s = rd.s;
        deadline = s.deadline;
        uint32 attests = rd.attestCount;
        uint32 challenges = rd.challengeCount;
        bool rejectedBefore = _rejected(attests, challenges);
        if (against) rd.challengeCount = ++challenges;
        else rd.attestCount = ++attests;
        if ((against && challenges == 1) || rejectedBefore != _rejected(attests, challenges)) {
            uint256 extended = block.timestamp + t.timing[uint8(ICoordinator.Phase.Challenge)];
            if (extended > deadline) {
                deadline = extended;
                s.deadline = uint40(extended);
            }
        }
    }

    /// @dev The dispute's outcome for these counts: rejected iff someone challenged and the challengers are at
    /// least as many as the attesters (one vote per member).
    function _rejected(uint256 attests, uint256 challenges) private pure returns (bool) {
        return challenges != 0 && attests <= challenges;
    }

    /// @dev Requires round `r` to have ended, syncing it first if it is the task's current one (an expired
    /// round becomes terminal, so its absentees can be slashed before anyone opens the next).
    function _requireEnded(S.Layout storage self, uint256 taskId, uint256 r) private {
        S.RoundStore storage rd = self.rounds[taskId][r];
        ICoordinator.Phase phase =
            r != 0 && r == self.tasks[taskId].roundCount ? E.sync(self, taskId, r, rd) : rd.s.phase;
        if (phase == ICoordinator.Phase.None || !RoundMath.isIdle(phase)) {
            revert ICoordinator.CoordinatorWrongPhase(taskId, r, ICoordinator.Phase.Finalized, phase);
        }
    }

    /// @dev Slashes `amount` (capped at the stake) from `member`: half to the caller, half to the pool (or to the
    /// owner if the task is closed). Suspends the member if its stake falls below `requiredStake`.
    function _slash(
        S.Layout storage self,
        IStakeVault vault,
        IParticipantRegistry registry,
        uint256 taskId,
        address member,
        uint256 amount,
        IParticipantRegistry.SlashKind kind
    ) private returns (uint256 taken) {
        S.TaskStore storage t = self.tasks[taskId];
        S.Activity storage a = self.activity[taskId][member];
        uint256 stake = vault.stakeOf(taskId, member);
        taken = amount < stake ? amount : stake;
        // Effects before the vault pays the bounty: a token that calls its receiver must find the member
        // suspended already (it could otherwise act as the member from inside the transfer).
        if (a.joined && stake - taken < t.requiredStake) a.suspended = true;
        registry.recordSlash(taskId, member, kind);
        vault.slashStake(taskId, member, taken, msg.sender);
        if (t.closed) vault.withdrawPool(taskId, t.owner, true); // to the owner, not the caller: a credit
    }
}
