// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {ICoordinator} from "../interfaces/ICoordinator.sol";
import {IStakeVault} from "../interfaces/IStakeVault.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IConsentLedger} from "../interfaces/IConsentLedger.sol";
import {CoordinatorStorage as S} from "./CoordinatorStorage.sol";
import {RoundEngine as E} from "./RoundEngine.sol";
import {RoundMath} from "../libraries/RoundMath.sol";

/// @title TaskLogic
/// @notice Tasks, membership, the aggregator's bond deposit and opening rounds: the coordinator's cold paths,
/// deployed once and called by `DELEGATECALL` from the `Coordinator` (its storage is the coordinator's).
/// @dev Every function is `external` and takes the coordinator's `Layout`; the coordinator checks reentrancy.
library TaskLogic {
    /// @notice See `ICoordinator.createTask`.
    /// @param self The coordinator's storage.
    /// @param vault The stake vault.
    /// @param models The model registry.
    /// @param p Task parameters.
    /// @return taskId New task id.
    function createTask(
        S.Layout storage self,
        IStakeVault vault,
        IModelRegistry models,
        ICoordinator.TaskParams calldata p
    ) external returns (uint256 taskId) {
        uint256 field = _invalidField(p);
        if (field != type(uint256).max) revert ICoordinator.CoordinatorInvalidParams(field);
        taskId = ++self.taskCount;
        S.TaskStore storage t = self.tasks[taskId];
        t.owner = msg.sender;
        t.mode = p.mode;
        t.maxRounds = p.maxRounds;
        t.aggregator = p.aggregator;
        t.cohortSize = p.cohortSize;
        t.maxExamples = p.maxExamples;
        t.specHash = p.specHash;
        t.requiredStake = uint128(p.requiredStake);
        t.rewardPerRound = uint128(p.rewardPerRound);
        t.aggregatorBond = uint128(p.aggregatorBond);
        t.nonRevealSlash = uint128(p.nonRevealSlash);
        t.disputeSlash = uint128(p.disputeSlash);
        t.skipSlash = uint128(p.skipSlash);
        ICoordinator.Durations calldata d = p.durations;
        t.timing = [
            uint32(RoundMath.minRevealersOf(p.minRevealers)),
            d.advertise,
            d.share,
            d.commit,
            d.reveal,
            d.unmask,
            d.aggregate,
            d.challenge,
            d.idle
        ];
        emit ICoordinator.TaskCreated(taskId, msg.sender, p.aggregator, p.mode, p.specHash, p.rewardPool);
        models.initializeTask(taskId, p.initialModelHash, p.initialModelLocator);
        if (p.rewardPool != 0) vault.fundPool(taskId, msg.sender, p.rewardPool);
    }

    /// @notice See `ICoordinator.closeTask`.
    /// @param self The coordinator's storage.
    /// @param vault The stake vault.
    /// @param taskId Task id.
    function closeTask(S.Layout storage self, IStakeVault vault, uint256 taskId) external {
        S.TaskStore storage t = E.task(self, taskId);
        address owner = t.owner;
        if (msg.sender != owner) revert ICoordinator.CoordinatorNotTaskOwner(taskId, msg.sender);
        if (t.closed) revert ICoordinator.CoordinatorTaskClosed(taskId);
        uint256 r = t.roundCount;
        E.requireIdle(self, taskId, r);
        t.closed = true;
        if (r != 0) E.settleBond(self, vault, taskId, r);
        uint256 refund = vault.withdrawPool(taskId, owner, false);
        emit ICoordinator.TaskClosed(taskId, refund);
    }

    /// @notice See `ICoordinator.join`.
    /// @param self The coordinator's storage.
    /// @param vault The stake vault.
    /// @param registry The participant registry.
    /// @param consent The consent ledger.
    /// @param taskId Task id.
    /// @param stake Stake.
    /// @param datasetCommitment Dataset commitment.
    /// @param consentRef Consent reference.
    function join(
        S.Layout storage self,
        IStakeVault vault,
        IParticipantRegistry registry,
        IConsentLedger consent,
        uint256 taskId,
        uint256 stake,
        bytes32 datasetCommitment,
        bytes32 consentRef
    ) external {
        S.TaskStore storage t = E.task(self, taskId);
        if (t.closed) revert ICoordinator.CoordinatorTaskClosed(taskId);
        S.Activity storage a = self.activity[taskId][msg.sender];
        if (a.joined) revert ICoordinator.CoordinatorAlreadyMember(taskId, msg.sender);
        uint256 required = t.requiredStake;
        if (stake < required) revert ICoordinator.CoordinatorStakeTooLow(taskId, stake, required);
        if (!consent.isConsentValid(msg.sender, consentRef, datasetCommitment)) {
            revert ICoordinator.CoordinatorConsentInvalid(msg.sender, consentRef);
        }
        uint256 index = registry.add(taskId, msg.sender, datasetCommitment, consentRef);
        a.index = uint32(index);
        a.joined = true;
        a.suspended = false;
        if (self.commitments[taskId][msg.sender] == bytes32(0)) self.commitments[taskId][msg.sender] = S.SENTINEL;
        // Bit 0 of the first claim word stands for round 0, which never exists: setting it here makes every
        // claim of rounds 1..255 a non-zero -> non-zero write (join pays the fresh slot once, claims never do).
        self.claimedBits[taskId][msg.sender][0] |= 1;
        emit ICoordinator.MemberJoined(taskId, msg.sender, index, stake);
        consent.recordProvenance(taskId, msg.sender, datasetCommitment);
        vault.depositStake(taskId, msg.sender, stake);
    }

    /// @notice See `ICoordinator.leave`.
    /// @param self The coordinator's storage.
    /// @param vault The stake vault.
    /// @param registry The participant registry.
    /// @param taskId Task id.
    function leave(S.Layout storage self, IStakeVault vault, IParticipantRegistry registry, uint256 taskId) external {
        S.TaskStore storage t = E.task(self, taskId);
        S.Activity storage a = self.activity[taskId][msg.sender];
        if (!a.joined) revert ICoordinator.CoordinatorNotMember(taskId, msg.sender);
        E.requireIdle(self, taskId, t.roundCount);
        E.requireNoPendingSlash(self, taskId, msg.sender, a);
        _remove(self, registry, taskId, msg.sender, a);
        uint256 stake = vault.releaseStake(taskId, msg.sender, false);
        emit ICoordinator.MemberLeft(taskId, msg.sender, stake);
    }

    /// @notice See `ICoordinator.evict`.
    /// @param self The coordinator's storage.
    /// @param vault The stake vault.
    /// @param registry The participant registry.
    /// @param consent The consent ledger.
    /// @param taskId Task id.
    /// @param member Member.
    function evict(
        S.Layout storage self,
        IStakeVault vault,
        IParticipantRegistry registry,
        IConsentLedger consent,
        uint256 taskId,
        address member
    ) external {
        S.TaskStore storage t = E.task(self, taskId);
        S.Activity storage a = self.activity[taskId][member];
        if (!a.joined) revert ICoordinator.CoordinatorNotMember(taskId, member);
        E.requireIdle(self, taskId, t.roundCount);
        if (!a.suspended) {
            IParticipantRegistry.Member memory m = registry.member(taskId, member);
            if (consent.isConsentValid(member, m.consentRef, m.datasetCommitment)) {
                revert ICoordinator.CoordinatorConsentStillValid(taskId, member);
            }
        }
        E.requireNoPendingSlash(self, taskId, member, a);
        _remove(self, registry, taskId, member, a);
        uint256 stake = vault.releaseStake(taskId, member, true); // the owner evicts: the member pulls it
        emit ICoordinator.MemberEvicted(taskId, member, msg.sender, stake);
    }

    /// @notice See `ICoordinator.depositBond`.
    /// @param self The coordinator's storage.
    /// @param vault The stake vault.
    /// @param taskId Task id.
    /// @param amount Tokens.
    function depositBond(S.Layout storage self, IStakeVault vault, uint256 taskId, uint256 amount) external {
        S.TaskStore storage t = E.task(self, taskId);
        if (msg.sender != t.aggregator) revert ICoordinator.CoordinatorNotAggregator(taskId, msg.sender);
        if (amount == 0) revert ICoordinator.CoordinatorZeroValue(taskId, t.roundCount);
        uint256 deposit = t.bondDeposit + amount;
        if (deposit > type(uint128).max) revert ICoordinator.CoordinatorInvalidParams(6);
        t.bondDeposit = uint128(deposit);
        emit ICoordinator.BondDeposited(taskId, msg.sender, amount);
        vault.postBond(taskId, msg.sender, amount);
    }

    /// @notice See `ICoordinator.withdrawBond`.
    /// @param self The coordinator's storage.
    /// @param vault The stake vault.
    /// @param taskId Task id.
    /// @param amount Tokens.
    function withdrawBond(S.Layout storage self, IStakeVault vault, uint256 taskId, uint256 amount) external {
        S.TaskStore storage t = E.task(self, taskId);
        if (msg.sender != t.aggregator) revert ICoordinator.CoordinatorNotAggregator(taskId, msg.sender);
        uint256 r = t.roundCount;
        if (r != 0 && RoundMath.isIdle(E.sync(self, taskId, r, self.rounds[taskId][r]))) {
            E.settleBond(self, vault, taskId, r);
        }
        uint256 deposit = t.bondDeposit;
        if (amount == 0 || amount > deposit) revert ICoordinator.CoordinatorBondTooLow(taskId, deposit, amount);
        t.bondDeposit = uint128(deposit - amount);
        emit ICoordinator.BondWithdrawn(taskId, msg.sender, amount);
        vault.releaseBond(taskId, msg.sender, amount);
    }

    /// @notice See `ICoordinator.openRound`.
    /// @param self The coordinator's storage.
    /// @param vault The stake vault.
    /// @param registry The participant registry.
    /// @param models The model registry.
    /// @param taskId Task id.
    /// @return roundNumber The new round number.
    function openRound(
        S.Layout storage self,
        IStakeVault vault,
        IParticipantRegistry registry,
        IModelRegistry models,
        uint256 taskId
    ) external returns (uint256 roundNumber) {
        S.TaskStore storage t = E.task(self, taskId);
        if (t.closed) revert ICoordinator.CoordinatorTaskClosed(taskId);
        uint256 previous = t.roundCount;
        if (previous != 0) {
            E.requireIdle(self, taskId, previous);
            E.settleBond(self, vault, taskId, previous);
            uint256 opensAt = uint256(self.rounds[taskId][previous].endedAt) + t.timing[8];
            if (block.timestamp < opensAt) revert ICoordinator.CoordinatorIdleGap(taskId, opensAt);
        }
        {
            uint256 maxRounds = t.maxRounds;
            if (maxRounds != 0 && previous >= maxRounds) {
                revert ICoordinator.CoordinatorMaxRoundsReached(taskId, maxRounds);
            }
        }
        uint256 n = registry.memberCount(taskId);
        if (n < t.timing[0]) revert ICoordinator.CoordinatorNotEnoughMembers(taskId, n, t.timing[0]);
        uint256 bond = _lockBond(t, taskId);
        roundNumber = previous + 1;
        t.roundCount = uint32(roundNumber);
        _start(self, t, taskId, roundNumber, n, bond, models.headHash(taskId));
    }

    // ================================================================== internals

    /// @dev Moves `aggregatorBond` from the aggregator's deposit into the round about to open.
    function _lockBond(S.TaskStore storage t, uint256 taskId) private returns (uint256 bond) {
        bond = t.aggregatorBond;
        uint256 deposit = t.bondDeposit;
        if (deposit < bond) revert ICoordinator.CoordinatorBondTooLow(taskId, deposit, bond);
        t.bondDeposit = uint128(deposit - bond);
    }

    /// @dev Writes round `r`'s first state, including the slots whose first real write a member pays for, so
    /// that it is non-zero -> non-zero.
    function _start(
        S.Layout storage self,
        S.TaskStore storage t,
        uint256 taskId,
        uint256 r,
        uint256 n,
        uint256 bond,
        bytes32 baseModelHash
    ) private {
        ICoordinator.Mode mode = t.mode;
        uint256 c = RoundMath.cohortSize(t.cohortSize, n);
        ICoordinator.Phase first =
            mode == ICoordinator.Mode.SecAgg ? ICoordinator.Phase.AdvertiseKeys : ICoordinator.Phase.Commit;
        uint256 deadline = block.timestamp + t.timing[uint8(first)];
        S.RoundStore storage rd = self.rounds[taskId][r];
        rd.s = S.RoundState({
            phase: first,
            mode: mode,
            reached: first,
            deadline: uint40(deadline),
            memberCount: uint32(n),
            cohortSize: uint32(c),
            eligible: uint32(c),
            acted: 0,
            revealers: 0
        });
        rd.seed = S.SENTINEL;
        if (mode == ICoordinator.Mode.SecAgg) rd.graphSeed = S.SENTINEL;
        rd.revealDigest = RoundMath.initialDigest(taskId, r);
        rd.baseModelHash = baseModelHash;
        rd.bond = uint128(bond);
        rd.openedAt = uint40(block.timestamp);
        rd.openBlock = uint40(block.number);
        emit ICoordinator.RoundOpened(taskId, r, n, c, first, deadline, bond);
    }

    function _remove(
        S.Layout storage self,
        IParticipantRegistry registry,
        uint256 taskId,
        address member,
        S.Activity storage a
    ) private {
        (address moved, uint256 index) = registry.remove(taskId, member);
        if (moved != address(0)) self.activity[taskId][moved].index = uint32(index);
        a.joined = false;
        a.suspended = false;
        a.index = 0;
    }

    /// @dev Index in `TaskParams` of the first invalid field, or `type(uint256).max` if all are valid.
    function _invalidField(ICoordinator.TaskParams calldata p) private pure returns (uint256) {
        if (p.specHash == bytes32(0)) return 0;
        if (p.initialModelHash == bytes32(0)) return 1;
        if (p.rewardPool > type(uint128).max) return 3;
        if (p.rewardPerRound > type(uint120).max) return 4;
        if (p.requiredStake == 0 || p.requiredStake > type(uint128).max) return 5;
        if (p.aggregatorBond > type(uint128).max) return 6;
        if (p.nonRevealSlash > type(uint128).max) return 7;
        if (p.disputeSlash > type(uint128).max) return 8;
        if (p.cohortSize == 0) return 9;
        if (p.minRevealers > p.cohortSize) return 10;
        if (p.aggregator == address(0)) return 13;
        ICoordinator.Durations calldata d = p.durations;
        if (d.commit == 0 || d.reveal == 0 || d.aggregate == 0 || d.challenge == 0) return 14;
        if (p.mode == ICoordinator.Mode.SecAgg && (d.advertise == 0 || d.share == 0 || d.unmask == 0)) return 14;
        if (p.skipSlash > type(uint128).max) return 15;
        if (p.maxExamples == 0) return 16;
        return type(uint256).max;
    }
}
