// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ICoordinator} from "./interfaces/ICoordinator.sol";
import {IStakeVault} from "./interfaces/IStakeVault.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IConsentLedger} from "./interfaces/IConsentLedger.sol";
import {RoundMath} from "./libraries/RoundMath.sol";

/// @title Coordinator
/// @notice Runs fedchain tasks: membership, rounds and their phase machine, commit/reveal, secure-aggregation key
/// exchange, bonded aggregates, stake-weighted disputes, Merkle rewards and evidence-based slashing. It holds no
/// tokens: money moves through the `StakeVault`; membership lives in the `ParticipantRegistry`, models in the
/// `ModelRegistry`, consent in the `ConsentLedger` (this contract holds `OPERATOR_ROLE` on all four).
/// @dev No function iterates over members. Per member and task, the round state is one packed slot of `uint32`
/// round markers (plus the member's list index, cached from the registry, which only this contract writes) and one
/// reused commitment slot set to a non-zero sentinel at join, so commit and reveal overwrite non-zero slots
/// (5,000 gas each) instead of filling fresh ones (22,100).
/// `Sealed` and `OnChain` tasks currently run the `Plain` phase sequence.
contract Coordinator is ReentrancyGuard, ICoordinator {
    // ================================================================== storage layout

    struct TaskStore {
        // slot 0
        address owner;
        Mode mode;
        bool closed;
        uint32 roundCount;
        uint32 maxRounds;
        // slot 1
        address aggregator;
        uint32 cohortSize;
        // slot 2
        bytes32 specHash;
        // slot 3
        uint128 requiredStake;
        uint128 rewardPerRound;
        // slot 4
        uint128 aggregatorBond;
        uint128 nonRevealSlash;
        // slot 5
        uint128 disputeSlash;
        // slot 6: [0] = effective minRevealers, [p] = duration of phase p (AdvertiseKeys = 1 .. Challenge = 7)
        uint32[8] timing;
    }

    /// @dev The hot slot of a round: everything commit/reveal read and write.
    struct RoundState {
        Phase phase;
        Mode mode;
        uint40 deadline;
        uint32 memberCount;
        uint32 cohortStart;
        uint32 cohortSize;
        uint32 eligible;
        uint32 acted;
        uint32 revealers;
    }

    struct RoundStore {
        RoundState s;
        bytes32 seed;
        bytes32 revealDigest;
        bytes32 baseModelHash;
        bytes32 modelHash;
        bytes32 metricsHash;
        bytes32 rewardsRoot;
        // one slot: everything a claim checks and updates besides the root
        uint120 rewardTotal;
        uint120 claimed;
        bool rewardsOpen;
        uint256 attestWeight;
        uint256 challengeWeight;
        uint128 bond;
        uint40 openedAt;
        uint32 attestCount;
        uint32 challengeCount;
        string locator;
    }

    /// @dev The hot per-member slot: list index and the last round of each step.
    struct Activity {
        uint32 index;
        uint32 advertised;
        uint32 shared;
        uint32 committed;
        uint32 revealed;
        uint32 unmasked;
        uint32 excluded;
        bool joined;
        bool suspended;
    }

    /// @dev The cold per-member slot: last vote and last slashes.
    struct Votes {
        uint32 voted;
        bool votedChallenge;
        uint32 slashedNonReveal;
        uint32 slashedDispute;
    }

    /// @dev Value of a commitment slot that holds no live commitment (never zero, so writes stay non-zero).
    bytes32 private constant _SENTINEL = bytes32(uint256(1));

    IStakeVault private immutable _vault;
    IParticipantRegistry private immutable _registry;
    IModelRegistry private immutable _models;
    IConsentLedger private immutable _consent;

    uint256 private _taskCount;
    mapping(uint256 task => TaskStore) private _tasks;
    mapping(uint256 task => mapping(uint256 round => RoundStore)) private _rounds;
    mapping(uint256 task => mapping(address member => Activity)) private _activity;
    mapping(uint256 task => mapping(address member => Votes)) private _votes;
    mapping(uint256 task => mapping(address member => bytes32)) private _commitments;
    mapping(uint256 task => mapping(address account => mapping(uint256 word => uint256))) private _claimedBits;

    /// @notice Wires the coordinator to its four state contracts. After deployment, each of them must grant
    /// `OPERATOR_ROLE` to this contract. The coordinator has no admin and no upgrade path.
    /// @param vault_ Stake vault.
    /// @param registry_ Participant registry.
    /// @param models_ Model registry.
    /// @param consent_ Consent ledger.
    constructor(
        IStakeVault vault_,
        IParticipantRegistry registry_,
        IModelRegistry models_,
        IConsentLedger consent_
    ) {
        if (
            address(vault_) == address(0) || address(registry_) == address(0) || address(models_) == address(0)
                || address(consent_) == address(0)
        ) revert CoordinatorInvalidParams(type(uint256).max);
        _vault = vault_;
        _registry = registry_;
        _models = models_;
        _consent = consent_;
    }

    // ================================================================== tasks

    /// @inheritdoc ICoordinator
    function createTask(TaskParams calldata p) external nonReentrant returns (uint256 taskId) {
        _validate(p);
        taskId = ++_taskCount;
        TaskStore storage t = _tasks[taskId];
        t.owner = msg.sender;
        t.mode = p.mode;
        t.maxRounds = p.maxRounds;
        t.aggregator = p.aggregator;
        t.cohortSize = p.cohortSize;
        t.specHash = p.specHash;
        t.requiredStake = uint128(p.requiredStake);
        t.rewardPerRound = uint128(p.rewardPerRound);
        t.aggregatorBond = uint128(p.aggregatorBond);
        t.nonRevealSlash = uint128(p.nonRevealSlash);
        t.disputeSlash = uint128(p.disputeSlash);
        Durations calldata d = p.durations;
        t.timing = [
            uint32(RoundMath.minRevealersOf(p.minRevealers)),
            d.advertise,
            d.share,
            d.commit,
            d.reveal,
            d.unmask,
            d.aggregate,
            d.challenge
        ];
        emit TaskCreated(taskId, msg.sender, p.aggregator, p.mode, p.specHash, p.rewardPool);
        _models.initializeTask(taskId, p.initialModelHash, p.initialModelLocator);
        if (p.rewardPool != 0) _vault.fundPool(taskId, msg.sender, p.rewardPool);
    }

    /// @inheritdoc ICoordinator
    function closeTask(uint256 taskId) external nonReentrant {
        TaskStore storage t = _task(taskId);
        address owner = t.owner;
        if (msg.sender != owner) revert CoordinatorNotTaskOwner(taskId, msg.sender);
        if (t.closed) revert CoordinatorTaskClosed(taskId);
        _requireIdle(taskId, t.roundCount);
        t.closed = true;
        uint256 refund = _vault.withdrawPool(taskId, owner);
        emit TaskClosed(taskId, refund);
    }

    // ================================================================== membership

    /// @inheritdoc ICoordinator
    function join(uint256 taskId, uint256 stake, bytes32 datasetCommitment, bytes32 consentRef)
        external
        nonReentrant
    {
        TaskStore storage t = _task(taskId);
        if (t.closed) revert CoordinatorTaskClosed(taskId);
        Activity storage a = _activity[taskId][msg.sender];
        if (a.joined) revert CoordinatorAlreadyMember(taskId, msg.sender);
        uint256 required = t.requiredStake;
        if (stake < required) revert CoordinatorStakeTooLow(taskId, stake, required);
        if (!_consent.isConsentValid(msg.sender, consentRef, datasetCommitment)) {
            revert CoordinatorConsentInvalid(msg.sender, consentRef);
        }
        uint256 index = _registry.add(taskId, msg.sender, datasetCommitment, consentRef);
        a.index = uint32(index);
        a.joined = true;
        a.suspended = false;
        if (_commitments[taskId][msg.sender] == bytes32(0)) _commitments[taskId][msg.sender] = _SENTINEL;
        // Bit 0 of the first claim word stands for round 0, which never exists: setting it here makes every
        // claim of rounds 1..255 a non-zero -> non-zero write (join pays the fresh slot once, claims never do).
        _claimedBits[taskId][msg.sender][0] |= 1;
        emit MemberJoined(taskId, msg.sender, index, stake);
        _consent.recordProvenance(taskId, msg.sender, datasetCommitment);
        _vault.depositStake(taskId, msg.sender, stake);
    }

    /// @inheritdoc ICoordinator
    function leave(uint256 taskId) external nonReentrant {
        TaskStore storage t = _task(taskId);
        Activity storage a = _activity[taskId][msg.sender];
        if (!a.joined) revert CoordinatorNotMember(taskId, msg.sender);
        _requireIdle(taskId, t.roundCount);
        _requireNoPendingSlash(taskId, msg.sender, a);
        _removeMember(taskId, msg.sender, a);
        uint256 stake = _vault.releaseStake(taskId, msg.sender);
        emit MemberLeft(taskId, msg.sender, stake);
    }

    /// @inheritdoc ICoordinator
    function evict(uint256 taskId, address member) external nonReentrant {
        TaskStore storage t = _task(taskId);
        Activity storage a = _activity[taskId][member];
        if (!a.joined) revert CoordinatorNotMember(taskId, member);
        _requireIdle(taskId, t.roundCount);
        if (!a.suspended) {
            IParticipantRegistry.Member memory m = _registry.member(taskId, member);
            if (_consent.isConsentValid(member, m.consentRef, m.datasetCommitment)) {
                revert CoordinatorConsentStillValid(taskId, member);
            }
        }
        _requireNoPendingSlash(taskId, member, a);
        _removeMember(taskId, member, a);
        uint256 stake = _vault.releaseStake(taskId, member);
        emit MemberEvicted(taskId, member, msg.sender, stake);
    }

    // ================================================================== rounds

    /// @inheritdoc ICoordinator
    function openRound(uint256 taskId) external returns (uint256 roundNumber) {
        TaskStore storage t = _task(taskId);
        if (t.closed) revert CoordinatorTaskClosed(taskId);
        uint256 previous = t.roundCount;
        _requireIdle(taskId, previous);
        uint256 maxRounds = t.maxRounds;
        if (maxRounds != 0 && previous >= maxRounds) revert CoordinatorMaxRoundsReached(taskId, maxRounds);
        uint32[8] storage timing = t.timing;
        uint256 n = _registry.memberCount(taskId);
        if (n < timing[0]) revert CoordinatorNotEnoughMembers(taskId, n, timing[0]);

        roundNumber = previous + 1;
        t.roundCount = uint32(roundNumber);
        Mode mode = t.mode;
        bytes32 seed = RoundMath.seed(block.prevrandao, taskId, roundNumber);
        uint256 start = RoundMath.cohortStart(seed, n);
        uint256 c = RoundMath.cohortSize(t.cohortSize, n);
        Phase first = mode == Mode.SecAgg ? Phase.AdvertiseKeys : Phase.Commit;
        uint256 deadline = block.timestamp + timing[uint8(first)];

        RoundStore storage rd = _rounds[taskId][roundNumber];
        rd.s = RoundState({
            phase: first,
            mode: mode,
            deadline: uint40(deadline),
            memberCount: uint32(n),
            cohortStart: uint32(start),
            cohortSize: uint32(c),
            eligible: uint32(c),
            acted: 0,
            revealers: 0
        });
        rd.seed = seed;
        rd.revealDigest = seed;
        rd.baseModelHash = _models.headHash(taskId);
        rd.openedAt = uint40(block.timestamp);
        emit RoundOpened(taskId, roundNumber, seed, n, start, c, first, deadline);
    }

    /// @inheritdoc ICoordinator
    function advertiseKeys(uint256 taskId, uint256 roundNumber, bytes32 maskPk, bytes32 encPk) external {
        RoundStore storage rd = _rounds[taskId][roundNumber];
        _requirePhase(taskId, roundNumber, rd, Phase.AdvertiseKeys);
        Activity storage a = _activity[taskId][msg.sender];
        uint32 r = uint32(roundNumber);
        _requireActiveMember(taskId, a);
        if (a.advertised == r) revert CoordinatorAlreadyActed(taskId, roundNumber, msg.sender);
        RoundState storage s = rd.s;
        if (!RoundMath.inCohort(a.index, s.memberCount, s.cohortStart, s.cohortSize)) {
            revert CoordinatorNotInCohort(taskId, roundNumber, msg.sender);
        }
        _requireNoPendingNonReveal(taskId, msg.sender, a);
        a.advertised = r;
        emit KeysAdvertised(taskId, roundNumber, msg.sender, maskPk, encPk);
        _acted(taskId, roundNumber, rd);
    }

    /// @inheritdoc ICoordinator
    function shareKeys(uint256 taskId, uint256 roundNumber, bytes32 sharesHash, string calldata locator) external {
        RoundStore storage rd = _rounds[taskId][roundNumber];
        _requirePhase(taskId, roundNumber, rd, Phase.ShareKeys);
        Activity storage a = _activity[taskId][msg.sender];
        uint32 r = uint32(roundNumber);
        if (a.advertised != r) revert CoordinatorNotEligible(taskId, roundNumber, msg.sender);
        if (a.shared == r) revert CoordinatorAlreadyActed(taskId, roundNumber, msg.sender);
        a.shared = r;
        emit KeysShared(taskId, roundNumber, msg.sender, sharesHash, locator);
        _acted(taskId, roundNumber, rd);
    }

    /// @inheritdoc ICoordinator
    function commit(uint256 taskId, uint256 roundNumber, bytes32 commitment) external {
        RoundStore storage rd = _rounds[taskId][roundNumber];
        _requirePhase(taskId, roundNumber, rd, Phase.Commit);
        if (commitment == bytes32(0)) revert CoordinatorZeroValue(taskId, roundNumber);
        Activity storage a = _activity[taskId][msg.sender];
        uint32 r = uint32(roundNumber);
        _requireActiveMember(taskId, a);
        if (a.committed == r) revert CoordinatorAlreadyActed(taskId, roundNumber, msg.sender);
        RoundState storage s = rd.s;
        if (s.mode == Mode.SecAgg) {
            if (a.shared != r) revert CoordinatorNotEligible(taskId, roundNumber, msg.sender);
        } else if (!RoundMath.inCohort(a.index, s.memberCount, s.cohortStart, s.cohortSize)) {
            revert CoordinatorNotInCohort(taskId, roundNumber, msg.sender);
        }
        _requireNoPendingNonReveal(taskId, msg.sender, a);
        a.committed = r;
        _commitments[taskId][msg.sender] = commitment;
        emit UpdateCommitted(taskId, roundNumber, msg.sender, commitment);
        _acted(taskId, roundNumber, rd);
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
        RoundStore storage rd = _rounds[taskId][roundNumber];
        _requirePhase(taskId, roundNumber, rd, Phase.Reveal);
        Activity storage a = _activity[taskId][msg.sender];
        uint32 r = uint32(roundNumber);
        if (a.committed != r) revert CoordinatorNotEligible(taskId, roundNumber, msg.sender);
        if (a.revealed == r) revert CoordinatorAlreadyActed(taskId, roundNumber, msg.sender);
        if (
            keccak256(abi.encode(taskId, roundNumber, msg.sender, updateHash, salt))
                != _commitments[taskId][msg.sender]
        ) revert CoordinatorCommitmentMismatch(taskId, roundNumber, msg.sender);
        a.revealed = r;
        bytes32 digest = keccak256(abi.encode(rd.revealDigest, msg.sender, updateHash));
        rd.revealDigest = digest;
        emit UpdateRevealed(taskId, roundNumber, msg.sender, updateHash, numExamples, locator, digest);
        _acted(taskId, roundNumber, rd);
    }

    /// @inheritdoc ICoordinator
    function unmask(uint256 taskId, uint256 roundNumber, bytes32 sharesHash, string calldata locator) external {
        RoundStore storage rd = _rounds[taskId][roundNumber];
        _requirePhase(taskId, roundNumber, rd, Phase.Unmask);
        Activity storage a = _activity[taskId][msg.sender];
        uint32 r = uint32(roundNumber);
        if (a.revealed != r) revert CoordinatorNotEligible(taskId, roundNumber, msg.sender);
        if (a.unmasked == r) revert CoordinatorAlreadyActed(taskId, roundNumber, msg.sender);
        a.unmasked = r;
        emit SharesUnmasked(taskId, roundNumber, msg.sender, sharesHash, locator);
        _acted(taskId, roundNumber, rd);
    }

    /// @inheritdoc ICoordinator
    function submitAggregate(uint256 taskId, uint256 roundNumber, Aggregate calldata agg) external nonReentrant {
        TaskStore storage t = _task(taskId);
        if (msg.sender != t.aggregator) revert CoordinatorNotAggregator(taskId, msg.sender);
        RoundStore storage rd = _rounds[taskId][roundNumber];
        _requirePhase(taskId, roundNumber, rd, Phase.Aggregate);
        if (agg.modelHash == bytes32(0)) revert CoordinatorZeroValue(taskId, roundNumber);
        bytes32 digest = rd.revealDigest;
        if (agg.revealDigest != digest) {
            revert CoordinatorDigestMismatch(taskId, roundNumber, digest, agg.revealDigest);
        }
        uint256 maxReward = t.rewardPerRound;
        uint256 pool = _vault.poolOf(taskId);
        if (pool < maxReward) maxReward = pool;
        if (agg.rewardTotal > maxReward) {
            revert CoordinatorRewardTooLarge(taskId, roundNumber, agg.rewardTotal, maxReward);
        }
        uint256 bond = t.aggregatorBond;
        rd.modelHash = agg.modelHash;
        rd.metricsHash = agg.metricsHash;
        rd.rewardsRoot = agg.rewardsRoot;
        rd.rewardTotal = uint120(agg.rewardTotal);
        rd.bond = uint128(bond);
        rd.locator = agg.locator;
        uint256 deadline = block.timestamp + t.timing[uint8(Phase.Challenge)];
        _setPhase(taskId, roundNumber, rd.s, Phase.Challenge, deadline, 0);
        emit AggregateSubmitted(
            taskId,
            roundNumber,
            agg.modelHash,
            agg.rewardsRoot,
            agg.rewardTotal,
            agg.metricsHash,
            agg.locator,
            bond,
            deadline
        );
        _vault.postBond(taskId, msg.sender, bond);
    }

    /// @inheritdoc ICoordinator
    function recordExclusion(uint256 taskId, uint256 roundNumber, address member, ExclusionReason reason) external {
        TaskStore storage t = _task(taskId);
        if (msg.sender != t.aggregator) revert CoordinatorNotAggregator(taskId, msg.sender);
        RoundStore storage rd = _rounds[taskId][roundNumber];
        _requirePhase(taskId, roundNumber, rd, Phase.Aggregate);
        Activity storage a = _activity[taskId][member];
        uint32 r = uint32(roundNumber);
        if (a.revealed != r) revert CoordinatorNotEligible(taskId, roundNumber, member);
        if (a.excluded == r) revert CoordinatorAlreadyActed(taskId, roundNumber, member);
        a.excluded = r;
        emit UpdateExcluded(taskId, roundNumber, member, reason);
    }

    /// @inheritdoc ICoordinator
    function attest(uint256 taskId, uint256 roundNumber) external {
        _vote(taskId, roundNumber, false);
    }

    /// @inheritdoc ICoordinator
    function challenge(uint256 taskId, uint256 roundNumber) external {
        _vote(taskId, roundNumber, true);
    }

    /// @inheritdoc ICoordinator
    function finalize(uint256 taskId, uint256 roundNumber) external nonReentrant {
        TaskStore storage t = _task(taskId);
        RoundStore storage rd = _rounds[taskId][roundNumber];
        RoundState storage s = rd.s;
        Phase phase = s.phase;
        if (phase != Phase.Challenge) revert CoordinatorWrongPhase(taskId, roundNumber, Phase.Challenge, phase);
        uint256 deadline = s.deadline;
        if (block.timestamp < deadline) revert CoordinatorTooEarly(taskId, roundNumber, deadline);
        uint256 attestWeight = rd.attestWeight;
        uint256 challengeWeight = rd.challengeWeight;
        uint256 bond = rd.bond;
        if (rd.challengeCount == 0 || attestWeight > challengeWeight) {
            _setPhase(taskId, roundNumber, s, Phase.Finalized, 0, 0);
            rd.rewardsOpen = true;
            bytes32 modelHash = rd.modelHash;
            uint256 version_ = _models.append(taskId, modelHash, roundNumber, rd.locator, rd.metricsHash);
            uint256 rewardTotal = rd.rewardTotal;
            emit RoundFinalized(taskId, roundNumber, modelHash, version_, rewardTotal);
            _vault.allocateRewards(taskId, rewardTotal);
            _vault.releaseBond(taskId, t.aggregator, bond);
        } else {
            _setPhase(taskId, roundNumber, s, Phase.Rejected, 0, 0);
            emit RoundRejected(taskId, roundNumber, attestWeight, challengeWeight);
            _vault.forfeitBond(taskId, bond);
        }
    }

    /// @inheritdoc ICoordinator
    function advance(uint256 taskId) external returns (Phase phase) {
        TaskStore storage t = _task(taskId);
        uint256 r = t.roundCount;
        if (r == 0) return Phase.None;
        return _sync(taskId, r, _rounds[taskId][r]);
    }

    // ================================================================== rewards and slashing

    /// @inheritdoc ICoordinator
    /// @dev No reentrancy guard, to keep the claim cheap: checks-effects-interactions (the claimed bit and amount
    /// are written before the only external call, to the vault, which transfers last), so a re-entrant claim of
    /// the same leaf fails with `CoordinatorAlreadyClaimed`. `rewardsOpen` (set when the round is finalized) sits
    /// in the same slot as `rewardTotal` and `claimed`, so the round's phase slot is not read.
    function claim(uint256 taskId, uint256 roundNumber, uint256 amount, bytes32[] calldata proof) external {
        RoundStore storage rd = _rounds[taskId][roundNumber];
        if (!rd.rewardsOpen) {
            revert CoordinatorWrongPhase(taskId, roundNumber, Phase.Finalized, rd.s.phase);
        }
        if (amount == 0) revert CoordinatorZeroValue(taskId, roundNumber);
        mapping(uint256 word => uint256) storage bits = _claimedBits[taskId][msg.sender];
        uint256 word = bits[roundNumber >> 8];
        uint256 bit = 1 << (roundNumber & 0xff);
        if (word & bit != 0) revert CoordinatorAlreadyClaimed(taskId, roundNumber, msg.sender);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(msg.sender, amount))));
        if (!MerkleProof.verifyCalldata(proof, rd.rewardsRoot, leaf)) {
            revert CoordinatorInvalidProof(taskId, roundNumber, msg.sender);
        }
        uint256 claimed = rd.claimed;
        uint256 remaining = rd.rewardTotal - claimed;
        if (amount > remaining) revert CoordinatorClaimExceedsTotal(taskId, roundNumber, amount, remaining);
        rd.claimed = uint120(claimed + amount);
        bits[roundNumber >> 8] = word | bit;
        emit RewardClaimed(taskId, roundNumber, msg.sender, amount);
        _vault.payReward(taskId, msg.sender, amount);
    }

    /// @inheritdoc ICoordinator
    function slashNonRevealer(uint256 taskId, uint256 roundNumber, address member) external nonReentrant {
        TaskStore storage t = _task(taskId);
        _requireSettled(taskId, roundNumber);
        Activity storage a = _activity[taskId][member];
        uint32 r = uint32(roundNumber);
        if (a.committed != r || a.revealed == r) revert CoordinatorNoEvidence(taskId, roundNumber, member);
        Votes storage v = _votes[taskId][member];
        if (v.slashedNonReveal == r) revert CoordinatorAlreadySlashed(taskId, roundNumber, member);
        v.slashedNonReveal = r;
        uint256 taken = _slash(taskId, t, member, a, t.nonRevealSlash, IParticipantRegistry.SlashKind.NonReveal);
        emit NonRevealerSlashed(taskId, roundNumber, member, msg.sender, taken);
    }

    /// @inheritdoc ICoordinator
    function slashLoser(uint256 taskId, uint256 roundNumber, address voter) external nonReentrant {
        TaskStore storage t = _task(taskId);
        Phase phase = _requireSettled(taskId, roundNumber);
        Votes storage v = _votes[taskId][voter];
        uint32 r = uint32(roundNumber);
        if (v.voted != r || !_lost(phase, v.votedChallenge)) {
            revert CoordinatorNoEvidence(taskId, roundNumber, voter);
        }
        if (v.slashedDispute == r) revert CoordinatorAlreadySlashed(taskId, roundNumber, voter);
        v.slashedDispute = r;
        uint256 taken = _slash(
            taskId, t, voter, _activity[taskId][voter], t.disputeSlash, IParticipantRegistry.SlashKind.DisputeLost
        );
        emit LoserSlashed(taskId, roundNumber, voter, msg.sender, taken);
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
        return _taskCount;
    }

    /// @inheritdoc ICoordinator
    function task(uint256 taskId) external view returns (Task memory out) {
        TaskStore storage t = _task(taskId);
        uint32[8] storage tm = t.timing;
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
        out.durations = Durations(tm[1], tm[2], tm[3], tm[4], tm[5], tm[6], tm[7]);
    }

    /// @inheritdoc ICoordinator
    function round(uint256 taskId, uint256 roundNumber) external view returns (Round memory out) {
        RoundStore storage rd = _rounds[taskId][roundNumber];
        RoundState memory s = _simulate(taskId, rd.s);
        out.phase = s.phase;
        out.mode = s.mode;
        out.deadline = s.deadline;
        out.openedAt = rd.openedAt;
        out.memberCount = s.memberCount;
        out.cohortStart = s.cohortStart;
        out.cohortSize = s.cohortSize;
        out.eligible = s.eligible;
        out.acted = s.acted;
        out.revealers = s.revealers;
        out.attestCount = rd.attestCount;
        out.challengeCount = rd.challengeCount;
        out.seed = rd.seed;
        out.revealDigest = rd.revealDigest;
        out.baseModelHash = rd.baseModelHash;
        out.modelHash = rd.modelHash;
        out.metricsHash = rd.metricsHash;
        out.rewardsRoot = rd.rewardsRoot;
        out.rewardTotal = rd.rewardTotal;
        out.claimed = rd.claimed;
        out.bond = rd.bond;
        out.attestWeight = rd.attestWeight;
        out.challengeWeight = rd.challengeWeight;
        out.locator = rd.locator;
    }

    /// @inheritdoc ICoordinator
    function currentRound(uint256 taskId) external view returns (uint256) {
        return _task(taskId).roundCount;
    }

    /// @inheritdoc ICoordinator
    function currentPhase(uint256 taskId) external view returns (Phase) {
        uint256 r = _task(taskId).roundCount;
        if (r == 0) return Phase.None;
        return _simulate(taskId, _rounds[taskId][r].s).phase;
    }

    /// @inheritdoc ICoordinator
    function isInCohort(uint256 taskId, uint256 roundNumber, address member) external view returns (bool) {
        RoundState storage s = _rounds[taskId][roundNumber].s;
        Activity storage a = _activity[taskId][member];
        return s.phase != Phase.None && a.joined
            && RoundMath.inCohort(a.index, s.memberCount, s.cohortStart, s.cohortSize);
    }

    /// @inheritdoc ICoordinator
    function memberActivity(uint256 taskId, address member) external view returns (MemberActivity memory out) {
        Activity storage a = _activity[taskId][member];
        Votes storage v = _votes[taskId][member];
        out = MemberActivity(
            a.joined,
            a.suspended,
            a.index,
            a.advertised,
            a.shared,
            a.committed,
            a.revealed,
            a.unmasked,
            a.excluded,
            v.voted,
            v.votedChallenge,
            v.slashedNonReveal,
            v.slashedDispute
        );
    }

    /// @inheritdoc ICoordinator
    function commitmentOf(uint256 taskId, uint256 roundNumber, address member) external view returns (bytes32) {
        if (roundNumber == 0 || _activity[taskId][member].committed != roundNumber) return bytes32(0);
        return _commitments[taskId][member];
    }

    /// @inheritdoc ICoordinator
    function pendingSlash(uint256 taskId, address member)
        external
        view
        returns (uint256 nonRevealRound, uint256 disputeRound)
    {
        Activity storage a = _activity[taskId][member];
        Votes storage v = _votes[taskId][member];
        nonRevealRound = _pendingNonReveal(taskId, a, v);
        disputeRound = _pendingDispute(taskId, v);
    }

    /// @inheritdoc ICoordinator
    function isClaimed(uint256 taskId, uint256 roundNumber, address account) external view returns (bool) {
        return roundNumber != 0 && _claimedBits[taskId][account][roundNumber >> 8] & (1 << (roundNumber & 0xff)) != 0;
    }

    /// @inheritdoc ICoordinator
    function computeCommitment(uint256 taskId, uint256 roundNumber, address member, bytes32 updateHash, bytes32 salt)
        external
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(taskId, roundNumber, member, updateHash, salt));
    }

    /// @inheritdoc ICoordinator
    function rewardLeaf(address account, uint256 amount) external pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, amount))));
    }

    // ================================================================== internals: phases

    /// @dev Moves round `r` forward if its auto-closing phase expired (one step: the next phase's deadline is in
    /// the future) and returns the resulting phase.
    function _sync(uint256 taskId, uint256 r, RoundStore storage rd) private returns (Phase phase) {
        RoundState storage s = rd.s;
        phase = s.phase;
        if (RoundMath.isAutoClosing(phase) && block.timestamp >= s.deadline) phase = _close(taskId, r, s);
    }

    /// @dev Syncs and requires `expected`.
    function _requirePhase(uint256 taskId, uint256 r, RoundStore storage rd, Phase expected) private {
        Phase phase = _sync(taskId, r, rd);
        if (phase != expected) revert CoordinatorWrongPhase(taskId, r, expected, phase);
    }

    /// @dev Counts one actor of the current phase and closes it when everyone eligible has acted.
    function _acted(uint256 taskId, uint256 r, RoundStore storage rd) private {
        RoundState storage s = rd.s;
        uint32 acted = s.acted + 1;
        s.acted = acted;
        if (acted >= s.eligible) _close(taskId, r, s);
    }

    /// @dev Closes the current phase and starts the next one (or aborts).
    function _close(uint256 taskId, uint256 r, RoundState storage s) private returns (Phase next) {
        Phase current = s.phase;
        uint256 acted = s.acted;
        (Phase next_, uint256 deadline, uint256 eligible) = _transition(taskId, current, s.mode, acted);
        if (current == Phase.Reveal) s.revealers = uint32(acted);
        _setPhase(taskId, r, s, next_, deadline, eligible);
        return next_;
    }

    /// @dev The phase after `current` closes with `acted` actors, its deadline and its eligible count.
    function _transition(uint256 taskId, Phase current, Mode mode, uint256 acted)
        private
        view
        returns (Phase next, uint256 deadline, uint256 eligible)
    {
        uint32[8] storage timing = _tasks[taskId].timing;
        (next, eligible) = RoundMath.nextPhase(current, mode, acted, timing[0]);
        deadline = next == Phase.Aborted ? 0 : block.timestamp + timing[uint8(next)];
    }

    function _setPhase(uint256 taskId, uint256 r, RoundState storage s, Phase next, uint256 deadline, uint256 eligible)
        private
    {
        s.phase = next;
        s.deadline = uint40(deadline);
        s.eligible = uint32(eligible);
        s.acted = 0;
        emit PhaseAdvanced(taskId, r, next, deadline, eligible);
    }

    /// @dev What `_sync` would produce now, without writing.
    function _simulate(uint256 taskId, RoundState memory s) private view returns (RoundState memory) {
        if (RoundMath.isAutoClosing(s.phase) && block.timestamp >= s.deadline) {
            (Phase next, uint256 deadline, uint256 eligible) = _transition(taskId, s.phase, s.mode, s.acted);
            if (s.phase == Phase.Reveal) s.revealers = s.acted;
            s.deadline = uint40(deadline);
            s.phase = next;
            s.eligible = uint32(eligible);
            s.acted = 0;
        }
        return s;
    }

    /// @dev Requires that the task's latest round (after syncing) is terminal, or that there is none.
    function _requireIdle(uint256 taskId, uint256 r) private {
        if (r == 0) return;
        if (!RoundMath.isIdle(_sync(taskId, r, _rounds[taskId][r]))) revert CoordinatorRoundInProgress(taskId, r);
    }

    /// @dev Requires round `r` to be Finalized or Rejected (slashable) and returns its phase.
    function _requireSettled(uint256 taskId, uint256 r) private view returns (Phase phase) {
        phase = _rounds[taskId][r].s.phase;
        if (phase != Phase.Finalized && phase != Phase.Rejected) {
            revert CoordinatorWrongPhase(taskId, r, Phase.Finalized, phase);
        }
    }

    // ================================================================== internals: members

    function _task(uint256 taskId) private view returns (TaskStore storage t) {
        if (taskId == 0 || taskId > _taskCount) revert CoordinatorUnknownTask(taskId);
        return _tasks[taskId];
    }

    function _requireActiveMember(uint256 taskId, Activity storage a) private view {
        if (!a.joined) revert CoordinatorNotMember(taskId, msg.sender);
        if (a.suspended) revert CoordinatorSuspended(taskId, msg.sender);
    }

    function _vote(uint256 taskId, uint256 roundNumber, bool against) private {
        TaskStore storage t = _task(taskId);
        if (msg.sender == t.aggregator) revert CoordinatorAggregatorCannotVote(taskId, msg.sender);
        RoundStore storage rd = _rounds[taskId][roundNumber];
        RoundState storage s = rd.s;
        Phase phase = s.phase;
        if (phase != Phase.Challenge) revert CoordinatorWrongPhase(taskId, roundNumber, Phase.Challenge, phase);
        uint256 deadline = s.deadline;
        if (block.timestamp >= deadline) revert CoordinatorTooLate(taskId, roundNumber, deadline);
        Activity storage a = _activity[taskId][msg.sender];
        // Only members that joined before the round opened vote (their index is below the round's count).
        if (!a.joined || a.index >= s.memberCount) revert CoordinatorNotMember(taskId, msg.sender);
        if (a.suspended) revert CoordinatorSuspended(taskId, msg.sender);
        Votes storage v = _votes[taskId][msg.sender];
        uint32 r = uint32(roundNumber);
        if (v.voted == r) revert CoordinatorAlreadyActed(taskId, roundNumber, msg.sender);
        uint256 pending = _pendingDispute(taskId, v);
        if (pending != 0) revert CoordinatorSlashPending(taskId, msg.sender, pending);
        uint256 weight = _vault.stakeOf(taskId, msg.sender);
        v.voted = r;
        v.votedChallenge = against;
        if (against) {
            if (rd.challengeCount == 0) {
                uint256 extended = block.timestamp + t.timing[uint8(Phase.Challenge)];
                if (extended > deadline) {
                    deadline = extended;
                    s.deadline = uint40(extended);
                }
            }
            rd.challengeCount += 1;
            rd.challengeWeight += weight;
            emit AggregateChallenged(taskId, roundNumber, msg.sender, weight, deadline);
        } else {
            rd.attestCount += 1;
            rd.attestWeight += weight;
            emit AggregateAttested(taskId, roundNumber, msg.sender, weight);
        }
    }

    /// @dev Whether a vote on side `votedChallenge` lost in a round that ended in `phase`.
    function _lost(Phase phase, bool votedChallenge) private pure returns (bool) {
        return phase == Phase.Finalized ? votedChallenge : (phase == Phase.Rejected && !votedChallenge);
    }

    /// @dev Round of an unslashed non-reveal in a settled round (0 if none). Only the last commit can be one:
    /// committing again is refused while it is pending.
    function _pendingNonReveal(uint256 taskId, Activity storage a, Votes storage v) private view returns (uint256) {
        uint32 rc = a.committed;
        if (rc == 0 || rc == a.revealed || rc == v.slashedNonReveal) return 0;
        Phase phase = _rounds[taskId][rc].s.phase;
        return phase == Phase.Finalized || phase == Phase.Rejected ? rc : 0;
    }

    /// @dev Round of an unslashed lost vote (0 if none). Only the last vote can be one: voting again is refused
    /// while it is pending.
    function _pendingDispute(uint256 taskId, Votes storage v) private view returns (uint256) {
        uint32 rv = v.voted;
        if (rv == 0 || rv == v.slashedDispute) return 0;
        return _lost(_rounds[taskId][rv].s.phase, v.votedChallenge) ? rv : 0;
    }

    function _requireNoPendingNonReveal(uint256 taskId, address member, Activity storage a) private view {
        uint32 rc = a.committed;
        // Fast path (steady state): the last commit was revealed.
        if (rc == a.revealed) return;
        uint256 pending = _pendingNonReveal(taskId, a, _votes[taskId][member]);
        if (pending != 0) revert CoordinatorSlashPending(taskId, member, pending);
    }

    function _requireNoPendingSlash(uint256 taskId, address member, Activity storage a) private view {
        Votes storage v = _votes[taskId][member];
        uint256 pending = _pendingNonReveal(taskId, a, v);
        if (pending == 0) pending = _pendingDispute(taskId, v);
        if (pending != 0) revert CoordinatorSlashPending(taskId, member, pending);
    }

    function _removeMember(uint256 taskId, address member, Activity storage a) private {
        (address moved, uint256 index) = _registry.remove(taskId, member);
        if (moved != address(0)) _activity[taskId][moved].index = uint32(index);
        a.joined = false;
        a.suspended = false;
        a.index = 0;
    }

    /// @dev Slashes `amount` (capped at the stake) from `member`: half to the caller, half to the pool (or to the
    /// owner if the task is closed). Suspends the member if its stake falls below `requiredStake`.
    function _slash(
        uint256 taskId,
        TaskStore storage t,
        address member,
        Activity storage a,
        uint256 amount,
        IParticipantRegistry.SlashKind kind
    ) private returns (uint256 taken) {
        uint256 remaining;
        (taken, remaining) = _vault.slashStake(taskId, member, amount, msg.sender);
        if (a.joined && remaining < t.requiredStake) a.suspended = true;
        _registry.recordSlash(taskId, member, kind);
        if (t.closed) _vault.withdrawPool(taskId, t.owner);
    }

    function _validate(TaskParams calldata p) private pure {
        uint256 field = _invalidField(p);
        if (field != type(uint256).max) revert CoordinatorInvalidParams(field);
    }

    /// @dev Index in `TaskParams` of the first invalid field, or `type(uint256).max` if all are valid.
    function _invalidField(TaskParams calldata p) private pure returns (uint256) {
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
        Durations calldata d = p.durations;
        if (d.commit == 0 || d.reveal == 0 || d.aggregate == 0 || d.challenge == 0) return 14;
        if (p.mode == Mode.SecAgg && (d.advertise == 0 || d.share == 0 || d.unmask == 0)) return 14;
        return type(uint256).max;
    }
}
