// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {RewardTree} from "../libraries/RewardTree.sol";

import {IStakeVault} from "./IStakeVault.sol";
import {IParticipantRegistry} from "./IParticipantRegistry.sol";
import {IModelRegistry} from "./IModelRegistry.sol";
import {IConsentLedger} from "./IConsentLedger.sol";

/// @title ICoordinator
/// @notice Tasks, rounds and their phase machine, per-member round activity, votes and reward roots. The only
/// contract users call for the learning protocol. No function iterates over members.
interface ICoordinator {
    // ================================================================== types

    /// @notice How updates are protected. `Sealed` and `OnChain` are accepted and currently run the `Plain` phase
    /// sequence; their specifics come later.
    enum Mode {
        Plain,
        SecAgg,
        Sealed,
        OnChain
    }

    /// @notice Round phases. `AdvertiseKeys`, `ShareKeys` and `Unmask` happen only in `SecAgg` mode.
    /// `Finalized`, `Rejected`, `Aborted` and `Failed` are terminal. `Failed`: the aggregator reported, and the
    /// challenge window accepted, that the round could not be aggregated (no model; its bond returns).
    enum Phase {
        None,
        AdvertiseKeys,
        ShareKeys,
        Commit,
        Reveal,
        Unmask,
        Aggregate,
        Challenge,
        Finalized,
        Rejected,
        Aborted,
        Failed
    }

    /// @notice Why the aggregator refused a revealed update. `OutOfRange`: values or an example count beyond
    /// the task spec's bounds. `BadShares`: [SecAgg] the member dealt shares that provably fail their
    /// verification (a fault: slashable once the round is accepted).
    enum ExclusionReason {
        Other,
        BadShape,
        NonFinite,
        HashMismatch,
        MissingBlob,
        OutOfRange,
        BadShares,
        NormBound,
        Duplicate
    }

    /// @notice Seconds per timed phase. Each phase's deadline is set when it begins. `idle`: after a round ends,
    /// no round opens for this long, so that members may leave and the owner may close the task.
    struct Durations {
        uint32 advertise;
        uint32 share;
        uint32 commit;
        uint32 reveal;
        uint32 unmask;
        uint32 aggregate;
        uint32 challenge;
        uint32 idle;
    }

    /// @notice Arguments of `createTask`.
    /// @dev Amounts must fit in 128 bits (`rewardPerRound` in 120 bits). `requiredStake > 0`, `cohortSize > 0`,
    /// `minRevealers <= cohortSize`, `aggregator != 0`, `initialModelHash != 0`, `maxExamples > 0` (the largest
    /// example count, i.e. FedAvg and reward weight, one member may commit to for one update), and every duration
    /// used by `mode` must be > 0.
    struct TaskParams {
        bytes32 specHash;
        bytes32 initialModelHash;
        string initialModelLocator;
        uint256 rewardPool;
        uint256 rewardPerRound;
        uint256 requiredStake;
        uint256 aggregatorBond;
        uint256 nonRevealSlash;
        uint256 disputeSlash;
        uint32 cohortSize;
        uint32 minRevealers;
        uint32 maxRounds;
        Mode mode;
        address aggregator;
        Durations durations;
        uint256 skipSlash;
        uint32 maxExamples;
    }

    /// @notice A task as returned by `task(id)`.
    /// @dev `roundCount` is the number of rounds opened so far (= the current round number, 0 if none).
    /// `bondDeposit` is the aggregator's standing deposit not locked in a round.
    struct Task {
        address owner;
        address aggregator;
        Mode mode;
        bool closed;
        uint32 cohortSize;
        uint32 minRevealers;
        uint32 maxRounds;
        uint32 roundCount;
        bytes32 specHash;
        uint256 requiredStake;
        uint256 rewardPerRound;
        uint256 aggregatorBond;
        uint256 nonRevealSlash;
        uint256 disputeSlash;
        uint256 skipSlash;
        uint256 bondDeposit;
        Durations durations;
        uint32 maxExamples;
    }

    /// @notice What the aggregator submits.
    /// @param modelHash Hash of the new global model; zero for a failure report (the round cannot be
    /// aggregated; then `rewardsRoot` and `rewardTotal` are zero and `metricsHash` names the report).
    /// @param metricsHash Hash of its metrics.
    /// @param rewardsRoot Root of the round's reward Merkle sum tree (`RewardTree`: leaves `keccak256(abi.encode(
    /// account, amount))`, nodes binding their children's sums).
    /// @param rewardTotal The tree's total, `<= min(rewardPerRound, pool)`; a claim is valid only under a root
    /// whose sum is exactly this, so the claims of a round never add up to more.
    /// @param revealDigest Must equal the round's on-chain `revealDigest` (the aggregate used exactly that set).
    /// @param locator Where the model bytes are stored.
    struct Aggregate {
        bytes32 modelHash;
        bytes32 metricsHash;
        bytes32 rewardsRoot;
        uint256 rewardTotal;
        bytes32 revealDigest;
        string locator;
    }

    /// @notice A round as returned by `round(task, r)`; phase, deadline and counters account for expired
    /// deadlines (what `advance` would produce now).
    /// @dev `eligible` = how many may act in the current phase, `acted` = how many did. `reached` = the latest
    /// non-terminal phase the round entered. `seed` is `keccak256(abi.encode(blockhash(openBlock), task,
    /// round))`, drawn in a later block than `openRound` (zero while it cannot be drawn yet); [SecAgg]
    /// `graphSeed = keccak256(abi.encode(blockhash(graphBlock), seed))`, `graphBlock` being the block in which
    /// the advertise phase closed (zero until then, and while it cannot be drawn). `revealDigest` starts at
    /// `keccak256(abi.encode(task, round))` and becomes `keccak256(abi.encode(prev, member, updateHash,
    /// numExamples))` at each reveal. `baseModelHash` is the model head when the round opened. `endedAt` is
    /// when the round ended (0 while in progress). `bond` is the aggregator's bond locked in the round (0 once
    /// settled).
    struct Round {
        Phase phase;
        Mode mode;
        Phase reached;
        uint64 deadline;
        uint64 openedAt;
        uint64 endedAt;
        uint64 openBlock;
        uint64 graphBlock;
        uint32 memberCount;
        uint32 cohortSize;
        uint32 eligible;
        uint32 acted;
        uint32 revealers;
        uint32 attestCount;
        uint32 challengeCount;
        bytes32 seed;
        bytes32 graphSeed;
        bytes32 revealDigest;
        bytes32 baseModelHash;
        bytes32 modelHash;
        bytes32 metricsHash;
        bytes32 rewardsRoot;
        uint256 rewardTotal;
        uint256 claimed;
        uint256 bond;
        string locator;
    }

    /// @notice A member's activity markers in a task: each is the last round number in which it did that (0 =
    /// never).
    /// @dev `index` is the member's index in the registry's member list (meaningful while `joined`). `suspended`:
    /// its stake fell below `requiredStake` after a slash; it may no longer advertise, commit or vote (it may finish
    /// the steps of a round it already entered: share, reveal, unmask), and may leave or be evicted.
    /// `excludedReason` is the reason of the exclusion in round `excluded`. `slashedAbsent`, `slashedDispute`,
    /// `slashedFault`: the last round it was slashed in for leaving a round early, for a lost vote, for a fault.
    struct MemberActivity {
        bool joined;
        bool suspended;
        uint32 index;
        uint32 advertised;
        uint32 shared;
        uint32 committed;
        uint32 revealed;
        uint32 unmasked;
        uint32 excluded;
        ExclusionReason excludedReason;
        uint32 voted;
        bool votedChallenge;
        uint32 slashedAbsent;
        uint32 slashedDispute;
        uint32 slashedFault;
    }

    // ================================================================== events

    /// @notice A task was created and its reward pool escrowed.
    /// @param task Task id.
    /// @param owner Creator.
    /// @param aggregator Aggregator.
    /// @param mode Mode.
    /// @param specHash Spec hash.
    /// @param rewardPool Escrowed pool.
    event TaskCreated(
        uint256 indexed task,
        address indexed owner,
        address indexed aggregator,
        Mode mode,
        bytes32 specHash,
        uint256 rewardPool
    );

    /// @notice A task was closed; the rest of its pool returned to the owner.
    /// @param task Task id.
    /// @param refund Tokens returned.
    event TaskClosed(uint256 indexed task, uint256 refund);

    /// @notice An account joined a task.
    /// @param task Task id.
    /// @param member Member.
    /// @param index Its index.
    /// @param stake Stake deposited.
    event MemberJoined(uint256 indexed task, address indexed member, uint256 index, uint256 stake);

    /// @notice A member left a task and got its stake back.
    /// @param task Task id.
    /// @param member Member.
    /// @param stake Stake returned.
    event MemberLeft(uint256 indexed task, address indexed member, uint256 stake);

    /// @notice A member whose consent is no longer valid was evicted; its stake was returned.
    /// @param task Task id.
    /// @param member Member.
    /// @param by Caller.
    /// @param stake Stake returned.
    event MemberEvicted(uint256 indexed task, address indexed member, address indexed by, uint256 stake);

    /// @notice A round opened; its cohort seed is drawn from this block's hash in a later block (`SeedDrawn`).
    /// @param task Task id.
    /// @param round Round number.
    /// @param memberCount Members `n`.
    /// @param cohortSize `c = min(cohortSize, n)`.
    /// @param phase First phase.
    /// @param deadline Its deadline.
    /// @param bond The aggregator's bond locked in the round.
    event RoundOpened(
        uint256 indexed task,
        uint256 indexed round,
        uint256 memberCount,
        uint256 cohortSize,
        Phase phase,
        uint256 deadline,
        uint256 bond
    );

    /// @notice The round's cohort seed was drawn (and stored).
    /// @param task Task id.
    /// @param round Round.
    /// @param seed `keccak256(abi.encode(blockhash(openBlock), task, round))`.
    event SeedDrawn(uint256 indexed task, uint256 indexed round, bytes32 seed);

    /// @notice [SecAgg] The round's neighbour-graph seed was drawn (and stored).
    /// @param task Task id.
    /// @param round Round.
    /// @param graphSeed `keccak256(abi.encode(blockhash(graphBlock), seed))`.
    event GraphSeedDrawn(uint256 indexed task, uint256 indexed round, bytes32 graphSeed);

    /// @notice The aggregator added to its standing bond deposit for the task.
    /// @param task Task id.
    /// @param aggregator Aggregator.
    /// @param amount Added.
    event BondDeposited(uint256 indexed task, address indexed aggregator, uint256 amount);

    /// @notice The aggregator withdrew from its standing bond deposit.
    /// @param task Task id.
    /// @param aggregator Aggregator.
    /// @param amount Withdrawn.
    event BondWithdrawn(uint256 indexed task, address indexed aggregator, uint256 amount);

    /// @notice A round's locked bond was settled: returned to the deposit, or forfeited to the pool (a rejected
    /// aggregate, or no aggregate by the aggregate deadline).
    /// @param task Task id.
    /// @param round Round.
    /// @param amount Bond.
    /// @param forfeited Whether it went to the pool.
    event BondSettled(uint256 indexed task, uint256 indexed round, uint256 amount, bool forfeited);

    /// @notice A round moved to `phase` (early close, deadline, abort).
    /// @param task Task id.
    /// @param round Round.
    /// @param phase New phase.
    /// @param deadline Its deadline (0 if
    /// untimed).
    /// @param eligible How many may act in it.
    event PhaseAdvanced(uint256 indexed task, uint256 indexed round, Phase phase, uint256 deadline, uint256 eligible);

    /// @notice [SecAgg] A cohort member advertised its round keys.
    /// @param task Task id.
    /// @param round Round.
    /// @param member Member.
    /// @param id Its protocol id: its position in the round's cohort permutation, in `[0, cohortSize)`.
    /// @param maskPk X25519 key for masks.
    /// @param encPk X25519 key for share encryption.
    event KeysAdvertised(
        uint256 indexed task, uint256 indexed round, address indexed member, uint256 id, bytes32 maskPk, bytes32 encPk
    );

    /// @notice [SecAgg] A member published its encrypted shares.
    /// @param task Task id.
    /// @param round Round.
    /// @param member Member.
    /// @param sharesHash Hash of the blob.
    /// @param locator Blob locator.
    event KeysShared(
        uint256 indexed task, uint256 indexed round, address indexed member, bytes32 sharesHash, string locator
    );

    /// @notice A member committed to its update.
    /// @param task Task id.
    /// @param round Round.
    /// @param member Member.
    /// @param commitment The commitment.
    event UpdateCommitted(uint256 indexed task, uint256 indexed round, address indexed member, bytes32 commitment);

    /// @notice A member revealed its update.
    /// @param task Task id.
    /// @param round Round.
    /// @param member Member.
    /// @param updateHash Update hash.
    /// @param numExamples Training examples, committed with the update (`1 <= numExamples <= maxExamples`).
    /// @param locator Update locator.
    /// @param revealDigest Running digest after this reveal.
    event UpdateRevealed(
        uint256 indexed task,
        uint256 indexed round,
        address indexed member,
        bytes32 updateHash,
        uint256 numExamples,
        string locator,
        bytes32 revealDigest
    );

    /// @notice [SecAgg] A revealer published its unmasking shares.
    /// @param task Task id.
    /// @param round Round.
    /// @param member Member.
    /// @param sharesHash Hash of the blob.
    /// @param locator Blob locator.
    event SharesUnmasked(
        uint256 indexed task, uint256 indexed round, address indexed member, bytes32 sharesHash, string locator
    );

    /// @notice The aggregator refused a revealed update.
    /// @param task Task id.
    /// @param round Round.
    /// @param member Member.
    /// @param reason Why.
    event UpdateExcluded(uint256 indexed task, uint256 indexed round, address indexed member, ExclusionReason reason);

    /// @notice The aggregator submitted an aggregate (or a failure report, `modelHash == 0`).
    /// @param task Task id.
    /// @param round Round.
    /// @param modelHash New model hash.
    /// @param rewardsRoot Rewards root.
    /// @param rewardTotal Rewards total.
    /// @param metricsHash Metrics hash.
    /// @param locator Model locator.
    /// @param bond Its bond locked in the round.
    /// @param challengeDeadline End of the challenge window.
    event AggregateSubmitted(
        uint256 indexed task,
        uint256 indexed round,
        bytes32 indexed modelHash,
        bytes32 rewardsRoot,
        uint256 rewardTotal,
        bytes32 metricsHash,
        string locator,
        uint256 bond,
        uint256 challengeDeadline
    );

    /// @notice A member attested the aggregate (one vote, whatever its stake).
    /// @param task Task id.
    /// @param round Round.
    /// @param voter Member.
    /// @param challengeDeadline The (possibly extended) end of the window.
    event AggregateAttested(
        uint256 indexed task, uint256 indexed round, address indexed voter, uint256 challengeDeadline
    );

    /// @notice A member challenged the aggregate (one vote, whatever its stake).
    /// @param task Task id.
    /// @param round Round.
    /// @param voter Member.
    /// @param challengeDeadline The (possibly extended) end of the window.
    event AggregateChallenged(
        uint256 indexed task, uint256 indexed round, address indexed voter, uint256 challengeDeadline
    );

    /// @notice The aggregate was accepted: model appended, rewards claimable, bond returned.
    /// @param task Task id.
    /// @param round Round.
    /// @param modelHash Model hash.
    /// @param version Model registry index.
    /// @param rewardTotal Rewards made claimable.
    event RoundFinalized(
        uint256 indexed task, uint256 indexed round, bytes32 indexed modelHash, uint256 version, uint256 rewardTotal
    );

    /// @notice The aggregator's failure report was accepted: no model, no rewards, bond returned to its deposit.
    /// @param task Task id.
    /// @param round Round.
    /// @param metricsHash Hash of the failure report.
    event RoundFailed(uint256 indexed task, uint256 indexed round, bytes32 metricsHash);

    /// @notice The aggregate was rejected by the dispute: bond forfeited to the pool.
    /// @param task Task id.
    /// @param round Round.
    /// @param attestCount Attesting members.
    /// @param challengeCount Challenging members.
    event RoundRejected(uint256 indexed task, uint256 indexed round, uint256 attestCount, uint256 challengeCount);

    /// @notice A reward was claimed.
    /// @param task Task id.
    /// @param round Round.
    /// @param account Claimer.
    /// @param amount Tokens paid.
    event RewardClaimed(uint256 indexed task, uint256 indexed round, address indexed account, uint256 amount);

    /// @notice A member that entered a round and skipped a later step it was due to take was slashed.
    /// @param task Task id.
    /// @param round Round.
    /// @param member Slashed member.
    /// @param by Caller (bounty receiver).
    /// @param skipped The phase it did not act in (`Reveal`: committed and did not reveal).
    /// @param amount Tokens taken.
    event AbsenteeSlashed(
        uint256 indexed task, uint256 indexed round, address indexed member, address by, Phase skipped, uint256 amount
    );

    /// @notice A member excluded for a fault in an accepted round (`BadShares`) was slashed.
    /// @param task Task id.
    /// @param round Round.
    /// @param member Slashed member.
    /// @param by Caller (bounty receiver).
    /// @param reason The exclusion reason.
    /// @param amount Tokens taken.
    event FaultSlashed(
        uint256 indexed task,
        uint256 indexed round,
        address indexed member,
        address by,
        ExclusionReason reason,
        uint256 amount
    );

    /// @notice A voter on the losing side of a dispute was slashed.
    /// @param task Task id.
    /// @param round Round.
    /// @param voter Slashed voter.
    /// @param by Caller (bounty receiver).
    /// @param amount Tokens taken.
    event LoserSlashed(uint256 indexed task, uint256 indexed round, address indexed voter, address by, uint256 amount);

    // ================================================================== errors

    /// @notice No task with this id.
    /// @param task Task id.
    error CoordinatorUnknownTask(uint256 task);

    /// @notice Invalid task parameters.
    /// @param field Index of the offending field in `TaskParams` (0-based).
    error CoordinatorInvalidParams(uint256 field);

    /// @notice The caller is not the task's owner.
    /// @param task Task id.
    /// @param account Caller.
    error CoordinatorNotTaskOwner(uint256 task, address account);

    /// @notice The caller is not the task's aggregator.
    /// @param task Task id.
    /// @param account Caller.
    error CoordinatorNotAggregator(uint256 task, address account);

    /// @notice The task is closed.
    /// @param task Task id.
    error CoordinatorTaskClosed(uint256 task);

    /// @notice The task already ran `maxRounds` rounds.
    /// @param task Task id.
    /// @param maxRounds Limit.
    error CoordinatorMaxRoundsReached(uint256 task, uint256 maxRounds);

    /// @notice Too few members to open a round.
    /// @param task Task id.
    /// @param members Current count.
    /// @param required `max(1, minRevealers)`.
    error CoordinatorNotEnoughMembers(uint256 task, uint256 members, uint256 required);

    /// @notice A round of the task is in progress (open or disputed).
    /// @param task Task id.
    /// @param round The round in progress.
    error CoordinatorRoundInProgress(uint256 task, uint256 round);

    /// @notice The round is not in the phase the call needs (too early or too late, or no such round).
    /// @param task Task id.
    /// @param round Round.
    /// @param expected Phase needed.
    /// @param actual Current phase.
    error CoordinatorWrongPhase(uint256 task, uint256 round, Phase expected, Phase actual);

    /// @notice The phase's deadline has not passed yet.
    /// @param task Task id.
    /// @param round Round.
    /// @param deadline Deadline.
    error CoordinatorTooEarly(uint256 task, uint256 round, uint256 deadline);

    /// @notice The phase's deadline has passed.
    /// @param task Task id.
    /// @param round Round.
    /// @param deadline Deadline.
    error CoordinatorTooLate(uint256 task, uint256 round, uint256 deadline);

    /// @notice The account is already a member of the task.
    /// @param task Task id.
    /// @param account Account.
    error CoordinatorAlreadyMember(uint256 task, address account);

    /// @notice The account is not a member of the task (or joined after the round opened).
    /// @param task Task id.
    /// @param account Account.
    error CoordinatorNotMember(uint256 task, address account);

    /// @notice Stake below the task's `requiredStake`.
    /// @param task Task id.
    /// @param stake Given stake.
    /// @param required Required stake.
    error CoordinatorStakeTooLow(uint256 task, uint256 stake, uint256 required);

    /// @notice The member's stake fell below `requiredStake` after a slash; it may only leave.
    /// @param task Task id.
    /// @param account Member.
    error CoordinatorSuspended(uint256 task, address account);

    /// @notice No valid consent `(holder, consentRef)` covering the dataset.
    /// @param holder Data holder.
    /// @param consentRef Consent reference.
    error CoordinatorConsentInvalid(address holder, bytes32 consentRef);

    /// @notice Eviction refused: the member's consent is still valid and it is not suspended.
    /// @param task Task id.
    /// @param account Member.
    error CoordinatorConsentStillValid(uint256 task, address account);

    /// @notice The member is not in the round's cohort.
    /// @param task Task id.
    /// @param round Round.
    /// @param account Member.
    error CoordinatorNotInCohort(uint256 task, uint256 round, address account);

    /// @notice The member has not done the previous step of this round (advertise, share, commit, reveal).
    /// @param task Task id.
    /// @param round Round.
    /// @param account Member.
    error CoordinatorNotEligible(uint256 task, uint256 round, address account);

    /// @notice The member already did this step in this round (double commit, double vote, ...).
    /// @param task Task id.
    /// @param round Round.
    /// @param account Member.
    error CoordinatorAlreadyActed(uint256 task, uint256 round, address account);

    /// @notice The round's randomness (cohort seed, or [SecAgg] graph seed) is drawn from a block hash that is
    /// not available yet: act in a later block (or call `advance` to close an expired advertise phase first).
    /// @param task Task id.
    /// @param round Round.
    error CoordinatorSeedPending(uint256 task, uint256 round);

    /// @notice The block whose hash the round's randomness comes from is more than 256 blocks old and the seed
    /// was never drawn; nobody can act in the round, which aborts at its deadline.
    /// @param task Task id.
    /// @param round Round.
    error CoordinatorSeedExpired(uint256 task, uint256 round);

    /// @notice [SecAgg] An advertised X25519 key is of low order (every shared secret with it is all zeros).
    /// @param task Task id.
    /// @param round Round.
    /// @param key The key.
    error CoordinatorInvalidKey(uint256 task, uint256 round, bytes32 key);

    /// @notice The aggregator's standing bond deposit cannot cover the amount needed.
    /// @param task Task id.
    /// @param deposit Deposit not locked in a round.
    /// @param required Amount needed.
    error CoordinatorBondTooLow(uint256 task, uint256 deposit, uint256 required);

    /// @notice The idle gap after the last round has not passed: no round may open yet (members may leave).
    /// @param task Task id.
    /// @param opensAt First timestamp at which a round may open.
    error CoordinatorIdleGap(uint256 task, uint256 opensAt);

    /// @notice A zero commitment (or model hash) was given.
    /// @param task Task id.
    /// @param round Round.
    error CoordinatorZeroValue(uint256 task, uint256 round);

    /// @notice The revealed values do not match the commitment.
    /// @param task Task id.
    /// @param round Round.
    /// @param account Member.
    error CoordinatorCommitmentMismatch(uint256 task, uint256 round, address account);

    /// @notice A revealed example count is 0 or above the task's `maxExamples` ([SecAgg]: is not 0).
    /// @param task Task id.
    /// @param round Round.
    /// @param numExamples The count.
    /// @param maxExamples The task's cap.
    error CoordinatorExamplesOutOfRange(uint256 task, uint256 round, uint256 numExamples, uint256 maxExamples);

    /// @notice A slash is pending against the member (it left `round` early, voted on the losing side, or was
    /// excluded for a fault in it); it must be slashed before it may act again or leave.
    /// @param task Task id.
    /// @param account Member.
    /// @param round Round of the misbehaviour.
    error CoordinatorSlashPending(uint256 task, address account, uint256 round);

    /// @notice The aggregate's reveal digest is not the round's.
    /// @param task Task id.
    /// @param round Round.
    /// @param expected On-chain digest.
    /// @param actual Submitted digest.
    error CoordinatorDigestMismatch(uint256 task, uint256 round, bytes32 expected, bytes32 actual);

    /// @notice `rewardTotal` exceeds `min(rewardPerRound, pool)`.
    /// @param task Task id.
    /// @param round Round.
    /// @param rewardTotal Submitted total.
    /// @param max Allowed maximum.
    error CoordinatorRewardTooLarge(uint256 task, uint256 round, uint256 rewardTotal, uint256 max);

    /// @notice The aggregator may not vote on its own aggregate.
    /// @param task Task id.
    /// @param account Aggregator.
    error CoordinatorAggregatorCannotVote(uint256 task, address account);

    /// @notice Reward already claimed.
    /// @param task Task id.
    /// @param round Round.
    /// @param account Claimer.
    error CoordinatorAlreadyClaimed(uint256 task, uint256 round, address account);

    /// @notice The Merkle proof does not prove `(account, amount)` under the round's root.
    /// @param task Task id.
    /// @param round Round.
    /// @param account Claimer.
    error CoordinatorInvalidProof(uint256 task, uint256 round, address account);

    /// @notice The claim exceeds what is left of the round's `rewardTotal`.
    /// @param task Task id.
    /// @param round Round.
    /// @param amount Claimed.
    /// @param remaining Left to claim.
    error CoordinatorClaimExceedsTotal(uint256 task, uint256 round, uint256 amount, uint256 remaining);

    /// @notice No on-chain evidence for this slash (the member took every step it was due, did not vote on the
    /// losing side, was not excluded for a fault, or the round is not settled).
    /// @param task Task id.
    /// @param round Round.
    /// @param account Member.
    error CoordinatorNoEvidence(uint256 task, uint256 round, address account);

    /// @notice Already slashed for this round.
    /// @param task Task id.
    /// @param round Round.
    /// @param account Member.
    error CoordinatorAlreadySlashed(uint256 task, uint256 round, address account);

    // ================================================================== tasks

    /// @notice Creates a task, escrows `p.rewardPool` from the caller into the vault (the caller approves the
    /// vault) and records model version 0.
    /// @param p Task parameters (see `TaskParams`).
    /// @return taskId New task id (ids start at 1).
    function createTask(TaskParams calldata p) external returns (uint256 taskId);

    /// @notice Closes the task (owner only, no round in progress): the rest of the pool returns to the owner, no
    /// new round opens, members may leave.
    /// @param taskId Task id.
    function closeTask(uint256 taskId) external;

    // ================================================================== membership

    /// @notice Joins `taskId`: pulls `stake >= requiredStake` from the caller into the vault (the caller approves
    /// the vault), requires the caller's valid consent `consentRef` covering `datasetCommitment`, records
    /// provenance. Members joining during a round take part from the next one.
    /// @param taskId Task id.
    /// @param stake Stake.
    /// @param datasetCommitment Dataset commitment.
    /// @param consentRef Consent record reference in the ledger.
    function join(uint256 taskId, uint256 stake, bytes32 datasetCommitment, bytes32 consentRef) external;

    /// @notice Leaves `taskId` and returns the whole stake. Refused while a round is in progress and while a
    /// slash is pending against the caller.
    /// @param taskId Task id.
    function leave(uint256 taskId) external;

    /// @notice Evicts, between rounds, a member whose consent was revoked or expired, or that is suspended (its
    /// stake fell below `requiredStake` after a slash): the rest of its stake is returned, no slash. Anyone may
    /// call. Refused while a slash is pending against the member.
    /// @param taskId Task id.
    /// @param member Member.
    function evict(uint256 taskId, address member) external;

    // ================================================================== rounds

    /// @notice The task's aggregator adds `amount` to its standing bond deposit (it approves the vault).
    /// @param taskId Task id.
    /// @param amount Tokens.
    function depositBond(uint256 taskId, uint256 amount) external;

    /// @notice The task's aggregator withdraws `amount` of its deposit not locked in a round.
    /// @param taskId Task id.
    /// @param amount Tokens.
    function withdrawBond(uint256 taskId, uint256 amount) external;

    /// @notice Opens the next round: previous round terminal and its idle gap over, task open, `>= max(1,
    /// minRevealers)` members, `maxRounds` not reached, and the aggregator's deposit covering `aggregatorBond`,
    /// which is locked in the round (lost if no aggregate arrives in time). Anyone may call. The cohort is drawn
    /// in a later block from this block's hash, so the caller cannot choose it.
    /// @param taskId Task id.
    /// @return roundNumber The new round number (rounds start at 1).
    function openRound(uint256 taskId) external returns (uint256 roundNumber);

    /// @notice [SecAgg] A cohort member publishes its two X25519 public keys for the round (neither of low order).
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param maskPk Masking key.
    /// @param encPk Encryption key.
    function advertiseKeys(uint256 taskId, uint256 roundNumber, bytes32 maskPk, bytes32 encPk) external;

    /// @notice [SecAgg] A member that advertised publishes the hash and locator of its encrypted shares. Needs
    /// the advertise phase closed in an earlier block (the graph seed drawn from that block's hash).
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param sharesHash Blob hash.
    /// @param locator Blob locator.
    function shareKeys(uint256 taskId, uint256 roundNumber, bytes32 sharesHash, string calldata locator) external;

    /// @notice Commits to an update and its weight: `commitment = keccak256(abi.encode(task, round, member,
    /// updateHash, numExamples, salt))`. Cohort members (SecAgg: those that shared).
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param commitment Non-zero commitment.
    function commit(uint256 taskId, uint256 roundNumber, bytes32 commitment) external;

    /// @notice Reveals the committed update. The caller must have committed and the values must match; the
    /// example count is part of the commitment (so it cannot follow the other reveals) and within the task's
    /// `maxExamples` (`CoordinatorExamplesOutOfRange`); [SecAgg] it is 0 (the weight is inside the masked
    /// vector).
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param updateHash Update hash.
    /// @param salt Salt.
    /// @param numExamples Training examples, as committed (the update's FedAvg and reward weight).
    /// @param locator Update locator.
    function reveal(
        uint256 taskId,
        uint256 roundNumber,
        bytes32 updateHash,
        bytes32 salt,
        uint256 numExamples,
        string calldata locator
    ) external;

    /// @notice [SecAgg] A revealer publishes the hash and locator of its unmasking shares.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param sharesHash Blob hash.
    /// @param locator Blob locator.
    function unmask(uint256 taskId, uint256 roundNumber, bytes32 sharesHash, string calldata locator) external;

    /// @notice The task's aggregator submits the aggregate, or a failure report (`modelHash == 0`, no rewards).
    /// Starts the challenge window.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param agg The aggregate.
    function submitAggregate(uint256 taskId, uint256 roundNumber, Aggregate calldata agg) external;

    /// @notice The aggregator records, during the aggregate phase, that it refused `member`'s revealed update.
    /// An excluded member gets no reward (verifiers check the rewards root leaves it out).
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param member Revealer.
    /// @param reason Why.
    function recordExclusion(uint256 taskId, uint256 roundNumber, address member, ExclusionReason reason) external;

    /// @notice Votes for the aggregate: one vote per member, whatever its stake (the required stake qualifies a
    /// member, it does not weigh: a whale is one voter). Members that joined before the round opened, not
    /// suspended, not the aggregator, once per round, during the challenge window. A vote that changes the
    /// outcome the window would have if it closed now extends it to at least `durations.challenge` from then,
    /// so no last-second vote goes unanswered (each member votes once: at most one extension per voter).
    /// @param taskId Task id.
    /// @param roundNumber Round.
    function attest(uint256 taskId, uint256 roundNumber) external;

    /// @notice Votes against the aggregate (same rules as `attest`). The first challenge, and any challenge that
    /// changes the outcome, extends the window to at least `durations.challenge` from then.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    function challenge(uint256 taskId, uint256 roundNumber) external;

    /// @notice After the challenge window: accepts the aggregate if unchallenged or if attesting weight >
    /// challenging weight (ties reject), otherwise rejects it. An accepted failure report ends the round
    /// `Failed`. Anyone may call.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    function finalize(uint256 taskId, uint256 roundNumber) external;

    /// @notice Moves the current round's expired phases forward (at most one step per phase). Anyone may call.
    /// @param taskId Task id.
    /// @return phase The current round's phase afterwards (`None` if no round was opened yet).
    function advance(uint256 taskId) external returns (Phase phase);

    // ================================================================== rewards and slashing

    /// @notice Claims `amount` from a finalized round's rewards root. Once per account and round.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param amount Leaf amount.
    /// @param proof Sum-tree proof of the leaf `keccak256(abi.encode(msg.sender, amount))`: the siblings' hashes and
    /// sums from the leaf up, leading to `rewardsRoot` with a total of exactly `rewardTotal`.
    function claim(uint256 taskId, uint256 roundNumber, uint256 amount, RewardTree.Node[] calldata proof) external;

    /// @notice Slashes a member that entered round `roundNumber` (advertised keys in `SecAgg`, committed
    /// otherwise) and, once the round ended, had skipped a step it was due to take in a phase the round reached:
    /// `nonRevealSlash` for committing without revealing, `skipSlash` for advertising without sharing or
    /// revealing without unmasking. (Sharing without committing is not charged: committing needs the
    /// neighbours' share bundles from the store.) Half to the caller, half to the pool.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param member Culprit.
    function slashAbsent(uint256 taskId, uint256 roundNumber, address member) external;

    /// @notice Slashes `nonRevealSlash` from a member excluded with reason `BadShares` in round `roundNumber`,
    /// once the round ended `Finalized` or `Failed` (the exclusion stood through the challenge window).
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param member Culprit.
    function slashFault(uint256 taskId, uint256 roundNumber, address member) external;

    /// @notice Slashes `disputeSlash` from a voter on the losing side of a disputed round (challengers of an
    /// accepted aggregate, attesters of a rejected one). Half to the caller, half to the pool.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param voter Culprit.
    function slashLoser(uint256 taskId, uint256 roundNumber, address voter) external;

    // ================================================================== views

    /// @notice The stake vault.
    /// @return The vault.
    function vault() external view returns (IStakeVault);

    /// @notice The participant registry.
    /// @return The registry.
    function participantRegistry() external view returns (IParticipantRegistry);

    /// @notice The model registry.
    /// @return The registry.
    function modelRegistry() external view returns (IModelRegistry);

    /// @notice The consent ledger.
    /// @return The ledger.
    function consentLedger() external view returns (IConsentLedger);

    /// @notice Number of tasks created (ids are 1..taskCount).
    /// @return Count.
    function taskCount() external view returns (uint256);

    /// @notice A task.
    /// @param taskId Task id.
    /// @return The task.
    function task(uint256 taskId) external view returns (Task memory);

    /// @notice A round, with expired deadlines accounted for.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @return The round (all zero if not opened).
    function round(uint256 taskId, uint256 roundNumber) external view returns (Round memory);

    /// @notice The task's latest round number (0 if none).
    /// @param taskId Task id.
    /// @return Round number.
    function currentRound(uint256 taskId) external view returns (uint256);

    /// @notice The latest round's phase, accounting for expired deadlines (`None` if no round).
    /// @param taskId Task id.
    /// @return Phase.
    function currentPhase(uint256 taskId) external view returns (Phase);

    /// @notice Whether `member` is in round `roundNumber`'s cohort (false while the seed cannot be drawn).
    /// @dev Exact while the round is in progress (indices are stable then); for past rounds it uses the member's
    /// current index, which may have changed since (leave/evict swap the last member into the freed index).
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param member Account.
    /// @return True if in the cohort.
    function isInCohort(uint256 taskId, uint256 roundNumber, address member) external view returns (bool);

    /// @notice `member`'s position in round `roundNumber`'s cohort permutation (its SecAgg+ protocol id when
    /// below `cohortSize`), as `isInCohort` computes it.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param member Account.
    /// @return inCohort Whether it is in the cohort.
    /// @return position Its position (meaningful when the seed is drawn and the member joined before the round).
    function cohortPosition(uint256 taskId, uint256 roundNumber, address member)
        external
        view
        returns (bool inCohort, uint256 position);

    /// @notice `member`'s activity markers in the task.
    /// @param taskId Task id.
    /// @param member Account.
    /// @return The markers.
    function memberActivity(uint256 taskId, address member) external view returns (MemberActivity memory);

    /// @notice The commitment `member` made in `roundNumber` (0 if none, or if it committed in a later round
    /// since).
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param member Account.
    /// @return The commitment.
    function commitmentOf(uint256 taskId, uint256 roundNumber, address member) external view returns (bytes32);

    /// @notice The rounds of slashes pending against `member` (0 if none).
    /// @param taskId Task id.
    /// @param member Account.
    /// @return absentRound Round it left early (see `slashAbsent`).
    /// @return disputeRound Round it voted on the losing side.
    /// @return faultRound Round it was excluded for a fault.
    function pendingSlash(uint256 taskId, address member)
        external
        view
        returns (uint256 absentRound, uint256 disputeRound, uint256 faultRound);

    /// @notice Whether `account` claimed its reward of `roundNumber`.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param account Account.
    /// @return True if claimed.
    function isClaimed(uint256 taskId, uint256 roundNumber, address account) external view returns (bool);

    /// @notice `keccak256(abi.encode(taskId, roundNumber, member, updateHash, numExamples, salt))`.
    /// @param taskId Task id.
    /// @param roundNumber Round.
    /// @param member Member.
    /// @param updateHash Update hash.
    /// @param numExamples Example count.
    /// @param salt Salt.
    /// @return The commitment.
    function computeCommitment(
        uint256 taskId,
        uint256 roundNumber,
        address member,
        bytes32 updateHash,
        uint256 numExamples,
        bytes32 salt
    ) external pure returns (bytes32);

    /// @notice The rewards sum-tree leaf `keccak256(abi.encode(account, amount))`.
    /// @param account Account.
    /// @param amount Amount.
    /// @return The leaf.
    function rewardLeaf(address account, uint256 amount) external pure returns (bytes32);
}
