// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ICoordinator} from "./interfaces/ICoordinator.sol";
import {IStakeVault} from "./interfaces/IStakeVault.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IConsentLedger} from "./interfaces/IConsentLedger.sol";
import {RoundMath} from "./libraries/RoundMath.sol";
import {RewardTree} from "./libraries/RewardTree.sol";
import {CoordinatorStorage as S} from "./coordinator/CoordinatorStorage.sol";
import {RoundEngine as E} from "./coordinator/RoundEngine.sol";
import {TaskLogic} from "./coordinator/TaskLogic.sol";
import {SettlementLogic} from "./coordinator/SettlementLogic.sol";
import {CoordinatorViews} from "./coordinator/CoordinatorViews.sol";

/// @title Coordinator
/// @notice Runs fedchain tasks: membership, rounds and their phase machine, commit/reveal, secure-aggregation key
/// exchange, bonded aggregates, disputes, Merkle rewards and evidence-based slashing. It holds no tokens: money
/// moves through the `StakeVault`; membership lives in the `ParticipantRegistry`, models in the `ModelRegistry`,
/// consent in the `ConsentLedger` (this contract holds `OPERATOR_ROLE` on all four).
/// @dev No function iterates over members. The members' hot paths (advertise, share, commit, reveal, unmask,
/// claim) are here; cold paths live in linked libraries that run on this contract's storage by `DELEGATECALL`
/// (`TaskLogic`: tasks, membership, bond deposit, opening rounds; `SettlementLogic`: aggregates, disputes,
/// finalization, slashing; `CoordinatorViews`), which keeps the contract under the EIP-170 size limit.
/// `Sealed` and `OnChain` tasks currently run the `Plain` phase sequence.
contract Coordinator is ReentrancyGuard, ICoordinator {
    IStakeVault private immutable _vault;
    IParticipantRegistry private immutable _registry;
    IModelRegistry private immutable _models;
    IConsentLedger private immutable _consent;

    S.Layout private _state;

    /// @notice Wires the coordinator to its four state contracts. After deployment, each of them must grant
    /// `OPERATOR_ROLE` to this contract. The coordinator has no admin and no upgrade path.
    /// @param vault_ Stake vault.
    /// @param registry_ Participant registry.
    /// @param models_ Model registry.
    /// @param consent_ Consent ledger.
    constructor(IStakeVault vault_, IParticipantRegistry registry_, IModelRegistry models_, IConsentLedger consent_) {
        if (
            address(vault_) == address(0) || address(registry_) == address(0) || address(models_) == address(0)
                || address(consent_) == address(0)
        ) revert CoordinatorInvalidParams(type(uint256).max);
        _vault = vault_;
        _registry = registry_;
        _models = models_;
        _consent = consent_;
    }

    // ================================================================== tasks and membership (TaskLogic)

    /// @inheritdoc ICoordinator
    function createTask(TaskParams calldata p) external nonReentrant returns (uint256 taskId) {
        return TaskLogic.createTask(_state, _vault, _models, p);
    }

    /// @inheritdoc ICoordinator
    function closeTask(uint256 taskId) external nonReentrant {
        TaskLogic.closeTask(_state, _vault, taskId);
    }

    /// @inheritdoc ICoordinator
    function join(uint256 taskId, uint256 stake, bytes32 datasetCommitment, bytes32 consentRef) external nonReentrant {
        TaskLogic.join(_state, _vault, _registry, _consent, taskId, stake, datasetCommitment, consentRef);
    }

    /// @inheritdoc ICoordinator
    function leave(uint256 taskId) external nonReentrant {
        TaskLogic.leave(_state, _vault, _registry, taskId);
    }

    /// @inheritdoc ICoordinator
    function evict(uint256 taskId, address member) external nonReentrant {
        TaskLogic.evict(_state, _vault, _registry, _consent, taskId, member);
    }

    /// @inheritdoc ICoordinator
    function depositBond(uint256 taskId, uint256 amount) external nonReentrant {
        TaskLogic.depositBond(_state, _vault, taskId, amount);
    }

    /// @inheritdoc ICoordinator
    function withdrawBond(uint256 taskId, uint256 amount) external nonReentrant {
        TaskLogic.withdrawBond(_state, _vault, taskId, amount);
    }

    /// @inheritdoc ICoordinator
    function openRound(uint256 taskId) external nonReentrant returns (uint256 roundNumber) {
        return TaskLogic.openRound(_state, _vault, _registry, _models, taskId);
    }

    // ================================================================== a round's messages (hot paths)

    /// @inheritdoc ICoordinator
    function advertiseKeys(uint256 taskId, uint256 roundNumber, bytes32 maskPk, bytes32 encPk) external {
        S.RoundStore storage rd = _state.rounds[taskId][roundNumber];
        E.requirePhase(_state, taskId, roundNumber, rd, Phase.AdvertiseKeys);
        if (RoundMath.isLowOrderKey(maskPk)) revert CoordinatorInvalidKey(taskId, roundNumber, maskPk);
        if (RoundMath.isLowOrderKey(encPk)) revert CoordinatorInvalidKey(taskId, roundNumber, encPk);
        S.Activity storage a = _state.activity[taskId][msg.sender];
        uint32 r = uint32(roundNumber);
        _requireActiveMember(taskId, a);
        if (a.advertised == r) revert CoordinatorAlreadyActed(taskId, roundNumber, msg.sender);
        uint256 id = _cohortId(taskId, roundNumber, rd, a);
        E.requireMayEnter(_state, taskId, Mode.SecAgg, msg.sender, a);
        a.advertised = r;
        emit KeysAdvertised(taskId, roundNumber, msg.sender, id, maskPk, encPk);
        E.acted(_state, taskId, roundNumber, rd);
    }

    /// @inheritdoc ICoordinator
    function shareKeys(uint256 taskId, uint256 roundNumber, bytes32 sharesHash, string calldata locator) external {
        S.RoundStore storage rd = _state.rounds[taskId][roundNumber];
        E.requirePhase(_state, taskId, roundNumber, rd, Phase.ShareKeys);
        S.Activity storage a = _state.activity[taskId][msg.sender];
        uint32 r = uint32(roundNumber);
        if (a.advertised != r) revert CoordinatorNotEligible(taskId, roundNumber, msg.sender);
        if (a.shared == r) revert CoordinatorAlreadyActed(taskId, roundNumber, msg.sender);
        // The graph seed must be fixed (its block mined) before anyone could build a bundle on it.
        E.drawGraphSeed(taskId, roundNumber, rd);
        a.shared = r;
        emit KeysShared(taskId, roundNumber, msg.sender, sharesHash, locator);
        E.acted(_state, taskId, roundNumber, rd);
    }

    /// @inheritdoc ICoordinator
    function commit(uint256 taskId, uint256 roundNumber, bytes32 commitment) external {
        S.RoundStore storage rd = _state.rounds[taskId][roundNumber];
        E.requirePhase(_state, taskId, roundNumber, rd, Phase.Commit);
        if (commitment == bytes32(0)) revert CoordinatorZeroValue(taskId, roundNumber);
        S.Activity storage a = _state.activity[taskId][msg.sender];
        uint32 r = uint32(roundNumber);
        _requireActiveMember(taskId, a);
        if (a.committed == r) revert CoordinatorAlreadyActed(taskId, roundNumber, msg.sender);
        Mode mode = rd.s.mode;
        if (mode == Mode.SecAgg) {
            if (a.shared != r) revert CoordinatorNotEligible(taskId, roundNumber, msg.sender);
        } else {
            _cohortId(taskId, roundNumber, rd, a);
            E.requireMayEnter(_state, taskId, mode, msg.sender, a);
        }
        a.committed = r;
        _state.commitments[taskId][msg.sender] = commitment;
        emit UpdateCommitted(taskId, roundNumber, msg.sender, commitment);
        E.acted(_state, taskId, roundNumber, rd);
    }

    /// @inheritdoc ICoordinator
    function reveal(
        uint256 taskId,
        uint256 roundNumber,
        bytes32 updateHash,
        bytes32 salt,
        uint256 numExamples,
        string calldata locator
    ) external {
        S.RoundStore storage rd = _state.rounds[taskId][roundNumber];
        E.requirePhase(_state, taskId, roundNumber, rd, Phase.Reveal);
        S.Activity storage a = _state.activity[taskId][msg.sender];
        uint32 r = uint32(roundNumber);
        if (a.committed != r) revert CoordinatorNotEligible(taskId, roundNumber, msg.sender);
        if (a.revealed == r) revert CoordinatorAlreadyActed(taskId, roundNumber, msg.sender);
        if (
            keccak256(abi.encode(taskId, roundNumber, msg.sender, updateHash, numExamples, salt))
                != _state.commitments[taskId][msg.sender]
        ) revert CoordinatorCommitmentMismatch(taskId, roundNumber, msg.sender);
        // [SecAgg] the weight travels inside the masked vector: the public count is 0.
        uint256 cap = rd.s.mode == Mode.SecAgg ? 0 : _state.tasks[taskId].maxExamples;
        if (cap == 0 ? numExamples != 0 : numExamples == 0 || numExamples > cap) {
            revert CoordinatorExamplesOutOfRange(taskId, roundNumber, numExamples, cap);
        }
        a.revealed = r;
        bytes32 digest = keccak256(abi.encode(rd.revealDigest, msg.sender, updateHash, numExamples));
        rd.revealDigest = digest;
        emit UpdateRevealed(taskId, roundNumber, msg.sender, updateHash, numExamples, locator, digest);
        E.acted(_state, taskId, roundNumber, rd);
    }

    /// @inheritdoc ICoordinator
    function unmask(uint256 taskId, uint256 roundNumber, bytes32 sharesHash, string calldata locator) external {
        S.RoundStore storage rd = _state.rounds[taskId][roundNumber];
        E.requirePhase(_state, taskId, roundNumber, rd, Phase.Unmask);
        S.Activity storage a = _state.activity[taskId][msg.sender];
        uint32 r = uint32(roundNumber);
        if (a.revealed != r) revert CoordinatorNotEligible(taskId, roundNumber, msg.sender);
        if (a.unmasked == r) revert CoordinatorAlreadyActed(taskId, roundNumber, msg.sender);
        a.unmasked = r;
        emit SharesUnmasked(taskId, roundNumber, msg.sender, sharesHash, locator);
        E.acted(_state, taskId, roundNumber, rd);
    }

    /// @inheritdoc ICoordinator
    function advance(uint256 taskId) external returns (Phase phase) {
        S.TaskStore storage t = E.task(_state, taskId);
        uint256 r = t.roundCount;
        if (r == 0) return Phase.None;
        S.RoundStore storage rd = _state.rounds[taskId][r];
        phase = E.sync(_state, taskId, r, rd);
        // Best effort: store the randomness once it can be drawn, so it never depends on a later caller.
        if (E.seedView(taskId, r, rd) != 0) E.drawSeed(taskId, r, rd);
        if (phase == Phase.ShareKeys && E.graphSeedView(taskId, r, rd) != 0) E.drawGraphSeed(taskId, r, rd);
    }

    // ================================================================== settlement (SettlementLogic)

    /// @inheritdoc ICoordinator
    function submitAggregate(uint256 taskId, uint256 roundNumber, Aggregate calldata agg) external nonReentrant {
        SettlementLogic.submitAggregate(_state, _vault, taskId, roundNumber, agg);
    }

    /// @inheritdoc ICoordinator
    function recordExclusion(uint256 taskId, uint256 roundNumber, address member, ExclusionReason reason) external {
        SettlementLogic.recordExclusion(_state, taskId, roundNumber, member, reason);
    }

    /// @inheritdoc ICoordinator
    function attest(uint256 taskId, uint256 roundNumber) external {
        SettlementLogic.vote(_state, taskId, roundNumber, false);
    }

    /// @inheritdoc ICoordinator
    function challenge(uint256 taskId, uint256 roundNumber) external {
        SettlementLogic.vote(_state, taskId, roundNumber, true);
    }

    /// @inheritdoc ICoordinator
    function finalize(uint256 taskId, uint256 roundNumber) external nonReentrant {
        SettlementLogic.finalize(_state, _vault, _models, taskId, roundNumber);
    }

    /// @inheritdoc ICoordinator
    function slashAbsent(uint256 taskId, uint256 roundNumber, address member) external nonReentrant {
        SettlementLogic.slashAbsent(_state, _vault, _registry, taskId, roundNumber, member);
    }

    /// @inheritdoc ICoordinator
    function slashFault(uint256 taskId, uint256 roundNumber, address member) external nonReentrant {
        SettlementLogic.slashFault(_state, _vault, _registry, taskId, roundNumber, member);
    }

    /// @inheritdoc ICoordinator
    function slashLoser(uint256 taskId, uint256 roundNumber, address voter) external nonReentrant {
        SettlementLogic.slashLoser(_state, _vault, _registry, taskId, roundNumber, voter);
    }

    // ================================================================== rewards

    /// @inheritdoc ICoordinator
    /// @dev No reentrancy guard, to keep the claim cheap: checks-effects-interactions (the claimed bit and amount
    /// are written before the only external call, to the vault, which transfers last), so a re-entrant claim of
    /// the same leaf fails with `CoordinatorAlreadyClaimed`. `rewardsOpen` (set when the round is finalized) sits
    /// in the same slot as `rewardTotal` and `claimed`, so the round's phase slot is not read.
    function claim(uint256 taskId, uint256 roundNumber, uint256 amount, RewardTree.Node[] calldata proof) external {
        S.RoundStore storage rd = _state.rounds[taskId][roundNumber];
        if (!rd.rewardsOpen) {
            revert CoordinatorWrongPhase(taskId, roundNumber, Phase.Finalized, rd.s.phase);
        }
        if (amount == 0) revert CoordinatorZeroValue(taskId, roundNumber);
        mapping(uint256 word => uint256) storage bits = _state.claimedBits[taskId][msg.sender];
        uint256 word = bits[roundNumber >> 8];
        uint256 bit = 1 << (roundNumber & 0xff);
        if (word & bit != 0) revert CoordinatorAlreadyClaimed(taskId, roundNumber, msg.sender);
        _requireRewardProof(taskId, roundNumber, rd, amount, proof);
        uint256 claimed = rd.claimed;
        uint256 remaining = rd.rewardTotal - claimed; // never short: the tree's leaves add up to rewardTotal
        if (amount > remaining) revert CoordinatorClaimExceedsTotal(taskId, roundNumber, amount, remaining);
        rd.claimed = uint120(claimed + amount);
        bits[roundNumber >> 8] = word | bit;
        emit RewardClaimed(taskId, roundNumber, msg.sender, amount);
        _vault.payReward(taskId, msg.sender, amount);
    }

    // ================================================================== views

    /// @inheritdoc ICoordinator
    function vault() external view returns (IStakeVault) {
        return _vault;
    }

    /// @inheritdoc ICoordinator
    function participantRegistry() external view returns (IParticipantRegistry) {
        return _registry;
    }

    /// @inheritdoc ICoordinator
    function modelRegistry() external view returns (IModelRegistry) {
        return _models;
    }

    /// @inheritdoc ICoordinator
    function consentLedger() external view returns (IConsentLedger) {
        return _consent;
    }

    /// @inheritdoc ICoordinator
    function taskCount() external view returns (uint256) {
        return _state.taskCount;
    }

    /// @inheritdoc ICoordinator
    function task(uint256 taskId) external view returns (Task memory) {
        return CoordinatorViews.task(_state, taskId);
    }

    /// @inheritdoc ICoordinator
    function round(uint256 taskId, uint256 roundNumber) external view returns (Round memory) {
        return CoordinatorViews.round(_state, taskId, roundNumber);
    }

    /// @inheritdoc ICoordinator
    function currentRound(uint256 taskId) external view returns (uint256) {
        return E.task(_state, taskId).roundCount;
    }

    /// @inheritdoc ICoordinator
    function currentPhase(uint256 taskId) external view returns (Phase) {
        uint256 r = E.task(_state, taskId).roundCount;
        if (r == 0) return Phase.None;
        (S.RoundState memory s,) = E.simulate(_state, taskId, _state.rounds[taskId][r]);
        return s.phase;
    }

    /// @inheritdoc ICoordinator
    function isInCohort(uint256 taskId, uint256 roundNumber, address member) external view returns (bool inCohort) {
        (inCohort,) = cohortPosition(taskId, roundNumber, member);
    }

    /// @inheritdoc ICoordinator
    function cohortPosition(uint256 taskId, uint256 roundNumber, address member)
        public
        view
        returns (bool inCohort, uint256 position)
    {
        S.RoundStore storage rd = _state.rounds[taskId][roundNumber];
        S.RoundState storage s = rd.s;
        S.Activity storage a = _state.activity[taskId][member];
        bytes32 seed = E.seedView(taskId, roundNumber, rd);
        uint256 n = s.memberCount;
        if (s.phase == Phase.None || !a.joined || seed == 0 || a.index >= n) return (false, 0);
        position = RoundMath.cohortPosition(seed, n, a.index);
        inCohort = position < s.cohortSize;
    }

    /// @inheritdoc ICoordinator
    function memberActivity(uint256 taskId, address member) external view returns (MemberActivity memory) {
        return CoordinatorViews.memberActivity(_state, taskId, member);
    }

    /// @inheritdoc ICoordinator
    function commitmentOf(uint256 taskId, uint256 roundNumber, address member) external view returns (bytes32) {
        if (roundNumber == 0 || _state.activity[taskId][member].committed != roundNumber) return bytes32(0);
        return _state.commitments[taskId][member];
    }

    /// @inheritdoc ICoordinator
    function pendingSlash(uint256 taskId, address member)
        external
        view
        returns (uint256 absentRound, uint256 disputeRound, uint256 faultRound)
    {
        return CoordinatorViews.pendingSlash(_state, taskId, member);
    }

    /// @inheritdoc ICoordinator
    function isClaimed(uint256 taskId, uint256 roundNumber, address account) external view returns (bool) {
        uint256 bit = 1 << (roundNumber & 0xff);
        return roundNumber != 0 && _state.claimedBits[taskId][account][roundNumber >> 8] & bit != 0;
    }

    /// @inheritdoc ICoordinator
    function computeCommitment(
        uint256 taskId,
        uint256 roundNumber,
        address member,
        bytes32 updateHash,
        uint256 numExamples,
        bytes32 salt
    ) external pure returns (bytes32) {
        return keccak256(abi.encode(taskId, roundNumber, member, updateHash, numExamples, salt));
    }

    /// @inheritdoc ICoordinator
    function rewardLeaf(address account, uint256 amount) external pure returns (bytes32) {
        return RewardTree.leaf(account, amount);
    }

    // ================================================================== internals

    /// @dev `proof` leads from the caller's leaf to the round's root, under a total of exactly `rewardTotal`.
    function _requireRewardProof(
        uint256 taskId,
        uint256 roundNumber,
        S.RoundStore storage rd,
        uint256 amount,
        RewardTree.Node[] calldata proof
    ) private view {
        (bytes32 root, uint256 total) = RewardTree.rootOf(msg.sender, amount, proof);
        if (root != rd.rewardsRoot || total != rd.rewardTotal) {
            revert CoordinatorInvalidProof(taskId, roundNumber, msg.sender);
        }
    }

    function _requireActiveMember(uint256 taskId, S.Activity storage a) private view {
        if (!a.joined) revert CoordinatorNotMember(taskId, msg.sender);
        if (a.suspended) revert CoordinatorSuspended(taskId, msg.sender);
    }

    /// @dev The member's cohort position (its protocol id), drawing the round's seed if it is not stored yet;
    /// `CoordinatorNotInCohort` if it is not in the cohort.
    function _cohortId(uint256 taskId, uint256 r, S.RoundStore storage rd, S.Activity storage a)
        private
        returns (uint256 id)
    {
        bytes32 seed = E.drawSeed(taskId, r, rd);
        S.RoundState storage s = rd.s;
        uint256 n = s.memberCount;
        uint256 index = a.index;
        if (index < n) id = RoundMath.cohortPosition(seed, n, index);
        if (index >= n || id >= s.cohortSize) revert CoordinatorNotInCohort(taskId, r, msg.sender);
    }
}
