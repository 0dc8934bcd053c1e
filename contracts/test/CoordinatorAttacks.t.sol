// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {RewardTree} from "../src/libraries/RewardTree.sol";
import {CoordinatorBase} from "./utils/CoordinatorBase.sol";
import {Merkle} from "./utils/Merkle.sol";
import {ICoordinator} from "../src/interfaces/ICoordinator.sol";
import {Coordinator} from "../src/Coordinator.sol";
import {StakeVault} from "../src/StakeVault.sol";
import {ParticipantRegistry} from "../src/ParticipantRegistry.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {ConsentLedger} from "../src/ConsentLedger.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {HookToken} from "./Coordinator.t.sol";

/// @dev Opens a round and, in the same transaction, looks for the cohort it would like (the attack on a cohort
/// drawn from the opening transaction's own randomness: revert until the window holds the sybils).
contract CohortGrinder {
    Coordinator internal immutable coord;
    bool public sawSeed;
    bool public sawMember;
    bytes public commitError;

    constructor(Coordinator coord_) {
        coord = coord_;
    }

    function open(uint256 task, address[] calldata sybils) external {
        uint256 r = coord.openRound(task);
        sawSeed = coord.round(task, r).seed != bytes32(0);
        for (uint256 i; i < sybils.length; ++i) {
            if (coord.isInCohort(task, r, sybils[i])) sawMember = true;
        }
        try coord.commit(task, r, keccak256("c")) {}
        catch (bytes memory err) {
            commitError = err;
        }
    }
}

/// @dev A member that slashes its own non-reveal and, from the bounty transfer's hook, tries to commit to the next
/// round before the coordinator suspends it (found by slither's reentrancy-benign detector).
contract SelfSlasher {
    Coordinator internal immutable coord;
    uint256 internal task;
    uint256 internal nextRound;
    bytes32 internal nextCommitment;
    bool internal armed;
    bool public reentered;
    bytes public reentryError;

    constructor(Coordinator coord_) {
        coord = coord_;
    }

    function setUpMember(IERC20 token, address vault, uint256 stake, uint256 task_, bytes32 ref, bytes32 ds) external {
        task = task_;
        coord.consentLedger().recordConsent(ref, keccak256("consent-doc"), ds, 0);
        token.approve(vault, stake);
        coord.join(task_, stake, ds, ref);
    }

    function commit(uint256 r, bytes32 c) external {
        coord.commit(task, r, c);
    }

    function slashSelf(uint256 r, uint256 next, bytes32 c) external {
        (nextRound, nextCommitment, armed) = (next, c, true);
        coord.slashAbsent(task, r, address(this));
    }

    function onTokenReceived() external {
        if (!armed) return;
        armed = false;
        reentered = true;
        try coord.commit(task, nextRound, nextCommitment) {}
        catch (bytes memory err) {
            reentryError = err;
        }
    }
}

/// @title CoordinatorAttacksTest
/// @notice One test per contract-level finding of the active-adversary review (docs/threat-model.md): each
/// performs the attack and shows it fail.
contract CoordinatorAttacksTest is CoordinatorBase {
    ICoordinator.Mode internal constant PLAIN = ICoordinator.Mode.Plain;
    ICoordinator.Mode internal constant SECAGG = ICoordinator.Mode.SecAgg;

    function setUp() public {
        _deploy();
    }

    // ================================================================== who opens a round does not choose the cohort

    function test_Attack_OpenerCannotSeeOrChooseTheCohort() public {
        uint256 id = _setupTask(PLAIN, 8, 4, 1);
        CohortGrinder grinder = new CohortGrinder(coord);
        _join(id, address(grinder)); // a member itself: it would commit at once if the seed suited it
        address[] memory sybils = new address[](8);
        for (uint256 i; i < 8; ++i) {
            sybils[i] = _member(i);
        }
        grinder.open(id, sybils);
        // Inside the opening transaction the seed does not exist: nothing to grind on, nobody is in the cohort yet.
        assertFalse(grinder.sawSeed(), "no seed in the opening block");
        assertFalse(grinder.sawMember(), "no cohort in the opening block");
        assertEq(grinder.commitError(), abi.encodeWithSelector(ICoordinator.CoordinatorSeedPending.selector, id, 1));
        // It is the hash of the opening block, fixed once that block exists.
        uint256 openBlock = coord.round(id, 1).openBlock;
        vm.roll(block.number + 1);
        assertEq(coord.round(id, 1).seed, keccak256(abi.encode(blockhash(openBlock), id, uint256(1))));
        assertEq(_cohort(id, 1).length, 4);
    }

    function test_Attack_ConsecutiveSybilsDoNotFormTheCohort() public {
        // 10 honest members, then 10 sybils that joined in a row (indices 10..19); cohort 10. With a contiguous
        // window at a random start, the cohort is exactly the sybils once in 20 rounds; with the pseudorandom
        // permutation, the sybils get their share of seats and never the whole cohort.
        uint256 id = _setupTask(PLAIN, 20, 10, 1);
        uint256 total;
        for (uint256 k; k < 32; ++k) {
            uint256 r = coord.openRound(id);
            vm.setBlockhash(block.number, keccak256(abi.encode("open block", k)));
            vm.roll(block.number + 1);
            uint256 sybils;
            for (uint256 i = 10; i < 20; ++i) {
                if (coord.isInCohort(id, r, _member(i))) ++sybils;
            }
            assertLt(sybils, 10, "the sybils never hold the whole cohort");
            total += sybils;
            vm.warp(block.timestamp + T); // nobody commits: the round aborts at its deadline
            coord.advance(id);
        }
        assertGe(total, 32 * 3, "about half the seats (mean 5)");
        assertLe(total, 32 * 7, "about half the seats (mean 5)");
    }

    // ================================================================== SecAgg+ keys and graph randomness

    function test_RevertWhen_AdvertisingALowOrderKey() public {
        uint256 id = _setupTask(SECAGG, 3, 3, 1);
        uint256 r = _open(id);
        address m = _cohort(id, r)[0];
        bytes32[7] memory lowOrder = [
            bytes32(0x0000000000000000000000000000000000000000000000000000000000000000),
            0x0100000000000000000000000000000000000000000000000000000000000000,
            0x5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157,
            0xe0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800,
            0xecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f,
            0xedffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f,
            0xeeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f
        ];
        bytes32 good = keccak256("a key");
        for (uint256 i; i < 7; ++i) {
            for (uint256 top; top < 2; ++top) {
                bytes32 key = top == 0 ? lowOrder[i] : lowOrder[i] | bytes32(uint256(0x80)); // bit 255 is ignored
                _assertRevert(
                    id,
                    m,
                    abi.encodeCall(coord.advertiseKeys, (id, r, key, good)),
                    abi.encodeWithSelector(ICoordinator.CoordinatorInvalidKey.selector, id, r, key)
                );
                _assertRevert(
                    id,
                    m,
                    abi.encodeCall(coord.advertiseKeys, (id, r, good, key)),
                    abi.encodeWithSelector(ICoordinator.CoordinatorInvalidKey.selector, id, r, key)
                );
            }
        }
        vm.prank(m);
        coord.advertiseKeys(id, r, good, keccak256("another key"));
    }

    function test_Attack_LastAdvertiserCannotKnowTheGraph() public {
        uint256 id = _setupTask(SECAGG, 4, 4, 2);
        uint256 r = _open(id);
        address[] memory cohort = _cohort(id, r);
        _advertiseAll(id, r, cohort); // the last advertisement closes the phase, in this block
        uint256 closeBlock = block.number;
        ICoordinator.Round memory rd = coord.round(id, r);
        assertEq(rd.graphBlock, closeBlock);
        assertEq(rd.graphSeed, bytes32(0), "the graph seed is the hash of this very block: unknown yet");
        _assertRevert(
            id,
            cohort[0],
            abi.encodeCall(coord.shareKeys, (id, r, keccak256("s"), "x")),
            abi.encodeWithSelector(ICoordinator.CoordinatorSeedPending.selector, id, r)
        );
        vm.roll(block.number + 1);
        bytes32 expected = keccak256(abi.encode(blockhash(closeBlock), rd.seed));
        assertEq(coord.round(id, r).graphSeed, expected);
        vm.expectEmit(address(coord));
        emit ICoordinator.GraphSeedDrawn(id, r, expected);
        vm.prank(cohort[0]);
        coord.shareKeys(id, r, keccak256("s"), "x");
        assertEq(coord.round(id, r).graphSeed, expected, "stored: still there after 256 blocks");
        vm.roll(block.number + 300);
        assertEq(coord.round(id, r).graphSeed, expected);
    }

    function test_SeedThatWasNeverDrawnExpiresAndTheRoundAborts() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        uint256 r = coord.openRound(id);
        vm.roll(block.number + 300); // nobody acted for 300 blocks: the opening block's hash is gone
        assertEq(coord.round(id, r).seed, bytes32(0));
        _assertRevert(
            id,
            _member(0),
            abi.encodeCall(coord.commit, (id, r, keccak256("c"))),
            abi.encodeWithSelector(ICoordinator.CoordinatorSeedExpired.selector, id, r)
        );
        coord.advance(id); // does not revert
        vm.warp(block.timestamp + T);
        assertEq(uint256(coord.advance(id)), uint256(ICoordinator.Phase.Aborted));
        coord.openRound(id); // not the aggregator's fault: its bond comes back
        assertEq(coord.task(id).bondDeposit, DEPOSIT - BOND);
    }

    // ================================================================== aborting is not free

    /// @dev A SecAgg round of 4 run up to the aggregate phase, everyone taking every step.
    function _secaggToAggregate(uint256 id) internal returns (uint256 r, address[] memory cohort) {
        r = _open(id);
        cohort = _cohort(id, r);
        _keysAll(id, r, cohort);
        _commitAll(id, r, cohort);
        _revealAll(id, r, cohort);
        for (uint256 i; i < cohort.length; ++i) {
            vm.prank(cohort[i]);
            coord.unmask(id, r, keccak256(abi.encode("unmask", cohort[i])), "ipfs://unmask");
        }
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Aggregate));
    }

    function test_Attack_AggregatorThatWithholdsTheAggregateLosesItsBond() public {
        uint256 id = _setupTask(SECAGG, 4, 4, 2);
        (uint256 r,) = _secaggToAggregate(id);
        // The unmask bundles are public: the aggregator (anyone) can compute the sum now, and submits nothing.
        vm.warp(block.timestamp + T);
        assertEq(uint256(coord.advance(id)), uint256(ICoordinator.Phase.Aborted));
        uint256 poolBefore = vault.poolOf(id);
        vm.expectEmit(address(coord));
        emit ICoordinator.BondSettled(id, r, BOND, true);
        vm.prank(aggregator);
        coord.withdrawBond(id, DEPOSIT - BOND);
        assertEq(vault.poolOf(id), poolBefore + BOND, "the bond went to the pool");
        assertEq(coord.task(id).bondDeposit, 0);
        assertEq(token.balanceOf(aggregator), DEPOSIT - BOND);
        // and with no deposit left, no round opens
        vm.warp(block.timestamp + 1);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.openRound, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorBondTooLow.selector, id, 0, BOND)
        );
    }

    function test_FailureReport_EndsTheRoundFailedAndReturnsTheBond() public {
        uint256 id = _setupTask(SECAGG, 4, 4, 2);
        (uint256 r,) = _secaggToAggregate(id);
        ICoordinator.Aggregate memory agg = _aggregate(id, r, bytes32(0), 0);
        agg.modelHash = 0; // "the round cannot be aggregated": metricsHash names the report
        vm.prank(aggregator);
        coord.submitAggregate(id, r, agg);
        vm.warp(block.timestamp + T);
        vm.expectEmit(address(coord));
        emit ICoordinator.RoundFailed(id, r, agg.metricsHash);
        coord.finalize(id, r);
        assertEq(uint256(coord.round(id, r).phase), uint256(ICoordinator.Phase.Failed));
        assertEq(models.versionCount(id), 1, "no model");
        assertEq(coord.task(id).bondDeposit, DEPOSIT, "bond back in the deposit");
        assertEq(vault.claimableOf(id), 0);
        _assertRevert(
            id,
            _member(0),
            abi.encodeCall(coord.claim, (id, r, 1, new RewardTree.Node[](0))),
            abi.encodeWithSelector(
                ICoordinator.CoordinatorWrongPhase.selector,
                id,
                r,
                ICoordinator.Phase.Finalized,
                ICoordinator.Phase.Failed
            )
        );
    }

    function test_Attack_FalseFailureReportIsChallengedAndForfeitsTheBond() public {
        uint256 id = _setupTask(SECAGG, 4, 4, 2);
        (uint256 r, address[] memory cohort) = _secaggToAggregate(id);
        ICoordinator.Aggregate memory agg = _aggregate(id, r, bytes32(0), 0);
        agg.modelHash = 0; // a lie: the round could be aggregated (and would cost the aggregator its rewards)
        vm.prank(aggregator);
        coord.submitAggregate(id, r, agg);
        for (uint256 i; i < cohort.length; ++i) {
            vm.prank(cohort[i]);
            coord.challenge(id, r);
        }
        vm.warp(block.timestamp + T);
        uint256 poolBefore = vault.poolOf(id);
        coord.finalize(id, r);
        assertEq(uint256(coord.round(id, r).phase), uint256(ICoordinator.Phase.Rejected));
        assertEq(vault.poolOf(id), poolBefore + BOND);
        assertEq(coord.task(id).bondDeposit, DEPOSIT - BOND);
    }

    function test_AbortBeforeTheAggregatePhaseReturnsTheBond() public {
        uint256 id = _setupTask(SECAGG, 4, 4, 3);
        uint256 r = _open(id);
        vm.prank(_cohort(id, r)[0]);
        coord.advertiseKeys(id, r, keccak256("m"), keccak256("e"));
        vm.warp(block.timestamp + T); // 1 advertiser < 3: aborts at the advertise deadline
        assertEq(uint256(coord.advance(id)), uint256(ICoordinator.Phase.Aborted));
        assertEq(uint256(coord.round(id, r).reached), uint256(ICoordinator.Phase.AdvertiseKeys));
        vm.expectEmit(address(coord));
        emit ICoordinator.BondSettled(id, r, BOND, false);
        coord.openRound(id);
        assertEq(coord.task(id).bondDeposit, DEPOSIT - BOND, "returned, then locked in round 2");
        // the lone advertiser was not due any later step: nothing to slash
        (uint256 ar,,) = coord.pendingSlash(id, _cohort(id, r)[0]);
        assertEq(ar, 0);
    }

    function test_BondDepositAndWithdrawal() public {
        uint256 id = _createTask(_params(PLAIN, 2, 1));
        _joinMany(id, 2);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.depositBond, (id, BOND)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotAggregator.selector, id, stranger)
        );
        _assertRevert(
            id,
            aggregator,
            abi.encodeCall(coord.depositBond, (id, 0)),
            abi.encodeWithSelector(ICoordinator.CoordinatorZeroValue.selector, id, 0)
        );
        uint256 r = _open(id);
        _assertRevert(
            id,
            aggregator,
            abi.encodeCall(coord.withdrawBond, (id, DEPOSIT)),
            abi.encodeWithSelector(ICoordinator.CoordinatorBondTooLow.selector, id, DEPOSIT - BOND, DEPOSIT)
        );
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.withdrawBond, (id, 1)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotAggregator.selector, id, stranger)
        );
        vm.expectEmit(address(coord));
        emit ICoordinator.BondWithdrawn(id, aggregator, DEPOSIT - BOND);
        vm.prank(aggregator);
        coord.withdrawBond(id, DEPOSIT - BOND); // the unlocked part, during the round
        assertEq(token.balanceOf(aggregator), DEPOSIT - BOND);
        assertEq(vault.bondOf(id), BOND, "the locked bond stays");
        assertEq(coord.round(id, r).bond, BOND);
    }

    // ================================================================== skipped SecAgg+ steps

    function test_SkippedSecAggStepsCostTheirSlash() public {
        uint256 id = _setupTask(SECAGG, 5, 5, 1);
        uint256 r = _open(id);
        address[] memory c = _cohort(id, r);
        // c[0] advertises only; c[1] shares only; c[2] commits only; c[3] reveals and does not unmask; c[4] does all.
        _advertiseAll(id, r, c);
        vm.roll(block.number + 1);
        for (uint256 i = 1; i < 5; ++i) {
            vm.prank(c[i]);
            coord.shareKeys(id, r, keccak256("s"), "x");
        }
        vm.warp(block.timestamp + T);
        for (uint256 i = 2; i < 5; ++i) {
            _commit(id, r, c[i]);
        }
        vm.warp(block.timestamp + T);
        for (uint256 i = 3; i < 5; ++i) {
            _reveal(id, r, c[i]);
        }
        vm.warp(block.timestamp + T);
        vm.prank(c[4]);
        coord.unmask(id, r, keccak256("u"), "x");
        vm.warp(block.timestamp + T);
        assertEq(uint256(coord.advance(id)), uint256(ICoordinator.Phase.Aggregate));
        vm.warp(block.timestamp + T); // and the aggregator misses the deadline: the round aborts
        assertEq(uint256(coord.advance(id)), uint256(ICoordinator.Phase.Aborted));

        ICoordinator.Phase[5] memory skipped = [
            ICoordinator.Phase.ShareKeys,
            ICoordinator.Phase.None, // shared, did not commit: committing needs the store, not charged
            ICoordinator.Phase.Reveal,
            ICoordinator.Phase.Unmask,
            ICoordinator.Phase.None
        ];
        uint256[5] memory amount = [SKIP_SLASH, 0, NR_SLASH, SKIP_SLASH, 0];
        for (uint256 i; i < 5; ++i) {
            (uint256 ar,,) = coord.pendingSlash(id, c[i]);
            if (skipped[i] == ICoordinator.Phase.None) {
                assertEq(ar, 0);
                _assertRevert(
                    id,
                    stranger,
                    abi.encodeCall(coord.slashAbsent, (id, r, c[i])),
                    abi.encodeWithSelector(ICoordinator.CoordinatorNoEvidence.selector, id, r, c[i])
                );
                continue;
            }
            assertEq(ar, r);
            vm.expectEmit(address(coord));
            emit ICoordinator.AbsenteeSlashed(id, r, c[i], stranger, skipped[i], amount[i]);
            vm.prank(stranger);
            coord.slashAbsent(id, r, c[i]);
            assertEq(vault.stakeOf(id, c[i]), STAKE - amount[i]);
        }
    }

    function test_RevertWhen_AdvertisingWithAnUnslashedSkip() public {
        ICoordinator.TaskParams memory p = _params(SECAGG, 3, 1);
        p.skipSlash = 1; // stays above requiredStake once slashed
        uint256 id = _createTask(p);
        _joinMany(id, 2);
        address skipper = _member(2);
        _join(id, skipper, STAKE + 1);
        uint256 r = _open(id);
        address[] memory c = _cohort(id, r);
        _advertiseAll(id, r, c);
        vm.roll(block.number + 1);
        for (uint256 i; i < 3; ++i) {
            if (c[i] == skipper) continue;
            vm.prank(c[i]);
            coord.shareKeys(id, r, keccak256("s"), "x");
        }
        for (uint256 i; i < 2; ++i) {
            vm.warp(block.timestamp + T); // the round runs out (no commits)
            coord.advance(id);
        }
        assertEq(uint256(coord.round(id, r).phase), uint256(ICoordinator.Phase.Aborted));
        uint256 r2 = _open(id);
        _assertRevert(
            id,
            skipper,
            abi.encodeCall(coord.advertiseKeys, (id, r2, keccak256("m"), keccak256("e"))),
            abi.encodeWithSelector(ICoordinator.CoordinatorSlashPending.selector, id, skipper, r)
        );
        vm.prank(skipper);
        coord.slashAbsent(id, r, skipper); // its own node settles it
        vm.prank(skipper);
        coord.advertiseKeys(id, r2, keccak256("m"), keccak256("e"));
    }

    // ================================================================== blame: provably bad shares

    function test_SlashFault_ForSharesThatFailVerificationOnceTheRoundStands() public {
        uint256 id = _setupTask(SECAGG, 4, 4, 2);
        uint256 r = _open(id);
        address[] memory c = _cohort(id, r);
        _keysAll(id, r, c);
        // c[3] dealt bad shares and then dropped out; the others complete the round
        for (uint256 i; i < 3; ++i) {
            _commit(id, r, c[i]);
        }
        vm.warp(block.timestamp + T);
        for (uint256 i; i < 3; ++i) {
            _reveal(id, r, c[i]);
        }
        for (uint256 i; i < 3; ++i) {
            vm.prank(c[i]);
            coord.unmask(id, r, keccak256("u"), "x");
        }
        vm.prank(aggregator);
        coord.recordExclusion(id, r, c[3], ICoordinator.ExclusionReason.BadShares);
        vm.prank(aggregator);
        coord.recordExclusion(id, r, c[0], ICoordinator.ExclusionReason.BadShape);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.slashFault, (id, r, c[3])),
            abi.encodeWithSelector(ICoordinator.CoordinatorNoEvidence.selector, id, r, c[3])
        );
        RewardTree.Node[] memory leaves = _leaves(c, 1e18);
        _submit(id, r, Merkle.root(leaves), 4e18);
        vm.warp(block.timestamp + T);
        coord.finalize(id, r);
        (,, uint256 fr) = coord.pendingSlash(id, c[3]);
        assertEq(fr, r);
        vm.expectEmit(address(coord));
        emit ICoordinator.FaultSlashed(id, r, c[3], stranger, ICoordinator.ExclusionReason.BadShares, NR_SLASH);
        vm.prank(stranger);
        coord.slashFault(id, r, c[3]);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.slashFault, (id, r, c[3])),
            abi.encodeWithSelector(ICoordinator.CoordinatorAlreadySlashed.selector, id, r, c[3])
        );
        // a bad update is excluded, not a fault
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.slashFault, (id, r, c[0])),
            abi.encodeWithSelector(ICoordinator.CoordinatorNoEvidence.selector, id, r, c[0])
        );
        assertEq(registry.member(id, c[3]).faults, 1);
        assertEq(registry.member(id, c[3]).absences, 0);
    }

    function test_FaultExclusionInARejectedRoundIsNoEvidence() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        uint256 r = _open(id);
        address[] memory c = _cohort(id, r);
        _commitAll(id, r, c);
        _revealAll(id, r, c);
        vm.prank(aggregator);
        coord.recordExclusion(id, r, c[0], ICoordinator.ExclusionReason.BadShares); // a false accusation
        _submit(id, r, keccak256("root"), 0);
        vm.prank(c[0]);
        coord.challenge(id, r);
        vm.warp(block.timestamp + T);
        coord.finalize(id, r);
        assertEq(uint256(coord.round(id, r).phase), uint256(ICoordinator.Phase.Rejected));
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.slashFault, (id, r, c[0])),
            abi.encodeWithSelector(ICoordinator.CoordinatorNoEvidence.selector, id, r, c[0])
        );
    }

    // ================================================================== exits cannot be raced

    function test_Attack_StrangerCannotKeepTheTaskBusyToBlockExits() public {
        ICoordinator.TaskParams memory p = _params(PLAIN, 3, 1);
        p.durations.idle = 10 minutes;
        uint256 id = _createTask(p);
        _joinMany(id, 3);
        (uint256 r,,) = _fullRound(id);
        uint256 opensAt = coord.round(id, r).endedAt + 10 minutes;
        assertEq(coord.round(id, r).endedAt, block.timestamp);
        // The griefer's openRound, in the same block as the exit, is refused during the idle gap...
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.openRound, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorIdleGap.selector, id, opensAt)
        );
        // ...so the member leaves and the owner may close, whatever the griefer does.
        vm.prank(_member(0));
        coord.leave(id);
        vm.warp(opensAt - 1);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.openRound, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorIdleGap.selector, id, opensAt)
        );
        vm.warp(opensAt);
        assertEq(coord.openRound(id), r + 1);
    }

    function test_IdleGapOfAnAbortedRoundRunsFromItsDeadline() public {
        ICoordinator.TaskParams memory p = _params(PLAIN, 3, 1);
        p.durations.idle = 10 minutes;
        uint256 id = _createTask(p);
        _joinMany(id, 3);
        uint256 r = _open(id);
        uint256 deadline = coord.round(id, r).deadline;
        vm.warp(deadline + 1 hours); // nobody committed; nobody noticed for an hour
        assertEq(coord.round(id, r).endedAt, deadline, "the view reports when it died");
        coord.openRound(id); // the gap is long over
    }

    // ================================================================== a slash cannot be raced from its bounty

    function test_Attack_SlashedMemberCannotActFromTheBountyTransfer() public {
        HookToken hook = new HookToken();
        vault = new StakeVault(IERC20(address(hook)), admin);
        registry = new ParticipantRegistry(admin);
        models = new ModelRegistry(admin);
        ledger = new ConsentLedger(admin);
        coord = new Coordinator(vault, registry, models, ledger);
        bytes32 role = vault.OPERATOR_ROLE();
        vm.startPrank(admin);
        vault.grantRole(role, address(coord));
        registry.grantRole(role, address(coord));
        models.grantRole(role, address(coord));
        ledger.grantRole(role, address(coord));
        vm.stopPrank();

        SelfSlasher bad = new SelfSlasher(coord);
        hook.setHooked(address(bad));
        address m = _member(0);
        hook.mint(owner, POOL);
        hook.mint(m, STAKE);
        hook.mint(address(bad), STAKE);
        hook.mint(aggregator, 10 * BOND);
        vm.prank(owner);
        hook.approve(address(vault), POOL);
        vm.prank(m);
        hook.approve(address(vault), STAKE);
        vm.prank(aggregator);
        hook.approve(address(vault), 10 * BOND);
        vm.prank(owner);
        uint256 id = coord.createTask(_params(PLAIN, 2, 1));
        vm.prank(aggregator);
        coord.depositBond(id, 10 * BOND);
        _grantConsent(m);
        vm.prank(m);
        coord.join(id, STAKE, _dataset(m), _consentRef(m));
        bad.setUpMember(IERC20(address(hook)), address(vault), STAKE, id, keccak256("ref"), keccak256("ds"));

        // round 1: both commit, only m reveals; the round is accepted
        uint256 r1 = _open(id);
        _commit(id, r1, m);
        bad.commit(r1, keccak256("never revealed"));
        _reveal(id, r1, m);
        vm.warp(block.timestamp + T); // reveal deadline: Aggregate
        address[] memory paid = new address[](1);
        paid[0] = m;
        RewardTree.Node[] memory leaves = _leaves(paid, 10e18);
        _submit(id, r1, Merkle.root(leaves), 10e18);
        vm.warp(block.timestamp + T);
        coord.finalize(id, r1);

        // round 2 in Commit; `bad` slashes itself (stake 100 -> 90 < requiredStake 100: suspended) and re-enters
        uint256 r2 = _open(id);
        assertTrue(coord.isInCohort(id, r2, address(bad)));
        bad.slashSelf(r1, r2, keccak256("commit while being suspended"));
        assertTrue(bad.reentered(), "bounty hook ran");
        assertTrue(coord.memberActivity(id, address(bad)).suspended, "suspended after the slash");
        // The re-entrant commit fails: the member is suspended before any token moves.
        assertEq(
            bad.reentryError(), abi.encodeWithSelector(ICoordinator.CoordinatorSuspended.selector, id, address(bad))
        );
        assertTrue(coord.memberActivity(id, address(bad)).committed != r2, "no commit in round 2");
    }
}
