// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {ICoordinator} from "../interfaces/ICoordinator.sol";

/// @title CoordinatorStorage
/// @notice The coordinator's storage layout, shared by the `Coordinator` and the logic libraries it delegates to
/// (`TaskLogic`, `SettlementLogic`, `CoordinatorViews`), which receive it as one `Layout storage` reference.
/// @dev Packed for the hot paths: per member and task, the round state is one slot of `uint32` round markers
/// (plus the member's list index, cached from the registry, which only the coordinator writes) and one reused
/// commitment slot set to a non-zero sentinel at join, so commit and reveal overwrite non-zero slots (5,000 gas
/// each) instead of filling fresh ones (22,100). A round's hot state is one slot.
library CoordinatorStorage {
    /// @dev Value of a slot that holds nothing yet but must not be zero (so its first real write costs 5,000 gas,
    /// not 22,100): a commitment slot with no live commitment, a seed not drawn yet.
    bytes32 internal constant SENTINEL = bytes32(uint256(1));

    struct TaskStore {
        // slot 0
        address owner;
        ICoordinator.Mode mode;
        bool closed;
        uint32 roundCount;
        uint32 maxRounds;
        // slot 1
        address aggregator;
        uint32 cohortSize;
        uint32 maxExamples;
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
        uint128 skipSlash;
        // slot 6: the aggregator's standing bond deposit, not locked in a round
        uint128 bondDeposit;
        // slots 7-8: [0] = effective minRevealers, [p] = duration of phase p (AdvertiseKeys = 1 .. Challenge = 7),
        // [8] = the idle gap after a round
        uint32[9] timing;
    }

    /// @dev The hot slot of a round: everything advertise/commit/reveal read and write.
    struct RoundState {
        ICoordinator.Phase phase;
        ICoordinator.Mode mode;
        ICoordinator.Phase reached;
        uint40 deadline;
        uint32 memberCount;
        uint32 cohortSize;
        uint32 eligible;
        uint32 acted;
        uint32 revealers;
    }

    struct RoundStore {
        RoundState s;
        bytes32 seed; // SENTINEL until drawn
        bytes32 graphSeed; // SENTINEL until drawn (SecAgg)
        bytes32 revealDigest;
        bytes32 baseModelHash;
        bytes32 modelHash;
        bytes32 metricsHash;
        bytes32 rewardsRoot;
        // one slot: everything a claim checks and updates besides the root
        uint120 rewardTotal;
        uint120 claimed;
        bool rewardsOpen;
        uint128 bond; // locked at open, 0 once settled
        uint40 openedAt;
        uint40 endedAt;
        uint32 attestCount;
        uint32 challengeCount;
        uint40 openBlock;
        uint40 graphBlock;
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
        ICoordinator.ExclusionReason excludedReason;
        bool joined;
        bool suspended;
    }

    /// @dev The cold per-member slot: last vote and last slashes.
    struct Votes {
        uint32 voted;
        bool votedChallenge;
        uint32 slashedAbsent;
        uint32 slashedDispute;
        uint32 slashedFault;
    }

    struct Layout {
        uint256 taskCount;
        mapping(uint256 task => TaskStore) tasks;
        mapping(uint256 task => mapping(uint256 round => RoundStore)) rounds;
        mapping(uint256 task => mapping(address member => Activity)) activity;
        mapping(uint256 task => mapping(address member => Votes)) votes;
        mapping(uint256 task => mapping(address member => bytes32)) commitments;
        mapping(uint256 task => mapping(address account => mapping(uint256 word => uint256))) claimedBits;
    }
}
