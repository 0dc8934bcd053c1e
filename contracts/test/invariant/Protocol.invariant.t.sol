// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {Fixture} from "../utils/Fixture.sol";
import {Handler} from "./Handler.sol";
import {ICoordinator} from "../../src/interfaces/ICoordinator.sol";

/// @title ProtocolSetup
/// @notice Two tasks (Plain and SecAgg, cohort 4 of 7 actors, 30-minute phases) and the handler that drives them.
abstract contract ProtocolSetup is Fixture {
    Handler internal handler;
    uint256[2] internal ids;

    function setUp() public {
        _deploy();
        ICoordinator.TaskParams memory p = _params(ICoordinator.Mode.Plain, 4, 2);
        p.durations = ICoordinator.Durations(
            30 minutes, 30 minutes, 30 minutes, 30 minutes, 30 minutes, 30 minutes, 30 minutes, 5 minutes
        );
        ids[0] = _createTask(p);
        p.mode = ICoordinator.Mode.SecAgg;
        ids[1] = _createTask(p);
        handler = new Handler(token, vault, registry, models, ledger, coord, admin, aggregator, ids);
        bytes32 minter = token.MINTER_ROLE();
        vm.prank(admin);
        token.grantRole(minter, address(handler));
        for (uint256 k; k < 2; ++k) {
            for (uint256 i; i < 7; ++i) {
                handler.join(k, i, i * 1e18);
            }
        }
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](13);
        selectors[0] = Handler.join.selector;
        selectors[1] = Handler.leave.selector;
        selectors[2] = Handler.revokeAndEvict.selector;
        selectors[3] = Handler.act.selector;
        selectors[4] = Handler.drive.selector;
        selectors[5] = Handler.claim.selector;
        selectors[6] = Handler.slash.selector;
        selectors[7] = Handler.warp.selector;
        selectors[8] = Handler.advance.selector;
        selectors[9] = Handler.closeTask.selector;
        selectors[10] = Handler.finalize.selector;
        selectors[11] = Handler.bond.selector;
        selectors[12] = Handler.withdraw.selector;
        targetSelector(FuzzSelector(address(handler), selectors));
    }
}

/// @title ProtocolInvariantTest
/// @notice Invariants of the whole system under random traffic from `Handler` (joins, leaves, evictions, every
/// round step in Plain and SecAgg, aggregates, exclusions, votes, finalization, claims, slashes, closing, time).
contract ProtocolInvariantTest is ProtocolSetup {
    /// @notice Money is conserved: every token in the vault is in exactly one bucket.
    function invariant_MoneyConserved() public view {
        assertEq(
            vault.totalStakes() + vault.totalPools() + vault.totalBonds() + vault.totalClaimable() + vault.totalOwed(),
            token.balanceOf(address(vault)),
            "totalStakes + totalPools + totalBonds + totalClaimable + totalOwed == balance"
        );
        uint256 owed = vault.owedTo(coord.task(ids[0]).owner);
        if (coord.task(ids[1]).owner != coord.task(ids[0]).owner) owed += vault.owedTo(coord.task(ids[1]).owner);
        for (uint256 i; i < handler.ACTORS(); ++i) {
            owed += vault.owedTo(handler.actor(i));
        }
        assertEq(owed, vault.totalOwed(), "credits add up");
        uint256 stakes;
        uint256 pools;
        uint256 bonds;
        uint256 claimable;
        for (uint256 k; k < 2; ++k) {
            for (uint256 i; i < handler.ACTORS(); ++i) {
                stakes += vault.stakeOf(ids[k], handler.actor(i));
            }
            pools += vault.poolOf(ids[k]);
            bonds += vault.bondOf(ids[k]);
            claimable += vault.claimableOf(ids[k]);
        }
        assertEq(stakes, vault.totalStakes(), "stakes add up");
        assertEq(pools, vault.totalPools(), "pools add up");
        assertEq(bonds, vault.totalBonds(), "bonds add up");
        assertEq(claimable, vault.totalClaimable(), "claimables add up");
    }

    /// @notice Nobody's funds are locked past a bounded time: from any state, within a few days of phase deadlines
    /// every round ends, anyone applies the pending slashes, every member leaves with its stake, the owner closes the
    /// task and gets the pool back, the aggregator withdraws its deposit and every credit is withdrawn, so the vault
    /// holds nothing but unclaimed rewards (which their owners may claim at any time). Checked on a snapshot.
    function invariant_EveryoneCanExitInBoundedTime() public {
        uint256 snapshot = vm.snapshotState();
        for (uint256 k; k < 2; ++k) {
            _endRounds(ids[k]);
            _exitAll(ids[k]);
        }
        for (uint256 i; i <= handler.ACTORS(); ++i) {
            address a = i == handler.ACTORS() ? owner : handler.actor(i);
            if (vault.owedTo(a) == 0) continue;
            vm.prank(a);
            vault.withdraw();
        }
        assertEq(vault.totalStakes(), 0, "every stake returned");
        assertEq(vault.totalBonds(), 0, "every bond returned or forfeited");
        assertEq(vault.totalPools(), 0, "every pool returned to its owner");
        assertEq(vault.totalOwed(), 0, "every credit withdrawn");
        assertEq(token.balanceOf(address(vault)), vault.totalClaimable(), "only unclaimed rewards remain");
        vm.revertToState(snapshot);
    }

    /// @dev Lets time pass until the task's latest round is over (expired phases abort; a challenge window ends in
    /// `finalize`). Each phase lasts 30 minutes: ten days are far more than any round can take.
    function _endRounds(uint256 id) internal {
        for (uint256 step; step < 10; ++step) {
            uint256 r = coord.currentRound(id);
            ICoordinator.Phase phase = coord.currentPhase(id);
            if (r == 0 || phase >= ICoordinator.Phase.Finalized) return;
            vm.warp(block.timestamp + 1 days);
            vm.roll(block.number + 1);
            if (phase == ICoordinator.Phase.Challenge) coord.finalize(id, r);
            else coord.advance(id);
        }
        assertGe(uint256(coord.currentPhase(id)), uint256(ICoordinator.Phase.Finalized), "round ended");
    }

    /// @dev A stranger applies every pending slash; then every member leaves, the owner closes the task and the
    /// aggregator withdraws its deposit. Any revert fails the invariant.
    function _exitAll(uint256 id) internal {
        for (uint256 i; i < handler.ACTORS(); ++i) {
            address m = handler.actor(i);
            (uint256 absent, uint256 dispute, uint256 fault) = coord.pendingSlash(id, m);
            vm.startPrank(stranger);
            if (absent != 0) coord.slashAbsent(id, absent, m);
            if (dispute != 0) coord.slashLoser(id, dispute, m);
            if (fault != 0) coord.slashFault(id, fault, m);
            vm.stopPrank();
            if (!registry.isMember(id, m)) continue;
            vm.prank(m);
            coord.leave(id);
        }
        if (!coord.task(id).closed) {
            vm.prank(owner);
            coord.closeTask(id);
        }
        uint256 deposit = coord.task(id).bondDeposit;
        if (deposit != 0) {
            vm.prank(aggregator);
            coord.withdrawBond(id, deposit);
        }
    }

    /// @notice Finalized models are never replaced: the registry only grows and each version's parent is the
    /// previous version's hash.
    function invariant_ModelChainAppendOnly() public view {
        assertFalse(handler.modelViolation(), "a version was replaced or mislinked");
        for (uint256 k; k < 2; ++k) {
            uint256 n = models.versionCount(ids[k]);
            assertEq(n, handler.seenVersions(ids[k]).length, "registry shrank or grew unseen");
            assertEq(models.version(ids[k], 0).modelHash, MODEL0);
            for (uint256 i = 1; i < n; ++i) {
                assertEq(models.version(ids[k], i).parentHash, models.version(ids[k], i - 1).modelHash, "parent link");
            }
        }
    }

    /// @notice Claimed never exceeds allocated, per round and per task; the vault's claimable balance is exactly
    /// allocated minus claimed.
    function invariant_ClaimsWithinAllocations() public view {
        for (uint256 k; k < 2; ++k) {
            uint256 id = ids[k];
            uint256 claimedSum;
            uint256 allocatedSum;
            for (uint256 r = 1; r <= coord.currentRound(id); ++r) {
                ICoordinator.Round memory rd = coord.round(id, r);
                assertLe(rd.claimed, rd.rewardTotal, "round claimed <= rewardTotal");
                claimedSum += rd.claimed;
                if (rd.phase == ICoordinator.Phase.Finalized) allocatedSum += rd.rewardTotal;
                else assertEq(rd.claimed, 0, "claims only on finalized rounds");
            }
            assertEq(allocatedSum, handler.ghostAllocated(id), "allocated");
            assertEq(claimedSum, handler.ghostClaimed(id), "claimed");
            assertEq(vault.claimableOf(id), allocatedSum - claimedSum, "claimable = allocated - claimed");
        }
    }

    /// @notice Rounds are well formed: only the latest may be in progress, the cohort is `min(cohortSize, n)`,
    /// counters never exceed what is eligible, a finalized round appended exactly one model version, a settled
    /// round holds no bond, and rounds open only after the previous one's idle gap.
    function invariant_RoundsWellFormed() public view {
        for (uint256 k; k < 2; ++k) {
            uint256 id = ids[k];
            uint256 current = coord.currentRound(id);
            ICoordinator.Task memory t = coord.task(id);
            uint256 finalized;
            for (uint256 r = 1; r <= current; ++r) {
                ICoordinator.Round memory rd = coord.round(id, r);
                if (r < current) {
                    assertGe(uint256(rd.phase), uint256(ICoordinator.Phase.Finalized), "old round terminal");
                }
                assertEq(rd.cohortSize, t.cohortSize < rd.memberCount ? t.cohortSize : rd.memberCount, "cohort size");
                if (rd.phase >= ICoordinator.Phase.Finalized && r < current) assertEq(rd.bond, 0, "bond settled");
                if (r > 1) {
                    assertGe(rd.openedAt, coord.round(id, r - 1).endedAt + t.durations.idle, "idle gap kept");
                }
                assertLe(rd.acted, rd.eligible, "acted <= eligible");
                assertLe(rd.eligible, rd.cohortSize, "eligible <= cohort");
                assertLe(rd.revealers, rd.cohortSize, "revealers <= cohort");
                if (rd.phase == ICoordinator.Phase.Finalized) ++finalized;
            }
            assertEq(models.versionCount(id), finalized + 1, "one version per finalized round");
        }
    }

    /// @notice The aggregator's money is accounted for: the vault's bond bucket of a task is its standing deposit
    /// plus the bond locked in the latest round (all earlier ones are settled).
    function invariant_BondsAccounted() public view {
        for (uint256 k; k < 2; ++k) {
            uint256 id = ids[k];
            uint256 current = coord.currentRound(id);
            uint256 locked = current == 0 ? 0 : coord.round(id, current).bond;
            assertEq(vault.bondOf(id), coord.task(id).bondDeposit + locked, "bonds = deposit + locked");
        }
    }

    /// @notice The coordinator's cached member index always equals the registry's (cohort checks rely on it), and
    /// every member is staked.
    function invariant_MembershipConsistent() public view {
        for (uint256 k; k < 2; ++k) {
            uint256 id = ids[k];
            uint256 n = registry.memberCount(id);
            uint256 joined;
            for (uint256 i; i < handler.ACTORS(); ++i) {
                address a = handler.actor(i);
                ICoordinator.MemberActivity memory act = coord.memberActivity(id, a);
                assertEq(act.joined, registry.isMember(id, a), "joined flag");
                if (act.joined) {
                    ++joined;
                    assertEq(act.index, registry.member(id, a).index, "cached index");
                    assertEq(registry.memberAt(id, act.index), a, "list slot");
                } else {
                    assertEq(vault.stakeOf(id, a), 0, "no stake outside membership");
                }
            }
            assertEq(joined, n, "member count");
        }
    }
}

/// @notice The handler itself can drive full rounds (guards against an invariant suite that never gets far).
contract HandlerSmokeTest is ProtocolSetup {
    function test_HandlerDrivesFullRounds() public {
        for (uint256 k; k < 2; ++k) {
            handler.openRound(k);
            // act until a round reaches its aggregate phase (an aborted one is retried after the idle gap)
            for (uint256 s; s < 60; ++s) {
                ICoordinator.Phase p = coord.currentPhase(ids[k]);
                if (p == ICoordinator.Phase.Aggregate) break;
                if (p >= ICoordinator.Phase.Finalized) handler.warp(10 minutes);
                handler.act(k, s);
            }
            handler.submit(k, 1);
            handler.warp(35 minutes);
            handler.finalize(k);
            handler.claim(k, 0, 0);
        }
        assertGt(handler.calls(keccak256("commit")), 0, "commits");
        assertGt(handler.calls(keccak256("finalize")), 0, "finalize");
        assertGt(handler.calls(keccak256("claim")), 0, "claim");
        assertEq(handler.calls(keccak256("finalize")), 2);
    }
}
