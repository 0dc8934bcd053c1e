// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {RewardTree} from "../../src/libraries/RewardTree.sol";
import {Fixture} from "./Fixture.sol";
import {Merkle} from "./Merkle.sol";
import {ICoordinator} from "../../src/interfaces/ICoordinator.sol";

/// @title CoordinatorBase
/// @notice Round drivers and the "a reverted call changed nothing" check shared by the coordinator tests.
abstract contract CoordinatorBase is Fixture {
    /// @dev Digest of everything a call could change that tests observe: vault totals and balance, the task's
    /// latest round, model versions, and the first members' activity, stakes and balances.
    function _state(uint256 taskId) internal view returns (bytes32) {
        bytes memory b = abi.encode(
            vault.totalStakes(),
            vault.totalPools(),
            vault.totalBonds(),
            vault.totalClaimable(),
            token.balanceOf(address(vault)),
            coord.taskCount()
        );
        if (taskId == 0 || taskId > coord.taskCount()) return keccak256(b);
        b = abi.encode(b, coord.task(taskId), registry.memberCount(taskId), models.versionCount(taskId));
        uint256 r = coord.currentRound(taskId);
        if (r != 0) b = abi.encode(b, coord.round(taskId, r));
        uint256 n = registry.memberCount(taskId);
        for (uint256 i; i < n && i < 12; ++i) {
            address m = registry.memberAt(taskId, i);
            b = abi.encode(b, coord.memberActivity(taskId, m), vault.stakeOf(taskId, m), token.balanceOf(m));
        }
        return keccak256(b);
    }

    /// @dev Calls `coord` as `actor`, requires the exact revert data `err`, and that nothing observable changed.
    function _assertRevert(uint256 taskId, address actor, bytes memory data, bytes memory err) internal {
        bytes32 before = _state(taskId);
        vm.prank(actor);
        (bool ok, bytes memory ret) = address(coord).call(data);
        assertFalse(ok, "call should revert");
        assertEq(ret, err);
        assertEq(_state(taskId), before, "reverted call changed state");
    }

    /// @dev Plain task with `n` members, cohort `c`, min revealers `minRev`.
    function _setupTask(ICoordinator.Mode mode, uint256 n, uint32 c, uint32 minRev) internal returns (uint256 taskId) {
        taskId = _createTask(_params(mode, c, minRev));
        _joinMany(taskId, n);
    }

    function _commitAll(uint256 taskId, uint256 r, address[] memory ms) internal {
        for (uint256 i; i < ms.length; ++i) {
            _commit(taskId, r, ms[i]);
        }
    }

    function _revealAll(uint256 taskId, uint256 r, address[] memory ms) internal {
        for (uint256 i; i < ms.length; ++i) {
            _reveal(taskId, r, ms[i]);
        }
    }

    /// @dev SecAgg: advertise for `ms`.
    function _advertiseAll(uint256 taskId, uint256 r, address[] memory ms) internal {
        for (uint256 i; i < ms.length; ++i) {
            vm.prank(ms[i]);
            coord.advertiseKeys(taskId, r, keccak256(abi.encode("mask", ms[i])), keccak256(abi.encode("enc", ms[i])));
        }
    }

    /// @dev SecAgg: advertise + share for `ms` (a block passes between them: the graph seed is the hash of the
    /// block in which the advertise phase closed).
    function _keysAll(uint256 taskId, uint256 r, address[] memory ms) internal {
        _advertiseAll(taskId, r, ms);
        vm.roll(block.number + 1);
        for (uint256 i; i < ms.length; ++i) {
            vm.prank(ms[i]);
            coord.shareKeys(taskId, r, keccak256(abi.encode("shares", ms[i])), "ipfs://shares");
        }
    }

    /// @dev Opens a round and runs it to the Challenge phase with every cohort member revealing; rewards
    /// `REWARD / c` each. Returns the round, the cohort and the reward leaves.
    function _toChallenge(uint256 taskId)
        internal
        returns (uint256 r, address[] memory cohort, RewardTree.Node[] memory leaves)
    {
        r = _open(taskId);
        cohort = _cohort(taskId, r);
        if (coord.task(taskId).mode == ICoordinator.Mode.SecAgg) _keysAll(taskId, r, cohort);
        _commitAll(taskId, r, cohort);
        _revealAll(taskId, r, cohort);
        if (coord.task(taskId).mode == ICoordinator.Mode.SecAgg) {
            for (uint256 i; i < cohort.length; ++i) {
                vm.prank(cohort[i]);
                coord.unmask(taskId, r, keccak256(abi.encode("unmask", cohort[i])), "ipfs://unmask");
            }
        }
        leaves = _leaves(cohort, REWARD / cohort.length);
        _submit(taskId, r, Merkle.root(leaves), (REWARD / cohort.length) * cohort.length);
    }

    /// @dev A full accepted round; returns what `_toChallenge` returns.
    function _fullRound(uint256 taskId)
        internal
        returns (uint256 r, address[] memory cohort, RewardTree.Node[] memory leaves)
    {
        (r, cohort, leaves) = _toChallenge(taskId);
        vm.warp(block.timestamp + T);
        coord.finalize(taskId, r);
    }
}
