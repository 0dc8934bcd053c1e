// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {CoordinatorBase} from "./utils/CoordinatorBase.sol";
import {Merkle} from "./utils/Merkle.sol";
import {FedToken} from "../src/FedToken.sol";
import {ICoordinator} from "../src/interfaces/ICoordinator.sol";
import {IConsentLedger} from "../src/interfaces/IConsentLedger.sol";
import {IStakeVault} from "../src/interfaces/IStakeVault.sol";

/// @dev A token with a blocklist (as USDC and USDT have): transfers to a blocked address revert.
contract BlocklistToken is FedToken {
    mapping(address account => bool) public blocked;

    error Blocked(address account);

    constructor(address admin) FedToken(admin) {}

    function setBlocked(address account, bool value) external {
        blocked[account] = value;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[to]) revert Blocked(to);
        super._update(from, to, value);
    }
}

/// @title FairPayAttacksTest
/// @notice One test per contract-level finding of issue 9's review of weights and payments: each performs the
/// attack and shows it fail.
contract FairPayAttacksTest is CoordinatorBase {
    ICoordinator.Mode internal constant PLAIN = ICoordinator.Mode.Plain;
    BlocklistToken internal blocklist;

    function setUp() public {
        blocklist = new BlocklistToken(admin);
        _deploy(blocklist);
    }

    /// @dev Finding: the example count was not committed, so the last revealer chose its weight (88% of the
    /// reward at 1,000 examples against the others' 100) after seeing every other reveal.
    function test_Attack_LastRevealerCannotChooseItsWeightAfterTheOthers() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        uint256 r = _open(id);
        address[] memory cohort = _cohort(id, r);
        _commitAll(id, r, cohort);
        address last = cohort[2];
        _reveal(id, r, cohort[0]);
        _reveal(id, r, cohort[1]);
        _assertRevert(
            id,
            last,
            abi.encodeCall(coord.reveal, (id, r, _update(last, r), _salt(last, r), 1_000, "x")),
            abi.encodeWithSelector(ICoordinator.CoordinatorCommitmentMismatch.selector, id, r, last)
        );
        _reveal(id, r, last); // only the committed count opens the commitment
        assertEq(coord.round(id, r).revealers, 3);
    }

    /// @dev Finding: a count of 10^21 (or 0) was accepted and broke the aggregation of every node. The
    /// coordinator now refuses a count outside `[1, maxExamples]`, even one that was committed to.
    function test_RevertWhen_ExampleCountOutsideTheTaskCap() public {
        uint256 id = _setupTask(PLAIN, 2, 2, 1);
        uint256 r = _open(id);
        address[] memory cohort = _cohort(id, r);
        uint256[] memory counts = new uint256[](2);
        counts[1] = uint256(MAX_EXAMPLES) + 1; // counts[0] = 0
        for (uint256 i; i < 2; ++i) {
            address who = cohort[i];
            bytes32 c = coord.computeCommitment(id, r, who, _update(who, r), counts[i], _salt(who, r));
            vm.prank(who);
            coord.commit(id, r, c);
        }
        for (uint256 i; i < 2; ++i) {
            address who = cohort[i];
            _assertRevert(
                id,
                who,
                abi.encodeCall(coord.reveal, (id, r, _update(who, r), _salt(who, r), counts[i], "x")),
                abi.encodeWithSelector(
                    ICoordinator.CoordinatorExamplesOutOfRange.selector, id, r, counts[i], MAX_EXAMPLES
                )
            );
            assertEq(coord.memberActivity(id, who).revealed, 0);
        }
        assertEq(coord.task(id).maxExamples, MAX_EXAMPLES);
    }

    function test_RevertWhen_TaskHasNoExampleCap() public {
        ICoordinator.TaskParams memory p = _params(PLAIN, 2, 1);
        p.maxExamples = 0;
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(ICoordinator.CoordinatorInvalidParams.selector, 16));
        coord.createTask(p);
    }

    /// @dev Finding: a squatter that copied a victim's public dataset commitment and joined first locked the
    /// victim out of the task (`ConsentLedgerDatasetEnrolled`). A commitment is now bound to its holder.
    function test_Attack_SquatterCannotLockAVictimOutWithItsDatasetCommitment() public {
        uint256 id = _createTask(_params(PLAIN, 2, 1));
        address victim = _member(0);
        address squatter = _member(9);
        _grantConsent(victim); // public: the commitment is in the ConsentRecorded event
        _fund(squatter, STAKE);
        vm.startPrank(squatter);
        ledger.recordConsent(_consentRef(squatter), keccak256("doc"), _dataset(victim), 0);
        coord.join(id, STAKE, _dataset(victim), _consentRef(squatter));
        vm.stopPrank();
        _join(id, victim); // the victim joins all the same
        IConsentLedger.Provenance memory mine = ledger.provenance(victim, _dataset(victim), id);
        assertEq(mine.holder, victim);
        assertEq(ledger.provenance(squatter, _dataset(victim), id).holder, squatter);
        assertTrue(registry.isMember(id, victim));
    }

    /// @dev Finding: a sybil that joined with ten times the others' stake attested a wrong aggregate and outweighed
    /// every honest challenger: the wrong model was finalized and the challengers were slashed. One vote per
    /// member: the whale is one voter, the two honest challengers reject the round and only the whale lost.
    function test_Attack_WhaleCannotOutvoteHonestChallengers() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        address whale = _member(7);
        _join(id, whale, 10 * STAKE);
        (uint256 r, address[] memory cohort,) = _toChallenge(id);
        vm.prank(whale);
        coord.attest(id, r);
        vm.prank(cohort[0]);
        coord.challenge(id, r);
        vm.prank(cohort[1]);
        coord.challenge(id, r);
        vm.warp(coord.round(id, r).deadline);
        coord.finalize(id, r);
        assertEq(uint256(coord.round(id, r).phase), uint256(ICoordinator.Phase.Rejected));
        (, uint256 whaleLost,) = coord.pendingSlash(id, whale);
        assertEq(whaleLost, r);
        for (uint256 i; i < 2; ++i) {
            (, uint256 lost,) = coord.pendingSlash(id, cohort[i]);
            assertEq(lost, 0, "a challenger that won is not slashable");
            assertFalse(coord.memberActivity(id, cohort[i]).suspended);
        }
    }

    /// @dev Finding: a vote in the last second of the window could flip the outcome with nobody left to answer.
    /// A vote that flips it extends the window by a full `durations.challenge`: the honest side answers.
    function test_Attack_LastSecondVotesAreAnswered() public {
        uint256 id = _setupTask(PLAIN, 6, 3, 1);
        (uint256 r,,) = _toChallenge(id);
        address[6] memory m;
        for (uint256 i; i < 6; ++i) {
            m[i] = _member(i);
        }
        vm.prank(m[0]);
        coord.challenge(id, r); // honest
        vm.prank(m[1]);
        coord.challenge(id, r); // honest
        uint256 deadline = coord.round(id, r).deadline;
        vm.warp(deadline - 1); // the sybils wait for the last second
        for (uint256 i = 2; i < 5; ++i) {
            vm.prank(m[i]);
            coord.attest(id, r);
        }
        uint256 extended = coord.round(id, r).deadline;
        assertEq(extended, block.timestamp + T, "the flip to accepted extends the window");
        vm.warp(extended - 1);
        vm.prank(m[5]);
        coord.challenge(id, r); // an honest member answers: 3 against 3 rejects
        assertEq(coord.round(id, r).deadline, block.timestamp + T, "the flip back extends it again");
        vm.warp(coord.round(id, r).deadline);
        coord.finalize(id, r);
        assertEq(uint256(coord.round(id, r).phase), uint256(ICoordinator.Phase.Rejected));
    }

    /// @dev Finding: payouts pushed to a recipient that cannot receive made the payer's transaction revert.
    /// An aggregator, an evicted member and a task owner that a blocklisting token refuses block nothing: the
    /// round finalizes, the eviction and the slash go through, and the blocked party's money waits as a credit.
    function test_Attack_BlockedRecipientsBlockNoOneElse() public {
        uint256 id = _setupTask(PLAIN, 3, 3, 1);
        blocklist.setBlocked(aggregator, true);
        uint256 r = _open(id);
        address[] memory cohort = _cohort(id, r);
        _commitAll(id, r, cohort);
        _revealAll(id, r, cohort);
        _submit(id, r, Merkle.root(_leaves(cohort, REWARD / 3)), (REWARD / 3) * 3);
        vm.warp(block.timestamp + T);
        coord.finalize(id, r); // the bond returns to the blocked aggregator's deposit: no transfer
        assertEq(uint256(coord.round(id, r).phase), uint256(ICoordinator.Phase.Finalized));

        // An evicted member whose address the token blocks: the owner's eviction still succeeds.
        address evicted = cohort[0];
        blocklist.setBlocked(evicted, true);
        bytes32 ref = registry.member(id, evicted).consentRef;
        vm.prank(evicted);
        ledger.revokeConsent(ref);
        vm.prank(owner);
        coord.evict(id, evicted);
        assertEq(vault.owedTo(evicted), STAKE);
        vm.prank(evicted);
        vm.expectRevert(abi.encodeWithSelector(BlocklistToken.Blocked.selector, evicted));
        vault.withdraw(); // nothing is lost: the credit waits until the member can receive
        blocklist.setBlocked(evicted, false);
        vm.prank(evicted);
        assertEq(vault.withdraw(), STAKE);
        assertEq(token.balanceOf(evicted), STAKE);

        // A member that commits and never reveals is slashed after the owner closed the task and got blocked:
        // the pool's share goes to the owner as a credit, the slasher's bounty to the slasher.
        address absent = cohort[1];
        r = _open(id);
        _commit(id, r, absent);
        vm.warp(block.timestamp + T);
        coord.advance(id); // commit deadline: Reveal
        vm.warp(block.timestamp + T);
        coord.advance(id); // reveal deadline, no revealer: Aborted
        vm.prank(owner);
        coord.closeTask(id);
        blocklist.setBlocked(owner, true);
        vm.prank(stranger);
        coord.slashAbsent(id, r, absent);
        assertEq(vault.owedTo(owner), NR_SLASH - NR_SLASH / 2);
        assertEq(token.balanceOf(stranger), NR_SLASH / 2);
        vm.prank(stranger);
        vm.expectRevert(IStakeVault.StakeVaultZeroAmount.selector);
        vault.withdraw();
    }
}
