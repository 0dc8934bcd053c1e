// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {RewardTree} from "../src/libraries/RewardTree.sol";
import {CoordinatorBase} from "./utils/CoordinatorBase.sol";
import {Merkle} from "./utils/Merkle.sol";
import {ICoordinator} from "../src/interfaces/ICoordinator.sol";
import {IConsentLedger} from "../src/interfaces/IConsentLedger.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {RoundMath} from "../src/libraries/RoundMath.sol";
import {Coordinator} from "../src/Coordinator.sol";
import {StakeVault} from "../src/StakeVault.sol";
import {ParticipantRegistry} from "../src/ParticipantRegistry.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {ConsentLedger} from "../src/ConsentLedger.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @dev ERC-20 that calls `onTokenReceived` on contract recipients (like ERC-777/ERC-1363 hooks).
contract HookToken is ERC20 {
    address public hooked;

    constructor() ERC20("Hook", "HOOK") {}

    function setHooked(address a) external {
        hooked = a;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (to == hooked && from != address(0)) Reenterer(to).onTokenReceived();
    }
}

/// @dev Claims, and tries to claim again from inside the token transfer.
contract Reenterer {
    Coordinator internal immutable coord;
    uint256 internal task;
    uint256 internal round;
    uint256 internal amount;
    RewardTree.Node[] internal proof;
    bool public reentered;
    bytes public reentryError;

    constructor(Coordinator coord_) {
        coord = coord_;
    }

    function claim(uint256 task_, uint256 round_, uint256 amount_, RewardTree.Node[] memory proof_) external {
        (task, round, amount) = (task_, round_, amount_);
        for (uint256 i; i < proof_.length; ++i) {
            proof.push(proof_[i]); // (a memory struct array cannot be assigned to storage at once)
        }
        coord.claim(task_, round_, amount_, proof_);
    }

    function onTokenReceived() external {
        if (reentered) return;
        reentered = true;
        try coord.claim(task, round, amount, proof) {}
        catch (bytes memory err) {
            reentryError = err;
        }
    }
}

contract CoordinatorTest is CoordinatorBase {
    ICoordinator.Mode internal constant PLAIN = ICoordinator.Mode.Plain;
    ICoordinator.Mode internal constant SECAGG = ICoordinator.Mode.SecAgg;

    function setUp() public {
        _deploy();
    }

    // ================================================================== constructor / createTask

    function test_RevertWhen_ConstructedWithZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(ICoordinator.CoordinatorInvalidParams.selector, type(uint256).max));
        new Coordinator(vault, registry, models, ConsentLedger(address(0)));
    }

    function test_CreateTask_StoresParamsEscrowsPoolAndModelV0() public {
        ICoordinator.TaskParams memory p = _params(PLAIN, 5, 2);
        p.maxRounds = 7;
        vm.prank(admin);
        token.mint(owner, POOL);
        vm.prank(owner);
        token.approve(address(vault), POOL);
        vm.expectEmit(address(coord));
        emit ICoordinator.TaskCreated(1, owner, aggregator, PLAIN, SPEC, POOL);
        vm.prank(owner);
        uint256 id = coord.createTask(p);
        assertEq(id, 1);
        assertEq(coord.taskCount(), 1);
        ICoordinator.Task memory t = coord.task(id);
        assertEq(t.owner, owner);
        assertEq(t.aggregator, aggregator);
        assertEq(uint256(t.mode), uint256(PLAIN));
        assertEq(t.cohortSize, 5);
        assertEq(t.minRevealers, 2);
        assertEq(t.maxRounds, 7);
        assertEq(t.roundCount, 0);
        assertEq(t.specHash, SPEC);
        assertEq(t.requiredStake, STAKE);
        assertEq(t.rewardPerRound, REWARD);
        assertEq(t.aggregatorBond, BOND);
        assertEq(t.nonRevealSlash, NR_SLASH);
        assertEq(t.disputeSlash, D_SLASH);
        assertEq(t.skipSlash, SKIP_SLASH);
        assertEq(t.bondDeposit, 0);
        assertEq(t.durations.challenge, T);
        assertEq(t.durations.idle, 0);
        assertFalse(t.closed);
        assertEq(vault.poolOf(id), POOL);
        assertEq(token.balanceOf(address(vault)), POOL);
        assertEq(models.versionCount(id), 1);
        IModelRegistry.ModelVersion memory v0 = models.head(id);
        assertEq(v0.modelHash, MODEL0);
        assertEq(v0.parentHash, bytes32(0));
        assertEq(v0.locator, LOC0);
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.None));
        assertEq(coord.currentRound(id), 0);
    }

    function test_CreateTask_ZeroPoolAndZeroMinRevealers() public {
        ICoordinator.TaskParams memory p = _params(PLAIN, 3, 0);
        p.rewardPool = 0;
        vm.prank(owner);
        uint256 id = coord.createTask(p);
        assertEq(vault.poolOf(id), 0);
        assertEq(coord.task(id).minRevealers, 1, "0 is stored as 1");
    }

    function test_RevertWhen_CreateTaskInvalidParams() public {
        for (uint256 field; field < 17; ++field) {
            ICoordinator.TaskParams memory p = _params(SECAGG, 4, 2);
            if (field == 0) p.specHash = 0;
            else if (field == 1) p.initialModelHash = 0;
            else if (field == 2) p.rewardPool = uint256(type(uint128).max) + 1;
            else if (field == 3) p.rewardPerRound = uint256(type(uint120).max) + 1;
            else if (field == 4) p.requiredStake = 0;
            else if (field == 5) p.requiredStake = uint256(type(uint128).max) + 1;
            else if (field == 6) p.aggregatorBond = uint256(type(uint128).max) + 1;
            else if (field == 7) p.nonRevealSlash = uint256(type(uint128).max) + 1;
            else if (field == 8) p.disputeSlash = uint256(type(uint128).max) + 1;
            else if (field == 9) p.cohortSize = 0;
            else if (field == 10) p.minRevealers = 5;
            else if (field == 11) p.aggregator = address(0);
            else if (field == 12) p.durations.commit = 0;
            else if (field == 13) p.durations.challenge = 0;
            else if (field == 14) p.durations.advertise = 0;
            else if (field == 15) p.durations.unmask = 0;
            else p.skipSlash = uint256(type(uint128).max) + 1;
            uint256[17] memory expected = [uint256(0), 1, 3, 4, 5, 5, 6, 7, 8, 9, 10, 13, 14, 14, 14, 14, 15];
            _assertRevert(
                0,
                owner,
                abi.encodeCall(coord.createTask, (p)),
                abi.encodeWithSelector(ICoordinator.CoordinatorInvalidParams.selector, expected[field])
            );
        }
    }

    function test_CreateTask_PlainIgnoresSecAggDurations() public {
        ICoordinator.TaskParams memory p = _params(PLAIN, 4, 2);
        p.durations.advertise = 0;
        p.durations.share = 0;
        p.durations.unmask = 0;
        uint256 id = _createTask(p);
        assertEq(id, 1);
    }

    function test_RevertWhen_CreateTaskWithoutAllowance() public {
        ICoordinator.TaskParams memory p = _params(PLAIN, 4, 2);
        vm.prank(admin);
        token.mint(owner, POOL);
        _assertRevert(
            0,
            owner,
            abi.encodeCall(coord.createTask, (p)),
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(vault), 0, POOL)
        );
    }

    // ================================================================== closeTask

    function test_CloseTask_RefundsPoolAndBlocksNewRounds() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        vm.expectEmit(address(coord));
        emit ICoordinator.TaskClosed(id, POOL);
        vm.prank(owner);
        coord.closeTask(id);
        assertTrue(coord.task(id).closed);
        assertEq(token.balanceOf(owner), POOL);
        assertEq(vault.poolOf(id), 0);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.openRound, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorTaskClosed.selector, id)
        );
        _assertRevert(
            id,
            owner,
            abi.encodeCall(coord.closeTask, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorTaskClosed.selector, id)
        );
        // members may leave a closed task
        vm.prank(_member(0));
        coord.leave(id);
        assertEq(token.balanceOf(_member(0)), STAKE);
        // nobody may join it
        _fund(_member(50), STAKE);
        _grantConsent(_member(50));
        _assertRevert(
            id,
            _member(50),
            abi.encodeCall(coord.join, (id, STAKE, _dataset(_member(50)), _consentRef(_member(50)))),
            abi.encodeWithSelector(ICoordinator.CoordinatorTaskClosed.selector, id)
        );
    }

    function test_CloseTask_KeepsAllocatedRewardsClaimable() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        (uint256 r, address[] memory cohort, RewardTree.Node[] memory leaves) = _fullRound(id);
        uint256 per = REWARD / cohort.length;
        vm.prank(owner);
        coord.closeTask(id);
        assertEq(token.balanceOf(owner), POOL - per * cohort.length, "only the unallocated pool returns");
        vm.prank(cohort[1]);
        coord.claim(id, r, per, Merkle.proof(leaves, 1));
        assertEq(token.balanceOf(cohort[1]), per);
    }

    function test_RevertWhen_CloseTaskByNonOwner() public {
        uint256 id = _setupTask(PLAIN, 1, 1, 1);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.closeTask, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotTaskOwner.selector, id, stranger)
        );
    }

    function test_RevertWhen_CloseTaskDuringRound() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        _open(id);
        _assertRevert(
            id,
            owner,
            abi.encodeCall(coord.closeTask, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorRoundInProgress.selector, id, 1)
        );
    }

    function test_RevertWhen_UnknownTask() public {
        _assertRevert(
            0,
            owner,
            abi.encodeCall(coord.closeTask, (1)),
            abi.encodeWithSelector(ICoordinator.CoordinatorUnknownTask.selector, 1)
        );
        _assertRevert(
            0,
            owner,
            abi.encodeCall(coord.openRound, (0)),
            abi.encodeWithSelector(ICoordinator.CoordinatorUnknownTask.selector, 0)
        );
        vm.expectRevert(abi.encodeWithSelector(ICoordinator.CoordinatorUnknownTask.selector, 9));
        coord.task(9);
    }

    // ================================================================== join

    function test_Join_PullsStakeRegistersAndRecordsProvenance() public {
        uint256 id = _createTask(_params(PLAIN, 3, 1));
        address m = _member(0);
        _fund(m, STAKE + 5);
        _grantConsent(m);
        vm.expectEmit(address(coord));
        emit ICoordinator.MemberJoined(id, m, 0, STAKE + 5);
        vm.prank(m);
        coord.join(id, STAKE + 5, _dataset(m), _consentRef(m));
        assertEq(vault.stakeOf(id, m), STAKE + 5);
        assertEq(vault.totalStakes(), STAKE + 5);
        assertEq(registry.memberCount(id), 1);
        assertEq(registry.memberAt(id, 0), m);
        IParticipantRegistry.Member memory rec = registry.member(id, m);
        assertTrue(rec.active);
        assertEq(rec.datasetCommitment, _dataset(m));
        assertEq(rec.consentRef, _consentRef(m));
        ICoordinator.MemberActivity memory a = coord.memberActivity(id, m);
        assertTrue(a.joined);
        assertEq(a.index, 0);
        IConsentLedger.Provenance memory pv = ledger.provenance(m, _dataset(m), id);
        assertEq(pv.holder, m);
    }

    function test_RevertWhen_JoinTwice() public {
        uint256 id = _setupTask(PLAIN, 1, 1, 1);
        address m = _member(0);
        _fund(m, STAKE);
        _assertRevert(
            id,
            m,
            abi.encodeCall(coord.join, (id, STAKE, _dataset(m), _consentRef(m))),
            abi.encodeWithSelector(ICoordinator.CoordinatorAlreadyMember.selector, id, m)
        );
    }

    function test_RevertWhen_JoinStakeTooLowOrZero() public {
        uint256 id = _createTask(_params(PLAIN, 3, 1));
        address m = _member(0);
        _fund(m, STAKE);
        _grantConsent(m);
        _assertRevert(
            id,
            m,
            abi.encodeCall(coord.join, (id, STAKE - 1, _dataset(m), _consentRef(m))),
            abi.encodeWithSelector(ICoordinator.CoordinatorStakeTooLow.selector, id, STAKE - 1, STAKE)
        );
        _assertRevert(
            id,
            m,
            abi.encodeCall(coord.join, (id, 0, _dataset(m), _consentRef(m))),
            abi.encodeWithSelector(ICoordinator.CoordinatorStakeTooLow.selector, id, 0, STAKE)
        );
    }

    function test_RevertWhen_JoinInsufficientAllowance() public {
        uint256 id = _createTask(_params(PLAIN, 3, 1));
        address m = _member(0);
        vm.prank(admin);
        token.mint(m, STAKE);
        vm.prank(m);
        token.approve(address(vault), STAKE - 1);
        _grantConsent(m);
        _assertRevert(
            id,
            m,
            abi.encodeCall(coord.join, (id, STAKE, _dataset(m), _consentRef(m))),
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(vault), STAKE - 1, STAKE)
        );
    }

    function test_RevertWhen_JoinInsufficientBalance() public {
        uint256 id = _createTask(_params(PLAIN, 3, 1));
        address m = _member(0);
        vm.prank(m);
        token.approve(address(vault), STAKE);
        _grantConsent(m);
        _assertRevert(
            id,
            m,
            abi.encodeCall(coord.join, (id, STAKE, _dataset(m), _consentRef(m))),
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, m, 0, STAKE)
        );
    }

    function test_RevertWhen_JoinWithoutValidConsent() public {
        uint256 id = _createTask(_params(PLAIN, 3, 1));
        address m = _member(0);
        _fund(m, STAKE);
        bytes memory err = abi.encodeWithSelector(ICoordinator.CoordinatorConsentInvalid.selector, m, _consentRef(m));
        // no record
        _assertRevert(id, m, abi.encodeCall(coord.join, (id, STAKE, _dataset(m), _consentRef(m))), err);
        // record for another dataset
        _grantConsent(m);
        _assertRevert(id, m, abi.encodeCall(coord.join, (id, STAKE, keccak256("other"), _consentRef(m))), err);
        // revoked
        vm.prank(m);
        ledger.revokeConsent(_consentRef(m));
        _assertRevert(id, m, abi.encodeCall(coord.join, (id, STAKE, _dataset(m), _consentRef(m))), err);
        // expired
        bytes32 ref2 = keccak256("ref2");
        vm.prank(m);
        ledger.recordConsent(ref2, keccak256("doc"), _dataset(m), uint64(block.timestamp + 10));
        vm.warp(block.timestamp + 10);
        _assertRevert(
            id,
            m,
            abi.encodeCall(coord.join, (id, STAKE, _dataset(m), ref2)),
            abi.encodeWithSelector(ICoordinator.CoordinatorConsentInvalid.selector, m, ref2)
        );
    }

    function test_Join_DuringRoundWaitsForNextRound() public {
        uint256 id = _setupTask(PLAIN, 2, 5, 1);
        uint256 r = _open(id);
        address late = _member(7);
        _join(id, late);
        assertEq(coord.memberActivity(id, late).index, 2);
        assertFalse(coord.isInCohort(id, r, late));
        bytes32 c = keccak256("c");
        _assertRevert(
            id,
            late,
            abi.encodeCall(coord.commit, (id, r, c)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotInCohort.selector, id, r, late)
        );
    }

    // ================================================================== leave / evict

    function test_Leave_ReturnsStakeAndSwapsLastMemberIn() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        address m0 = _member(0);
        address m2 = _member(2);
        vm.expectEmit(address(coord));
        emit ICoordinator.MemberLeft(id, m0, STAKE);
        vm.prank(m0);
        coord.leave(id);
        assertEq(token.balanceOf(m0), STAKE);
        assertEq(vault.stakeOf(id, m0), 0);
        assertFalse(coord.memberActivity(id, m0).joined);
        assertEq(registry.memberCount(id), 2);
        assertEq(registry.memberAt(id, 0), m2);
        assertEq(coord.memberActivity(id, m2).index, 0, "cached index follows swap-and-pop");
        assertEq(registry.member(id, m2).index, 0);
        // the moved member still takes part
        (uint256 r, address[] memory cohort,) = _fullRound(id);
        assertEq(cohort.length, 2);
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Finalized));
        assertEq(r, 1);
        // and may rejoin later
        _join(id, m0);
        assertEq(coord.memberActivity(id, m0).index, 2);
    }

    function test_RevertWhen_LeaveNotMember() public {
        uint256 id = _setupTask(PLAIN, 1, 1, 1);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.leave, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotMember.selector, id, stranger)
        );
    }

    function test_RevertWhen_LeaveWhileRoundInProgress() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        (uint256 r,,) = _toChallenge(id);
        _assertRevert(
            id,
            _member(0),
            abi.encodeCall(coord.leave, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorRoundInProgress.selector, id, r)
        );
        // still in progress after the challenge window until finalized
        vm.warp(block.timestamp + T);
        _assertRevert(
            id,
            _member(0),
            abi.encodeCall(coord.leave, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorRoundInProgress.selector, id, r)
        );
        coord.finalize(id, r);
        vm.prank(_member(0));
        coord.leave(id);
    }

    function test_RevertWhen_LeaveWithPendingAbsenceSlash() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 2);
        uint256 r = _roundWithNonRevealer(id, _member(2));
        _assertRevert(
            id,
            _member(2),
            abi.encodeCall(coord.leave, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorSlashPending.selector, id, _member(2), r)
        );
        (uint256 nr, uint256 dr, uint256 fr) = coord.pendingSlash(id, _member(2));
        assertEq(nr, r);
        assertEq(dr, 0);
        assertEq(fr, 0);
        vm.prank(stranger);
        coord.slashAbsent(id, r, _member(2));
        (nr,,) = coord.pendingSlash(id, _member(2));
        assertEq(nr, 0);
        vm.prank(_member(2));
        coord.leave(id);
        assertEq(token.balanceOf(_member(2)), STAKE - NR_SLASH);
    }

    function test_Evict_RevokedConsentReturnsStake() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        address m = _member(1);
        vm.prank(m);
        ledger.revokeConsent(_consentRef(m));
        vm.expectEmit(address(coord));
        emit ICoordinator.MemberEvicted(id, m, stranger, STAKE);
        vm.prank(stranger);
        coord.evict(id, m);
        assertEq(vault.owedTo(m), STAKE); // the owner evicted it: a credit the member withdraws
        vm.prank(m);
        vault.withdraw();
        assertEq(token.balanceOf(m), STAKE);
        assertFalse(registry.isMember(id, m));
        assertEq(coord.memberActivity(id, _member(2)).index, 1);
    }

    function test_Evict_ExpiredConsent() public {
        uint256 id = _createTask(_params(PLAIN, 3, 1));
        address m = _member(0);
        _fund(m, STAKE);
        vm.prank(m);
        ledger.recordConsent(_consentRef(m), keccak256("doc"), _dataset(m), uint64(block.timestamp + 100));
        vm.prank(m);
        coord.join(id, STAKE, _dataset(m), _consentRef(m));
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.evict, (id, m)),
            abi.encodeWithSelector(ICoordinator.CoordinatorConsentStillValid.selector, id, m)
        );
        vm.warp(block.timestamp + 100);
        vm.prank(stranger);
        coord.evict(id, m);
        assertEq(registry.memberCount(id), 0);
    }

    function test_Evict_SuspendedMember() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 2);
        address culprit = _member(2);
        uint256 r = _roundWithNonRevealer(id, culprit);
        vm.prank(stranger);
        coord.slashAbsent(id, r, culprit);
        assertTrue(coord.memberActivity(id, culprit).suspended);
        vm.prank(stranger);
        coord.evict(id, culprit);
        assertEq(vault.owedTo(culprit), STAKE - NR_SLASH);
        assertFalse(registry.isMember(id, culprit));
        assertFalse(coord.memberActivity(id, culprit).suspended);
    }

    function test_RevertWhen_EvictDuringRoundOrNonMember() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        _open(id);
        vm.prank(_member(0));
        ledger.revokeConsent(_consentRef(_member(0)));
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.evict, (id, _member(0))),
            abi.encodeWithSelector(ICoordinator.CoordinatorRoundInProgress.selector, id, 1)
        );
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.evict, (id, stranger)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotMember.selector, id, stranger)
        );
    }

    // ================================================================== openRound

    function test_OpenRound_RecordsDeadlineLocksBondAndDrawsSeedLater() public {
        uint256 id = _setupTask(PLAIN, 7, 3, 2);
        vm.expectEmit(address(coord));
        emit ICoordinator.RoundOpened(id, 1, 7, 3, ICoordinator.Phase.Commit, block.timestamp + T, BOND);
        uint256 r = coord.openRound(id);
        uint256 openBlock = block.number;
        assertEq(r, 1);
        ICoordinator.Round memory rd = coord.round(id, r);
        assertEq(uint256(rd.phase), uint256(ICoordinator.Phase.Commit));
        assertEq(uint256(rd.reached), uint256(ICoordinator.Phase.Commit));
        assertEq(rd.seed, bytes32(0), "no seed in the opening block: its hash is not known yet");
        assertEq(rd.openBlock, openBlock);
        assertEq(rd.revealDigest, keccak256(abi.encode(id, r)));
        assertEq(rd.memberCount, 7);
        assertEq(rd.cohortSize, 3);
        assertEq(rd.eligible, 3);
        assertEq(rd.deadline, block.timestamp + T);
        assertEq(rd.openedAt, block.timestamp);
        assertEq(rd.endedAt, 0);
        assertEq(rd.baseModelHash, MODEL0);
        assertEq(rd.bond, BOND);
        assertEq(coord.task(id).bondDeposit, DEPOSIT - BOND, "bond locked in the round");
        assertEq(vault.bondOf(id), DEPOSIT, "still in the vault");
        vm.roll(block.number + 1);
        bytes32 seed = keccak256(abi.encode(blockhash(openBlock), id, r));
        assertEq(coord.round(id, r).seed, seed, "the view computes it once it can be drawn");
        assertEq(_cohort(id, r).length, 3);
        vm.expectEmit(address(coord));
        emit ICoordinator.SeedDrawn(id, r, seed);
        coord.advance(id);
        assertEq(coord.round(id, r).seed, seed);
    }

    function test_RevertWhen_OpenRoundWithTooFewMembers() public {
        uint256 id = _setupTask(PLAIN, 2, 4, 3);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.openRound, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotEnoughMembers.selector, id, 2, 3)
        );
        uint256 id2 = _createTask(_params(PLAIN, 4, 0));
        _assertRevert(
            id2,
            stranger,
            abi.encodeCall(coord.openRound, (id2)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotEnoughMembers.selector, id2, 0, 1)
        );
    }

    function test_RevertWhen_OpenRoundWhileOneIsInProgress() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        _open(id);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.openRound, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorRoundInProgress.selector, id, 1)
        );
    }

    function test_RevertWhen_OpenRoundBeyondMaxRounds() public {
        ICoordinator.TaskParams memory p = _params(PLAIN, 2, 1);
        p.maxRounds = 1;
        uint256 id = _createTask(p);
        _fund(aggregator, 10 * BOND);
        _joinMany(id, 2);
        _fullRound(id);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.openRound, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorMaxRoundsReached.selector, id, 1)
        );
    }

    function test_OpenRound_AfterExpiredRoundAbortsIt() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        _open(id);
        vm.warp(block.timestamp + T); // nobody committed: commit closes with 0 actors -> Aborted
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Aborted));
        uint256 r = _open(id);
        assertEq(r, 2);
        assertEq(uint256(coord.round(id, 1).phase), uint256(ICoordinator.Phase.Aborted));
    }

    // ================================================================== commit

    function test_Commit_RecordsAndClosesEarlyWhenAllActed() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        uint256 r = _open(id);
        address m = _member(0);
        bytes32 c = coord.computeCommitment(id, r, m, _update(m, r), EXAMPLES, _salt(m, r));
        vm.expectEmit(address(coord));
        emit ICoordinator.UpdateCommitted(id, r, m, c);
        vm.prank(m);
        coord.commit(id, r, c);
        assertEq(coord.commitmentOf(id, r, m), c);
        assertEq(coord.memberActivity(id, m).committed, r);
        assertEq(coord.round(id, r).acted, 1);
        _commit(id, r, _member(1));
        vm.expectEmit(address(coord));
        emit ICoordinator.PhaseAdvanced(id, r, ICoordinator.Phase.Reveal, block.timestamp + T, 3);
        _commit(id, r, _member(2));
        ICoordinator.Round memory rd = coord.round(id, r);
        assertEq(uint256(rd.phase), uint256(ICoordinator.Phase.Reveal));
        assertEq(rd.eligible, 3);
        assertEq(rd.acted, 0);
    }

    function test_RevertWhen_CommitByNonMemberOrOutsideCohort() public {
        uint256 id = _setupTask(PLAIN, 6, 2, 1);
        uint256 r = _open(id);
        bytes32 c = keccak256("c");
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.commit, (id, r, c)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotMember.selector, id, stranger)
        );
        address outsider;
        for (uint256 i; i < 6; ++i) {
            if (!coord.isInCohort(id, r, _member(i))) outsider = _member(i);
        }
        _assertRevert(
            id,
            outsider,
            abi.encodeCall(coord.commit, (id, r, c)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotInCohort.selector, id, r, outsider)
        );
    }

    function test_RevertWhen_CommitTwiceOrZero() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        uint256 r = _open(id);
        address m = _member(0);
        _commit(id, r, m);
        _assertRevert(
            id,
            m,
            abi.encodeCall(coord.commit, (id, r, keccak256("x"))),
            abi.encodeWithSelector(ICoordinator.CoordinatorAlreadyActed.selector, id, r, m)
        );
        _assertRevert(
            id,
            _member(1),
            abi.encodeCall(coord.commit, (id, r, bytes32(0))),
            abi.encodeWithSelector(ICoordinator.CoordinatorZeroValue.selector, id, r)
        );
    }

    function test_RevertWhen_CommitTooLateOrWrongRound() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        uint256 r = _open(id);
        _commit(id, r, _member(0));
        vm.warp(block.timestamp + T);
        // the expired commit phase is moved forward first, then the commit is refused
        _assertRevert(
            id,
            _member(1),
            abi.encodeCall(coord.commit, (id, r, keccak256("c"))),
            abi.encodeWithSelector(
                ICoordinator.CoordinatorWrongPhase.selector, id, r, ICoordinator.Phase.Commit, ICoordinator.Phase.Reveal
            )
        );
        _assertRevert(
            id,
            _member(1),
            abi.encodeCall(coord.commit, (id, r + 1, keccak256("c"))),
            abi.encodeWithSelector(
                ICoordinator.CoordinatorWrongPhase.selector,
                id,
                r + 1,
                ICoordinator.Phase.Commit,
                ICoordinator.Phase.None
            )
        );
    }

    // ================================================================== reveal

    function test_Reveal_ChecksCommitmentAndChainsDigest() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        uint256 r = _open(id);
        _commit(id, r, _member(0));
        _commit(id, r, _member(1));
        bytes32 d1 = keccak256(abi.encode(keccak256(abi.encode(id, r)), _member(1), _update(_member(1), r), EXAMPLES));
        vm.expectEmit(address(coord));
        emit ICoordinator.UpdateRevealed(
            id,
            r,
            _member(1),
            _update(_member(1), r),
            EXAMPLES,
            "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
            d1
        );
        _reveal(id, r, _member(1));
        _reveal(id, r, _member(0));
        bytes32 d2 = keccak256(abi.encode(d1, _member(0), _update(_member(0), r), EXAMPLES));
        ICoordinator.Round memory rd = coord.round(id, r);
        assertEq(rd.revealDigest, d2);
        assertEq(rd.revealers, 2);
        assertEq(uint256(rd.phase), uint256(ICoordinator.Phase.Aggregate));
        assertEq(coord.memberActivity(id, _member(0)).revealed, r);
    }

    function test_RevertWhen_RevealDoesNotMatch() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        uint256 r = _open(id);
        _commit(id, r, _member(0));
        _commit(id, r, _member(1));
        address m = _member(0);
        _assertRevert(
            id,
            m,
            abi.encodeCall(coord.reveal, (id, r, keccak256("other"), _salt(m, r), 1, "x")),
            abi.encodeWithSelector(ICoordinator.CoordinatorCommitmentMismatch.selector, id, r, m)
        );
        _assertRevert(
            id,
            m,
            abi.encodeCall(coord.reveal, (id, r, _update(m, r), keccak256("other salt"), 1, "x")),
            abi.encodeWithSelector(ICoordinator.CoordinatorCommitmentMismatch.selector, id, r, m)
        );
        // another member's opening does not open mine
        _assertRevert(
            id,
            m,
            abi.encodeCall(coord.reveal, (id, r, _update(_member(1), r), _salt(_member(1), r), 1, "x")),
            abi.encodeWithSelector(ICoordinator.CoordinatorCommitmentMismatch.selector, id, r, m)
        );
    }

    function test_RevertWhen_RevealWithoutCommitTwiceOrTooEarly() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        uint256 r = _open(id);
        _commit(id, r, _member(0));
        address m = _member(0);
        _assertRevert(
            id,
            m,
            abi.encodeCall(coord.reveal, (id, r, _update(m, r), _salt(m, r), 1, "x")),
            abi.encodeWithSelector(
                ICoordinator.CoordinatorWrongPhase.selector, id, r, ICoordinator.Phase.Reveal, ICoordinator.Phase.Commit
            )
        );
        _commit(id, r, _member(1));
        vm.warp(block.timestamp + T); // member 2 never commits
        _reveal(id, r, m);
        _assertRevert(
            id,
            m,
            abi.encodeCall(coord.reveal, (id, r, _update(m, r), _salt(m, r), 1, "x")),
            abi.encodeWithSelector(ICoordinator.CoordinatorAlreadyActed.selector, id, r, m)
        );
        address lazy = _member(2);
        _assertRevert(
            id,
            lazy,
            abi.encodeCall(coord.reveal, (id, r, _update(lazy, r), _salt(lazy, r), 1, "x")),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotEligible.selector, id, r, lazy)
        );
    }

    function test_RevealClose_AbortsBelowMinRevealers() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 3);
        uint256 r = _open(id);
        _commitAll(id, r, _cohort(id, r));
        _reveal(id, r, _member(0));
        _reveal(id, r, _member(1));
        vm.warp(block.timestamp + T);
        // The view sees the absence as soon as the deadline passed, before anyone syncs the round (found by
        // invariant_EveryoneCanExitInBoundedTime: it read the stored phase, and `leave` then disagreed).
        (uint256 nr,,) = coord.pendingSlash(id, _member(2));
        assertEq(nr, r);
        vm.expectEmit(address(coord));
        emit ICoordinator.PhaseAdvanced(id, r, ICoordinator.Phase.Aborted, 0, 0);
        assertEq(uint256(coord.advance(id)), uint256(ICoordinator.Phase.Aborted));
        // aborting is not free: the member that committed and did not reveal caused it, and is slashable
        (nr,,) = coord.pendingSlash(id, _member(2));
        assertEq(nr, r);
        _assertRevert(
            id,
            _member(2),
            abi.encodeCall(coord.leave, (id)),
            abi.encodeWithSelector(ICoordinator.CoordinatorSlashPending.selector, id, _member(2), r)
        );
        vm.prank(stranger);
        coord.slashAbsent(id, r, _member(2));
        // the revealers are not, and leave freely
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.slashAbsent, (id, r, _member(0))),
            abi.encodeWithSelector(ICoordinator.CoordinatorNoEvidence.selector, id, r, _member(0))
        );
        vm.prank(_member(0));
        coord.leave(id);
    }

    function test_CommitClose_AbortsEarlyWhenTooFewCommitted() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 2);
        uint256 r = _open(id);
        _commit(id, r, _member(0));
        vm.warp(block.timestamp + T);
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Aborted));
        assertEq(uint256(coord.advance(id)), uint256(ICoordinator.Phase.Aborted));
    }

    // ================================================================== aggregate

    function test_SubmitAggregate_OpensChallengeWithTheLockedBond() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        uint256 r = _open(id);
        address[] memory cohort = _cohort(id, r);
        _commitAll(id, r, cohort);
        _revealAll(id, r, cohort);
        ICoordinator.Aggregate memory agg = _aggregate(id, r, keccak256("root"), REWARD);
        uint256 before = token.balanceOf(aggregator);
        vm.expectEmit(address(coord));
        emit ICoordinator.AggregateSubmitted(
            id, r, agg.modelHash, agg.rewardsRoot, REWARD, agg.metricsHash, agg.locator, BOND, block.timestamp + T
        );
        vm.prank(aggregator);
        coord.submitAggregate(id, r, agg);
        assertEq(token.balanceOf(aggregator), before, "the bond was locked at openRound, nothing moves now");
        assertEq(vault.bondOf(id), DEPOSIT);
        ICoordinator.Round memory rd = coord.round(id, r);
        assertEq(uint256(rd.phase), uint256(ICoordinator.Phase.Challenge));
        assertEq(rd.deadline, block.timestamp + T);
        assertEq(rd.modelHash, agg.modelHash);
        assertEq(rd.rewardsRoot, agg.rewardsRoot);
        assertEq(rd.rewardTotal, REWARD);
        assertEq(rd.bond, BOND);
        assertEq(rd.locator, agg.locator);
    }

    function test_RevertWhen_SubmitAggregateInvalid() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        uint256 r = _open(id);
        address[] memory cohort = _cohort(id, r);
        _commitAll(id, r, cohort);
        ICoordinator.Aggregate memory agg = _aggregate(id, r, keccak256("root"), REWARD);
        _assertRevert(
            id,
            aggregator,
            abi.encodeCall(coord.submitAggregate, (id, r, agg)),
            abi.encodeWithSelector(
                ICoordinator.CoordinatorWrongPhase.selector,
                id,
                r,
                ICoordinator.Phase.Aggregate,
                ICoordinator.Phase.Reveal
            )
        );
        _revealAll(id, r, cohort);
        agg = _aggregate(id, r, keccak256("root"), REWARD);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.submitAggregate, (id, r, agg)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotAggregator.selector, id, stranger)
        );
        agg.rewardTotal = REWARD + 1;
        _assertRevert(
            id,
            aggregator,
            abi.encodeCall(coord.submitAggregate, (id, r, agg)),
            abi.encodeWithSelector(ICoordinator.CoordinatorRewardTooLarge.selector, id, r, REWARD + 1, REWARD)
        );
        agg.rewardTotal = REWARD;
        bytes32 good = agg.revealDigest;
        agg.revealDigest = keccak256("stale");
        _assertRevert(
            id,
            aggregator,
            abi.encodeCall(coord.submitAggregate, (id, r, agg)),
            abi.encodeWithSelector(ICoordinator.CoordinatorDigestMismatch.selector, id, r, good, keccak256("stale"))
        );
        agg.revealDigest = good;
        // a failure report (no model) pays nothing and names its report
        agg.modelHash = 0;
        _assertRevert(
            id,
            aggregator,
            abi.encodeCall(coord.submitAggregate, (id, r, agg)),
            abi.encodeWithSelector(ICoordinator.CoordinatorZeroValue.selector, id, r)
        );
        agg.rewardsRoot = 0;
        agg.rewardTotal = 0;
        agg.metricsHash = 0;
        _assertRevert(
            id,
            aggregator,
            abi.encodeCall(coord.submitAggregate, (id, r, agg)),
            abi.encodeWithSelector(ICoordinator.CoordinatorZeroValue.selector, id, r)
        );
    }

    function test_SubmitAggregate_RewardCappedByPool() public {
        ICoordinator.TaskParams memory p = _params(PLAIN, 2, 1);
        p.rewardPool = REWARD / 2;
        uint256 id = _createTask(p);
        _fund(aggregator, 10 * BOND);
        _joinMany(id, 2);
        uint256 r = _open(id);
        _commitAll(id, r, _cohort(id, r));
        _revealAll(id, r, _cohort(id, r));
        ICoordinator.Aggregate memory agg = _aggregate(id, r, keccak256("root"), REWARD / 2 + 1);
        _assertRevert(
            id,
            aggregator,
            abi.encodeCall(coord.submitAggregate, (id, r, agg)),
            abi.encodeWithSelector(ICoordinator.CoordinatorRewardTooLarge.selector, id, r, REWARD / 2 + 1, REWARD / 2)
        );
    }

    function test_AggregateDeadline_AbortsRound() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        uint256 r = _open(id);
        _commitAll(id, r, _cohort(id, r));
        _revealAll(id, r, _cohort(id, r));
        vm.warp(block.timestamp + T);
        ICoordinator.Aggregate memory agg = _aggregate(id, r, keccak256("root"), REWARD);
        _assertRevert(
            id,
            aggregator,
            abi.encodeCall(coord.submitAggregate, (id, r, agg)),
            abi.encodeWithSelector(
                ICoordinator.CoordinatorWrongPhase.selector,
                id,
                r,
                ICoordinator.Phase.Aggregate,
                ICoordinator.Phase.Aborted
            )
        );
        coord.advance(id);
        assertEq(uint256(coord.round(id, r).phase), uint256(ICoordinator.Phase.Aborted));
        // no aggregate by the deadline: the bond locked in the round goes to the pool when it is settled
        uint256 poolBefore = vault.poolOf(id);
        vm.expectEmit(address(coord));
        emit ICoordinator.BondSettled(id, r, BOND, true);
        assertEq(coord.openRound(id), 2);
        assertEq(vault.poolOf(id), poolBefore + BOND);
        assertEq(coord.round(id, r).bond, 0);
        assertEq(coord.task(id).bondDeposit, DEPOSIT - 2 * BOND, "one forfeited, one locked in round 2");
    }

    function test_RecordExclusion() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        uint256 r = _open(id);
        _commitAll(id, r, _cohort(id, r));
        _reveal(id, r, _member(0));
        _reveal(id, r, _member(1));
        vm.warp(block.timestamp + T);
        vm.expectEmit(address(coord));
        emit ICoordinator.UpdateExcluded(id, r, _member(0), ICoordinator.ExclusionReason.NonFinite);
        vm.prank(aggregator);
        coord.recordExclusion(id, r, _member(0), ICoordinator.ExclusionReason.NonFinite);
        assertEq(coord.memberActivity(id, _member(0)).excluded, r);
        _assertRevert(
            id,
            aggregator,
            abi.encodeCall(coord.recordExclusion, (id, r, _member(0), ICoordinator.ExclusionReason.Other)),
            abi.encodeWithSelector(ICoordinator.CoordinatorAlreadyActed.selector, id, r, _member(0))
        );
        _assertRevert(
            id,
            aggregator,
            abi.encodeCall(coord.recordExclusion, (id, r, _member(2), ICoordinator.ExclusionReason.MissingBlob)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotEligible.selector, id, r, _member(2))
        );
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.recordExclusion, (id, r, _member(1), ICoordinator.ExclusionReason.BadShape)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotAggregator.selector, id, stranger)
        );
    }

    // ================================================================== disputes

    function test_Dispute_AcceptedWhenAttestersOutnumberChallengers() public {
        uint256 id = _setupTask(PLAIN, 4, 4, 1);
        (uint256 r, address[] memory cohort, RewardTree.Node[] memory leaves) = _toChallenge(id);
        uint256 deadline = coord.round(id, r).deadline;
        vm.warp(block.timestamp + T / 2);
        vm.expectEmit(address(coord));
        emit ICoordinator.AggregateChallenged(id, r, cohort[0], block.timestamp + T);
        vm.prank(cohort[0]);
        coord.challenge(id, r);
        assertEq(coord.round(id, r).deadline, block.timestamp + T, "first challenge extends the window");
        assertGt(coord.round(id, r).deadline, deadline, "extended");
        vm.expectEmit(address(coord));
        emit ICoordinator.AggregateAttested(id, r, cohort[1], block.timestamp + T);
        vm.prank(cohort[1]);
        coord.attest(id, r);
        vm.prank(cohort[2]);
        coord.attest(id, r);
        ICoordinator.Round memory rd = coord.round(id, r);
        assertEq(rd.attestCount, 2);
        assertEq(rd.challengeCount, 1);
        vm.warp(block.timestamp + T);
        coord.finalize(id, r);
        assertEq(uint256(coord.round(id, r).phase), uint256(ICoordinator.Phase.Finalized));
        assertEq(models.versionCount(id), 2);
        // the challenger lost: slashable, once; attesters are not
        uint256 poolBefore = vault.poolOf(id);
        vm.expectEmit(address(coord));
        emit ICoordinator.LoserSlashed(id, r, cohort[0], stranger, D_SLASH);
        vm.prank(stranger);
        coord.slashLoser(id, r, cohort[0]);
        assertEq(token.balanceOf(stranger), D_SLASH / 2);
        assertEq(vault.poolOf(id), poolBefore + D_SLASH - D_SLASH / 2);
        assertEq(vault.stakeOf(id, cohort[0]), STAKE - D_SLASH);
        assertTrue(coord.memberActivity(id, cohort[0]).suspended, "below requiredStake");
        assertEq(registry.member(id, cohort[0]).disputesLost, 1);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.slashLoser, (id, r, cohort[0])),
            abi.encodeWithSelector(ICoordinator.CoordinatorAlreadySlashed.selector, id, r, cohort[0])
        );
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.slashLoser, (id, r, cohort[1])),
            abi.encodeWithSelector(ICoordinator.CoordinatorNoEvidence.selector, id, r, cohort[1])
        );
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.slashLoser, (id, r, cohort[3])),
            abi.encodeWithSelector(ICoordinator.CoordinatorNoEvidence.selector, id, r, cohort[3])
        );
        leaves;
    }

    function test_Dispute_RejectedOnTieForfeitsBond() public {
        uint256 id = _setupTask(PLAIN, 4, 4, 1);
        (uint256 r, address[] memory cohort,) = _toChallenge(id);
        vm.prank(cohort[0]);
        coord.challenge(id, r);
        vm.prank(cohort[1]);
        coord.attest(id, r);
        vm.warp(block.timestamp + T);
        uint256 poolBefore = vault.poolOf(id);
        uint256 aggBefore = token.balanceOf(aggregator);
        vm.expectEmit(address(coord));
        emit ICoordinator.RoundRejected(id, r, 1, 1);
        coord.finalize(id, r);
        assertEq(uint256(coord.round(id, r).phase), uint256(ICoordinator.Phase.Rejected));
        assertEq(models.versionCount(id), 1, "nothing appended");
        assertEq(vault.poolOf(id), poolBefore + BOND, "bond to the pool");
        assertEq(vault.bondOf(id), DEPOSIT - BOND, "the rest of the deposit stays");
        assertEq(coord.task(id).bondDeposit, DEPOSIT - BOND);
        assertEq(token.balanceOf(aggregator), aggBefore);
        assertEq(vault.claimableOf(id), 0);
        // attesters lost
        (, uint256 dr,) = coord.pendingSlash(id, cohort[1]);
        assertEq(dr, r);
        vm.prank(stranger);
        coord.slashLoser(id, r, cohort[1]);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.slashLoser, (id, r, cohort[0])),
            abi.encodeWithSelector(ICoordinator.CoordinatorNoEvidence.selector, id, r, cohort[0])
        );
        // no claims on a rejected round
        _assertRevert(
            id,
            cohort[2],
            abi.encodeCall(coord.claim, (id, r, 1, new RewardTree.Node[](0))),
            abi.encodeWithSelector(
                ICoordinator.CoordinatorWrongPhase.selector,
                id,
                r,
                ICoordinator.Phase.Finalized,
                ICoordinator.Phase.Rejected
            )
        );
    }

    function test_RevertWhen_VoteInvalid() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        (uint256 r, address[] memory cohort,) = _toChallenge(id);
        _assertRevert(
            id,
            aggregator,
            abi.encodeCall(coord.attest, (id, r)),
            abi.encodeWithSelector(ICoordinator.CoordinatorAggregatorCannotVote.selector, id, aggregator)
        );
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.challenge, (id, r)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotMember.selector, id, stranger)
        );
        address late = _member(20);
        _join(id, late);
        _assertRevert(
            id,
            late,
            abi.encodeCall(coord.attest, (id, r)),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotMember.selector, id, late)
        );
        vm.prank(cohort[0]);
        coord.attest(id, r);
        _assertRevert(
            id,
            cohort[0],
            abi.encodeCall(coord.challenge, (id, r)),
            abi.encodeWithSelector(ICoordinator.CoordinatorAlreadyActed.selector, id, r, cohort[0])
        );
        _assertRevert(
            id,
            cohort[1],
            abi.encodeCall(coord.attest, (id, r + 1)),
            abi.encodeWithSelector(
                ICoordinator.CoordinatorWrongPhase.selector,
                id,
                r + 1,
                ICoordinator.Phase.Challenge,
                ICoordinator.Phase.None
            )
        );
        vm.warp(block.timestamp + T);
        _assertRevert(
            id,
            cohort[1],
            abi.encodeCall(coord.attest, (id, r)),
            abi.encodeWithSelector(ICoordinator.CoordinatorTooLate.selector, id, r, block.timestamp)
        );
    }

    function test_RevertWhen_VoteWithPendingLostVote() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        (uint256 r, address[] memory cohort,) = _toChallenge(id);
        vm.prank(cohort[0]);
        coord.challenge(id, r);
        vm.warp(block.timestamp + T);
        coord.finalize(id, r); // 0 attesting vs STAKE challenging: rejected; the challenger won
        assertEq(uint256(coord.round(id, r).phase), uint256(ICoordinator.Phase.Rejected));
        (uint256 r2, address[] memory c2,) = _toChallenge(id);
        vm.prank(c2[0]);
        coord.attest(id, r2);
        vm.prank(c2[1]);
        coord.challenge(id, r2);
        vm.prank(c2[2]);
        coord.challenge(id, r2);
        vm.warp(block.timestamp + T);
        coord.finalize(id, r2); // rejected: c2[0] lost
        (uint256 r3, address[] memory c3,) = _toChallenge(id);
        c3;
        _assertRevert(
            id,
            c2[0],
            abi.encodeCall(coord.attest, (id, r3)),
            abi.encodeWithSelector(ICoordinator.CoordinatorSlashPending.selector, id, c2[0], r2)
        );
        vm.prank(stranger);
        coord.slashLoser(id, r2, c2[0]);
        // slashed below requiredStake: suspended
        _assertRevert(
            id,
            c2[0],
            abi.encodeCall(coord.attest, (id, r3)),
            abi.encodeWithSelector(ICoordinator.CoordinatorSuspended.selector, id, c2[0])
        );
    }

    function test_RevertWhen_FinalizeTooEarlyOrWrongPhase() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        uint256 r = _open(id);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.finalize, (id, r)),
            abi.encodeWithSelector(
                ICoordinator.CoordinatorWrongPhase.selector,
                id,
                r,
                ICoordinator.Phase.Challenge,
                ICoordinator.Phase.Commit
            )
        );
        _commitAll(id, r, _cohort(id, r));
        _revealAll(id, r, _cohort(id, r));
        _submit(id, r, keccak256("root"), 0);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.finalize, (id, r)),
            abi.encodeWithSelector(ICoordinator.CoordinatorTooEarly.selector, id, r, block.timestamp + T)
        );
    }

    // ================================================================== full rounds

    function test_FullRound_Plain() public {
        uint256 id = _setupTask(PLAIN, 5, 5, 3);
        uint256 aggBefore = token.balanceOf(aggregator);
        (uint256 r, address[] memory cohort, RewardTree.Node[] memory leaves) = _toChallenge(id);
        vm.warp(block.timestamp + T);
        uint256 per = REWARD / cohort.length;
        vm.expectEmit(address(coord));
        emit ICoordinator.RoundFinalized(id, r, keccak256(abi.encode("model", id, r)), 1, per * cohort.length);
        coord.finalize(id, r);
        assertEq(token.balanceOf(aggregator), aggBefore, "no transfer: the bond returns to the deposit");
        assertEq(coord.task(id).bondDeposit, DEPOSIT);
        assertEq(vault.claimableOf(id), per * cohort.length);
        assertEq(vault.poolOf(id), POOL - per * cohort.length);
        IModelRegistry.ModelVersion memory v1 = models.head(id);
        assertEq(v1.modelHash, keccak256(abi.encode("model", id, r)));
        assertEq(v1.parentHash, MODEL0);
        assertEq(v1.round, r);
        for (uint256 i; i < cohort.length; ++i) {
            RewardTree.Node[] memory proof = Merkle.proof(leaves, i);
            vm.expectEmit(address(coord));
            emit ICoordinator.RewardClaimed(id, r, cohort[i], per);
            vm.prank(cohort[i]);
            coord.claim(id, r, per, proof);
            assertEq(token.balanceOf(cohort[i]), per);
            assertTrue(coord.isClaimed(id, r, cohort[i]));
        }
        assertEq(vault.claimableOf(id), 0);
        assertEq(coord.round(id, r).claimed, per * cohort.length);
        // round 2 builds on version 1
        uint256 r2 = _open(id);
        assertEq(coord.round(id, r2).baseModelHash, v1.modelHash);
    }

    function test_FullRound_SecAgg() public {
        uint256 id = _setupTask(SECAGG, 4, 3, 2);
        uint256 r = _open(id);
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.AdvertiseKeys));
        address[] memory cohort = _cohort(id, r);
        (, uint256 id0) = coord.cohortPosition(id, r, cohort[0]);
        assertLt(id0, 3, "protocol ids are cohort positions");
        vm.expectEmit(address(coord));
        emit ICoordinator.KeysAdvertised(
            id, r, cohort[0], id0, keccak256(abi.encode("mask", cohort[0])), keccak256(abi.encode("enc", cohort[0]))
        );
        for (uint256 i; i < cohort.length; ++i) {
            vm.prank(cohort[i]);
            coord.advertiseKeys(
                id, r, keccak256(abi.encode("mask", cohort[i])), keccak256(abi.encode("enc", cohort[i]))
            );
        }
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.ShareKeys));
        vm.roll(block.number + 1); // the graph seed is the hash of the block that closed the advertise phase
        vm.expectEmit(address(coord));
        emit ICoordinator.KeysShared(id, r, cohort[0], keccak256("shares"), "ipfs://shares");
        for (uint256 i; i < cohort.length; ++i) {
            vm.prank(cohort[i]);
            coord.shareKeys(id, r, keccak256("shares"), "ipfs://shares");
        }
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Commit));
        assertEq(coord.round(id, r).eligible, 3);
        _commitAll(id, r, cohort);
        _revealAll(id, r, cohort);
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Unmask));
        vm.expectEmit(address(coord));
        emit ICoordinator.SharesUnmasked(id, r, cohort[0], keccak256(abi.encode("unmask", cohort[0])), "ipfs://unmask");
        for (uint256 i; i < cohort.length; ++i) {
            vm.prank(cohort[i]);
            coord.unmask(id, r, keccak256(abi.encode("unmask", cohort[i])), "ipfs://unmask");
        }
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Aggregate));
        RewardTree.Node[] memory leaves = _leaves(cohort, 10e18);
        _submit(id, r, Merkle.root(leaves), 30e18);
        vm.warp(block.timestamp + T);
        coord.finalize(id, r);
        assertEq(models.versionCount(id), 2);
        vm.prank(cohort[2]);
        coord.claim(id, r, 10e18, Merkle.proof(leaves, 2));
        assertEq(token.balanceOf(cohort[2]), 10e18);
    }

    function test_SecAgg_DropoutsShrinkLaterPhases() public {
        uint256 id = _setupTask(SECAGG, 4, 4, 2);
        uint256 r = _open(id);
        address[] memory cohort = _cohort(id, r);
        for (uint256 i; i < 3; ++i) {
            vm.prank(cohort[i]);
            coord.advertiseKeys(id, r, bytes32(uint256(1)), bytes32(uint256(2)));
        }
        vm.warp(block.timestamp + T);
        assertEq(uint256(coord.advance(id)), uint256(ICoordinator.Phase.ShareKeys));
        assertEq(coord.round(id, r).eligible, 3);
        vm.roll(block.number + 1);
        for (uint256 i; i < 2; ++i) {
            vm.prank(cohort[i]);
            coord.shareKeys(id, r, keccak256("s"), "x");
        }
        vm.warp(block.timestamp + T);
        assertEq(uint256(coord.advance(id)), uint256(ICoordinator.Phase.Commit));
        assertEq(coord.round(id, r).eligible, 2);
        _commit(id, r, cohort[0]);
        _commit(id, r, cohort[1]);
        assertEq(
            uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Reveal), "closed early: all eligible acted"
        );
    }

    function test_RevertWhen_SecAggStepsOutOfOrder() public {
        uint256 id = _setupTask(SECAGG, 3, 3, 1);
        uint256 r = _open(id);
        address[] memory cohort = _cohort(id, r);
        vm.prank(cohort[0]);
        coord.advertiseKeys(id, r, bytes32(uint256(1)), bytes32(uint256(2)));
        _assertRevert(
            id,
            cohort[0],
            abi.encodeCall(coord.advertiseKeys, (id, r, bytes32(uint256(1)), bytes32(uint256(2)))),
            abi.encodeWithSelector(ICoordinator.CoordinatorAlreadyActed.selector, id, r, cohort[0])
        );
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.advertiseKeys, (id, r, bytes32(uint256(1)), bytes32(uint256(2)))),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotMember.selector, id, stranger)
        );
        vm.prank(cohort[1]);
        coord.advertiseKeys(id, r, bytes32(uint256(1)), bytes32(uint256(2)));
        vm.warp(block.timestamp + T); // cohort[2] dropped: share phase with 2 eligible
        _assertRevert(
            id,
            cohort[2],
            abi.encodeCall(coord.shareKeys, (id, r, keccak256("s"), "x")),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotEligible.selector, id, r, cohort[2])
        );
        // sharing in the block that closes the advertise phase: the graph seed does not exist yet
        _assertRevert(
            id,
            cohort[0],
            abi.encodeCall(coord.shareKeys, (id, r, keccak256("s"), "x")),
            abi.encodeWithSelector(ICoordinator.CoordinatorSeedPending.selector, id, r)
        );
        coord.advance(id);
        vm.roll(block.number + 1);
        vm.prank(cohort[0]);
        coord.shareKeys(id, r, keccak256("s"), "x");
        _assertRevert(
            id,
            cohort[0],
            abi.encodeCall(coord.shareKeys, (id, r, keccak256("s"), "x")),
            abi.encodeWithSelector(ICoordinator.CoordinatorAlreadyActed.selector, id, r, cohort[0])
        );
        vm.warp(block.timestamp + T); // cohort[1] did not share: may not commit
        _assertRevert(
            id,
            cohort[1],
            abi.encodeCall(coord.commit, (id, r, keccak256("c"))),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotEligible.selector, id, r, cohort[1])
        );
        _commit(id, r, cohort[0]);
        _reveal(id, r, cohort[0]);
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Unmask));
        _assertRevert(
            id,
            cohort[1],
            abi.encodeCall(coord.unmask, (id, r, keccak256("u"), "x")),
            abi.encodeWithSelector(ICoordinator.CoordinatorNotEligible.selector, id, r, cohort[1])
        );
        vm.prank(cohort[0]);
        coord.unmask(id, r, keccak256("u"), "x");
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Aggregate));
        _assertRevert(
            id,
            cohort[0],
            abi.encodeCall(coord.unmask, (id, r, keccak256("u"), "x")),
            abi.encodeWithSelector(
                ICoordinator.CoordinatorWrongPhase.selector,
                id,
                r,
                ICoordinator.Phase.Unmask,
                ICoordinator.Phase.Aggregate
            )
        );
    }

    function test_SealedAndOnChainModesRunThePlainSequence() public {
        for (uint256 k; k < 2; ++k) {
            ICoordinator.Mode mode = k == 0 ? ICoordinator.Mode.Sealed : ICoordinator.Mode.OnChain;
            uint256 id = _createTask(_params(mode, 2, 1));
            _fund(aggregator, 10 * BOND);
            _join(id, _member(10 * k + 1));
            _join(id, _member(10 * k + 2));
            _open(id);
            assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Commit));
            (uint256 r,,) = _fullRoundAfterOpen(id);
            assertEq(uint256(coord.round(id, r).phase), uint256(ICoordinator.Phase.Finalized));
        }
    }

    function _fullRoundAfterOpen(uint256 id)
        internal
        returns (uint256 r, address[] memory cohort, RewardTree.Node[] memory leaves)
    {
        r = coord.currentRound(id);
        cohort = _cohort(id, r);
        _commitAll(id, r, cohort);
        _revealAll(id, r, cohort);
        leaves = _leaves(cohort, 1e18);
        _submit(id, r, Merkle.root(leaves), cohort.length * 1e18);
        vm.warp(block.timestamp + T);
        coord.finalize(id, r);
    }

    // ================================================================== claims

    function test_RevertWhen_ClaimInvalid() public {
        uint256 id = _setupTask(PLAIN, 4, 4, 1);
        (uint256 r, address[] memory cohort, RewardTree.Node[] memory leaves) = _toChallenge(id);
        uint256 per = REWARD / cohort.length;
        RewardTree.Node[] memory proof0 = Merkle.proof(leaves, 0);
        _assertRevert(
            id,
            cohort[0],
            abi.encodeCall(coord.claim, (id, r, per, proof0)),
            abi.encodeWithSelector(
                ICoordinator.CoordinatorWrongPhase.selector,
                id,
                r,
                ICoordinator.Phase.Finalized,
                ICoordinator.Phase.Challenge
            )
        );
        vm.warp(block.timestamp + T);
        coord.finalize(id, r);
        _assertRevert(
            id,
            cohort[0],
            abi.encodeCall(coord.claim, (id, r, per + 1, proof0)),
            abi.encodeWithSelector(ICoordinator.CoordinatorInvalidProof.selector, id, r, cohort[0])
        );
        _assertRevert(
            id,
            cohort[1],
            abi.encodeCall(coord.claim, (id, r, per, proof0)),
            abi.encodeWithSelector(ICoordinator.CoordinatorInvalidProof.selector, id, r, cohort[1])
        );
        _assertRevert(
            id,
            cohort[0],
            abi.encodeCall(coord.claim, (id, r, 0, proof0)),
            abi.encodeWithSelector(ICoordinator.CoordinatorZeroValue.selector, id, r)
        );
        vm.prank(cohort[0]);
        coord.claim(id, r, per, proof0);
        _assertRevert(
            id,
            cohort[0],
            abi.encodeCall(coord.claim, (id, r, per, proof0)),
            abi.encodeWithSelector(ICoordinator.CoordinatorAlreadyClaimed.selector, id, r, cohort[0])
        );
    }

    /// @dev Issue 9 finding: an aggregator whose leaves sum to more than `rewardTotal` made claims first come, first
    /// served. Under the sum tree the root fixes the total: with leaves of 60 under a declared 40, no proof leads to
    /// the root with a total of 40, so nobody is paid from an over-allocated tree (and verifiers challenge it).
    function test_Attack_OverAllocatedRewardRootPaysNobodyMoreThanTheTotal() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        uint256 r = _open(id);
        address[] memory cohort = _cohort(id, r);
        _commitAll(id, r, cohort);
        _revealAll(id, r, cohort);
        RewardTree.Node[] memory leaves = _leaves(cohort, 30e18);
        _submit(id, r, Merkle.root(leaves), 40e18);
        vm.warp(block.timestamp + T);
        coord.finalize(id, r);
        for (uint256 i; i < 2; ++i) {
            _assertRevert(
                id,
                cohort[i],
                abi.encodeCall(coord.claim, (id, r, 30e18, Merkle.proof(leaves, i))),
                abi.encodeWithSelector(ICoordinator.CoordinatorInvalidProof.selector, id, r, cohort[i])
            );
        }
        // A sibling that lies about its sum to fit the declared total changes the root: refused as well.
        RewardTree.Node[] memory forged = Merkle.proof(leaves, 0);
        forged[0].sum = 10e18;
        _assertRevert(
            id,
            cohort[0],
            abi.encodeCall(coord.claim, (id, r, 30e18, forged)),
            abi.encodeWithSelector(ICoordinator.CoordinatorInvalidProof.selector, id, r, cohort[0])
        );
        assertEq(coord.round(id, r).claimed, 0);
    }

    function test_Claim_ReentrantClaimFromTokenHookFails() public {
        // a fresh system on a token with transfer hooks
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
        Reenterer attacker = new Reenterer(coord);
        hook.setHooked(address(attacker));
        address m = _member(0);
        hook.mint(owner, POOL);
        hook.mint(m, STAKE);
        hook.mint(aggregator, BOND);
        vm.prank(owner);
        hook.approve(address(vault), POOL);
        vm.prank(m);
        hook.approve(address(vault), STAKE);
        vm.prank(aggregator);
        hook.approve(address(vault), BOND);
        vm.prank(owner);
        uint256 id = coord.createTask(_params(PLAIN, 1, 1));
        vm.prank(aggregator);
        coord.depositBond(id, BOND);
        _grantConsent(m);
        vm.prank(m);
        coord.join(id, STAKE, _dataset(m), _consentRef(m));
        uint256 r = _open(id);
        _commit(id, r, m);
        _reveal(id, r, m);
        address[] memory paid = new address[](2);
        paid[0] = address(attacker);
        paid[1] = m;
        RewardTree.Node[] memory leaves = _leaves(paid, 10e18);
        _submit(id, r, Merkle.root(leaves), 20e18);
        vm.warp(block.timestamp + T);
        coord.finalize(id, r);
        attacker.claim(id, r, 10e18, Merkle.proof(leaves, 0));
        assertTrue(attacker.reentered());
        assertEq(
            attacker.reentryError(),
            abi.encodeWithSelector(ICoordinator.CoordinatorAlreadyClaimed.selector, id, r, address(attacker))
        );
        assertEq(hook.balanceOf(address(attacker)), 10e18, "paid once");
        assertEq(coord.round(id, r).claimed, 10e18);
        assertEq(vault.claimableOf(id), 10e18);
    }

    // ================================================================== absence slashing

    /// @dev A finalized round in which `culprit` committed and did not reveal.
    function _roundWithNonRevealer(uint256 id, address culprit) internal returns (uint256 r) {
        r = _open(id);
        address[] memory cohort = _cohort(id, r);
        _commitAll(id, r, cohort);
        address[] memory paid = new address[](cohort.length - 1);
        uint256 k;
        for (uint256 i; i < cohort.length; ++i) {
            if (cohort[i] != culprit) {
                _reveal(id, r, cohort[i]);
                paid[k++] = cohort[i];
            }
        }
        vm.warp(block.timestamp + T);
        RewardTree.Node[] memory leaves = _leaves(paid, 1e18);
        _submit(id, r, Merkle.root(leaves), paid.length * 1e18);
        vm.warp(block.timestamp + T);
        coord.finalize(id, r);
    }

    function test_SlashAbsent_NonRevealerPaysBountyAndPool() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 2);
        address culprit = _member(2);
        uint256 r = _roundWithNonRevealer(id, culprit);
        uint256 poolBefore = vault.poolOf(id);
        vm.expectEmit(address(coord));
        emit ICoordinator.AbsenteeSlashed(id, r, culprit, stranger, ICoordinator.Phase.Reveal, NR_SLASH);
        vm.prank(stranger);
        coord.slashAbsent(id, r, culprit);
        assertEq(token.balanceOf(stranger), NR_SLASH / 2);
        assertEq(vault.poolOf(id), poolBefore + NR_SLASH - NR_SLASH / 2);
        assertEq(vault.stakeOf(id, culprit), STAKE - NR_SLASH);
        assertEq(registry.member(id, culprit).absences, 1);
        assertTrue(coord.memberActivity(id, culprit).suspended);
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.slashAbsent, (id, r, culprit)),
            abi.encodeWithSelector(ICoordinator.CoordinatorAlreadySlashed.selector, id, r, culprit)
        );
        _assertRevert(
            id,
            stranger,
            abi.encodeCall(coord.slashAbsent, (id, r, _member(0))),
            abi.encodeWithSelector(ICoordinator.CoordinatorNoEvidence.selector, id, r, _member(0))
        );
        // a suspended member may not commit in later rounds
        uint256 r2 = _open(id);
        _assertRevert(
            id,
            culprit,
            abi.encodeCall(coord.commit, (id, r2, keccak256("c"))),
            abi.encodeWithSelector(ICoordinator.CoordinatorSuspended.selector, id, culprit)
        );
    }

    function test_RevertWhen_CommitWithPendingAbsenceSlash() public {
        ICoordinator.TaskParams memory p = _params(PLAIN, 3, 2);
        p.nonRevealSlash = 1; // keeps the culprit above requiredStake after the slash
        uint256 id = _createTask(p);
        _fund(aggregator, 100 * BOND);
        _joinMany(id, 2);
        address culprit = _member(2);
        _join(id, culprit, STAKE + 1);
        uint256 r = _roundWithNonRevealer(id, culprit);
        uint256 r2 = _open(id);
        _assertRevert(
            id,
            culprit,
            abi.encodeCall(coord.commit, (id, r2, keccak256("c"))),
            abi.encodeWithSelector(ICoordinator.CoordinatorSlashPending.selector, id, culprit, r)
        );
        vm.prank(culprit);
        coord.slashAbsent(id, r, culprit); // self-report: loses the pool half
        assertFalse(coord.memberActivity(id, culprit).suspended);
        _commit(id, r2, culprit);
    }

    function test_SlashOnClosedTask_PoolShareGoesToOwner() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 2);
        uint256 r = _roundWithNonRevealer(id, _member(1));
        vm.prank(owner);
        coord.closeTask(id);
        uint256 ownerBefore = token.balanceOf(owner);
        vm.prank(stranger);
        coord.slashAbsent(id, r, _member(1));
        assertEq(vault.owedTo(owner), NR_SLASH - NR_SLASH / 2); // the slasher's call: the owner pulls it
        vm.prank(owner);
        vault.withdraw();
        assertEq(token.balanceOf(owner), ownerBefore + NR_SLASH - NR_SLASH / 2);
        assertEq(vault.poolOf(id), 0);
    }

    // ================================================================== views

    function test_CurrentPhase_AccountsForExpiredDeadlines() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        uint256 r = _open(id);
        _commitAll(id, r, _cohort(id, r));
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Reveal));
        _reveal(id, r, _member(0));
        vm.warp(block.timestamp + T);
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Aggregate));
        ICoordinator.Round memory rd = coord.round(id, r);
        assertEq(rd.revealers, 1);
        assertEq(rd.deadline, block.timestamp + T);
        vm.warp(block.timestamp + T);
        // the view only simulates one step: the aggregate phase starts when a call moves it
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Aggregate));
        assertEq(uint256(coord.advance(id)), uint256(ICoordinator.Phase.Aggregate));
        vm.warp(block.timestamp + T);
        assertEq(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Aborted));
        assertEq(uint256(coord.advance(id)), uint256(ICoordinator.Phase.Aborted));
        assertEq(uint256(coord.advance(id)), uint256(ICoordinator.Phase.Aborted));
    }

    /// @dev The vector `tests/incentives/test_merkle.py` pins for the Python tree: the same root on both sides.
    function test_RewardTreeKnownAnswer() public pure {
        RewardTree.Node[] memory leaves = new RewardTree.Node[](2);
        leaves[0] = Merkle.leaf(0x1111111111111111111111111111111111111111, 5e18);
        leaves[1] = Merkle.leaf(0x2222222222222222222222222222222222222222, 25e17);
        assertEq(Merkle.root(leaves), 0x8ab980e63dff72d6890719bac5469ea2602aa24dafea4d40d61b4575423b4624);
    }

    function test_Advance_NoRoundAndHelpers() public {
        uint256 id = _setupTask(PLAIN, 1, 1, 1);
        assertEq(uint256(coord.advance(id)), uint256(ICoordinator.Phase.None));
        assertEq(coord.rewardLeaf(stranger, 7), Merkle.leaf(stranger, 7).hash);
        assertEq(
            coord.computeCommitment(1, 2, stranger, bytes32(uint256(3)), 5, bytes32(uint256(4))),
            keccak256(
                abi.encode(uint256(1), uint256(2), stranger, bytes32(uint256(3)), uint256(5), bytes32(uint256(4)))
            )
        );
        assertEq(coord.commitmentOf(id, 0, _member(0)), bytes32(0));
        assertEq(address(coord.vault()), address(vault));
        assertEq(address(coord.participantRegistry()), address(registry));
        assertEq(address(coord.modelRegistry()), address(models));
        assertEq(address(coord.consentLedger()), address(ledger));
        assertFalse(coord.isInCohort(id, 1, _member(0)));
    }

    // ================================================================== fuzz

    function testFuzz_CommitmentBinding(bytes32 updateHash, bytes32 salt, bytes32 otherUpdate, bytes32 otherSalt)
        public
    {
        vm.assume(updateHash != otherUpdate || salt != otherSalt);
        uint256 id = _setupTask(PLAIN, 1, 1, 1);
        uint256 r = _open(id);
        address m = _member(0);
        bytes32 c = coord.computeCommitment(id, r, m, updateHash, 1, salt);
        vm.prank(m);
        coord.commit(id, r, c);
        _assertRevert(
            id,
            m,
            abi.encodeCall(coord.reveal, (id, r, otherUpdate, otherSalt, 1, "x")),
            abi.encodeWithSelector(ICoordinator.CoordinatorCommitmentMismatch.selector, id, r, m)
        );
        vm.prank(m);
        coord.reveal(id, r, updateHash, salt, 1, "x");
        assertEq(coord.memberActivity(id, m).revealed, r);
    }

    function testFuzz_CohortIsExactlyCOnChain(uint8 n, uint8 cohortSize, bytes32 openBlockHash) public {
        n = uint8(bound(n, 1, 24));
        cohortSize = uint8(bound(cohortSize, 1, 30));
        vm.assume(openBlockHash != 0); // a zero hash means "no such block" (more than 256 blocks ago)
        uint256 id = _setupTask(PLAIN, n, cohortSize, 1);
        uint256 r = coord.openRound(id);
        vm.setBlockhash(block.number, openBlockHash);
        vm.roll(block.number + 1);
        uint256 count;
        for (uint256 i; i < n; ++i) {
            if (coord.isInCohort(id, r, _member(i))) ++count;
        }
        assertEq(count, cohortSize < n ? cohortSize : n);
        assertEq(coord.round(id, r).cohortSize, count);
    }

    function testFuzz_CohortPositionIsAPermutation(uint256 n, uint256 cohortSize, bytes32 seed) public pure {
        n = bound(n, 1, 300);
        cohortSize = bound(cohortSize, 1, 400);
        uint256 c = RoundMath.cohortSize(cohortSize, n);
        bool[] memory seen = new bool[](n);
        uint256 count;
        for (uint256 i; i < n; ++i) {
            uint256 p = RoundMath.cohortPosition(seed, n, i);
            assertLt(p, n, "in range");
            assertFalse(seen[p], "a bijection on [0, n)");
            seen[p] = true;
            if (RoundMath.inCohort(seed, i, n, c)) ++count;
        }
        assertEq(count, c, "exactly c members");
        assertFalse(RoundMath.inCohort(seed, n, n, c), "joined during the round: not in it");
    }

    function testFuzz_MerkleClaimsPayExactly(uint256 seed, uint8 k) public {
        k = uint8(bound(k, 1, 12));
        uint256 id = _setupTask(PLAIN, k, k, 1);
        uint256 r = _open(id);
        address[] memory cohort = _cohort(id, r);
        _commitAll(id, r, cohort);
        _revealAll(id, r, cohort);
        uint256[] memory amounts = new uint256[](k);
        RewardTree.Node[] memory leaves = new RewardTree.Node[](k);
        uint256 total;
        for (uint256 i; i < k; ++i) {
            amounts[i] = 1 + uint256(keccak256(abi.encode(seed, i))) % (REWARD / k);
            total += amounts[i];
            leaves[i] = Merkle.leaf(cohort[i], amounts[i]);
        }
        _submit(id, r, Merkle.root(leaves), total);
        vm.warp(block.timestamp + T);
        coord.finalize(id, r);
        for (uint256 i; i < k; ++i) {
            RewardTree.Node[] memory proof = Merkle.proof(leaves, i);
            if (k > 1) {
                _assertRevert(
                    id,
                    cohort[i],
                    abi.encodeCall(coord.claim, (id, r, amounts[i] + 1, proof)),
                    abi.encodeWithSelector(ICoordinator.CoordinatorInvalidProof.selector, id, r, cohort[i])
                );
            }
            vm.prank(cohort[i]);
            coord.claim(id, r, amounts[i], proof);
            assertEq(token.balanceOf(cohort[i]), amounts[i]);
        }
        assertEq(coord.round(id, r).claimed, total);
        assertEq(vault.claimableOf(id), 0);
    }

    function testFuzz_PhaseDeadlines(uint32 dt, uint8 committers) public {
        committers = uint8(bound(committers, 0, 3));
        uint256 id = _setupTask(PLAIN, 4, 4, 2);
        uint256 r = _open(id);
        uint256 opened = block.timestamp;
        for (uint256 i; i < committers; ++i) {
            _commit(id, r, _member(i));
        }
        vm.warp(opened + dt);
        ICoordinator.Phase expected = dt < T
            ? ICoordinator.Phase.Commit
            : (committers >= 2 ? ICoordinator.Phase.Reveal : ICoordinator.Phase.Aborted);
        assertEq(uint256(coord.currentPhase(id)), uint256(expected));
        assertEq(uint256(coord.advance(id)), uint256(expected));
        if (expected == ICoordinator.Phase.Reveal) {
            assertEq(coord.round(id, r).deadline, opened + dt + T);
            assertEq(coord.round(id, r).eligible, committers);
        }
        if (dt < T) assertEq(coord.round(id, r).deadline, opened + T);
    }
}
