// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {RewardTree} from "../src/libraries/RewardTree.sol";
import {Fixture} from "./utils/Fixture.sol";
import {Merkle} from "./utils/Merkle.sol";
import {Vm} from "./utils/Vm.sol";
import {ICoordinator} from "../src/interfaces/ICoordinator.sol";

/// @title GasBench
/// @notice Transaction gas of every protocol call at n = 10 and n = 1,000 members (cohort size 10 in both).
/// Run with `--isolate` (tools/gas-bench.sh): each top-level call is then its own transaction and
/// `vm.lastCallGas().gasTotalUsed` is the receipt's gasUsed (21,000 base + calldata + execution - refund).
/// Round 1 warms up (its figures are the "first-ever" ones); round 2 is the steady state: its cohort (a fresh
/// pseudorandom draw) already holds tokens (minted to every member beforehand, as members who claimed before do).
contract GasBench is Fixture {
    event log_named_uint(string key, uint256 val);

    uint256 internal taskId;

    function setUp() public {
        _deploy();
    }

    function test_gasBench_n10() public {
        _bench(10);
    }

    function test_gasBench_n1000() public {
        _bench(1000);
    }

    function _log(string memory key) internal {
        Vm.Gas memory g = vm.lastCallGas();
        emit log_named_uint(key, g.gasTotalUsed);
    }

    function _bench(uint256 n) internal {
        taskId = _createTask(_params(ICoordinator.Mode.Plain, 10, 2));
        _joinMany(taskId, n - 1);
        address last = _member(n - 1);
        _fund(last, STAKE);
        _grantConsent(last);
        vm.prank(last);
        coord.join(taskId, STAKE, _dataset(last), _consentRef(last));
        _log("join");

        // ---------------------------------------------------------------- round 1 (first-ever calls)
        uint256 r = coord.openRound(taskId);
        _log("openRound (first)");
        vm.roll(block.number + 1);
        address[] memory cohort = _cohort(taskId, r);
        uint256 c = cohort.length;
        _commit(taskId, r, cohort[0]);
        _log("commit (first-ever)");
        for (uint256 i = 1; i < c; ++i) {
            _commit(taskId, r, cohort[i]);
        }
        _reveal(taskId, r, cohort[0]);
        _log("reveal (first-ever)");
        for (uint256 i = 1; i < c; ++i) {
            _reveal(taskId, r, cohort[i]);
        }
        RewardTree.Node[] memory leaves = _leaves(cohort, REWARD / c);
        _submit(taskId, r, Merkle.root(leaves), (REWARD / c) * c);
        vm.warp(block.timestamp + T);
        coord.finalize(taskId, r);
        for (uint256 i; i < c; ++i) {
            RewardTree.Node[] memory proof = Merkle.proof(leaves, i);
            vm.prank(cohort[i]);
            coord.claim(taskId, r, REWARD / c, proof);
            if (i == 0) _log("claim (first-ever, claimant held 0 tokens)");
        }

        // ---------------------------------------------------------------- round 2 (steady state)
        r = coord.openRound(taskId);
        _log("openRound");
        vm.roll(block.number + 1);
        cohort = _cohort(taskId, r);
        for (uint256 i; i < c; ++i) {
            vm.prank(admin);
            token.mint(cohort[i], 1); // members that claimed before hold tokens
        }
        _commit(taskId, r, cohort[0]);
        _log("commit (draws the round's seed)");
        for (uint256 i = 1; i < c; ++i) {
            _commit(taskId, r, cohort[i]);
            if (i == 1) _log("commit");
            if (i == c - 1) _log("commit (last: closes the phase)");
        }
        // cohort[c-1] does not reveal (slashed below); the reveal phase ends at its deadline.
        for (uint256 i; i < c - 1; ++i) {
            _reveal(taskId, r, cohort[i]);
            if (i == 1) _log("reveal");
        }
        vm.warp(block.timestamp + T);
        coord.advance(taskId);
        _log("advance (reveal deadline)");
        address[] memory paid = new address[](c - 1);
        for (uint256 i; i < c - 1; ++i) {
            paid[i] = cohort[i];
        }
        leaves = _leaves(paid, REWARD / c);
        ICoordinator.Aggregate memory agg = _aggregate(taskId, r, Merkle.root(leaves), (REWARD / c) * (c - 1));
        vm.prank(aggregator);
        coord.submitAggregate(taskId, r, agg);
        _log("submitAggregate");
        vm.prank(cohort[2]);
        coord.attest(taskId, r);
        _log("attest");
        vm.prank(cohort[3]);
        coord.attest(taskId, r);
        vm.prank(cohort[4]);
        coord.challenge(taskId, r);
        _log("challenge");
        vm.warp(block.timestamp + T);
        coord.finalize(taskId, r);
        _log("finalize");
        RewardTree.Node[] memory proof1 = Merkle.proof(leaves, 1);
        vm.prank(cohort[1]);
        coord.claim(taskId, r, REWARD / c, proof1);
        _log("claim");
        vm.prank(stranger);
        coord.slashAbsent(taskId, r, cohort[c - 1]);
        _log("slashAbsent (non-reveal)");
        vm.prank(stranger);
        coord.slashLoser(taskId, r, cohort[4]);
        _log("slashLoser");

        // ---------------------------------------------------------------- round 3: claim against a 1,024-leaf tree
        // (proof depth 10, as for a cohort of 1,000; the rewards tree grows with the revealers, not with n)
        address[] memory suspended = new address[](2);
        (suspended[0], suspended[1]) = (cohort[4], cohort[c - 1]); // both are suspended after their slashes
        r = coord.openRound(taskId);
        vm.roll(block.number + 1);
        cohort = _cohort(taskId, r);
        address[] memory active = new address[](c);
        uint256 k;
        for (uint256 i; i < c; ++i) {
            if (cohort[i] != suspended[0] && cohort[i] != suspended[1]) active[k++] = cohort[i];
        }
        for (uint256 i; i < k; ++i) {
            _commit(taskId, r, active[i]);
        }
        if (k < c) vm.warp(block.timestamp + T); // suspended cohort members cannot commit: wait out the phase
        for (uint256 i; i < k; ++i) {
            _reveal(taskId, r, active[i]);
        }
        _log("reveal (last: closes the phase)");
        leaves = new RewardTree.Node[](1024);
        for (uint256 i; i < 1024; ++i) {
            leaves[i] = Merkle.leaf(i < k ? active[i] : address(uint160(0xF111 + i)), 1e15);
        }
        agg = _aggregate(taskId, r, Merkle.root(leaves), 1024 * 1e15);
        vm.prank(aggregator);
        coord.submitAggregate(taskId, r, agg);
        vm.warp(block.timestamp + T);
        coord.finalize(taskId, r);
        vm.prank(admin);
        token.mint(active[1], 1); // as in round 2: a claimant that holds tokens
        RewardTree.Node[] memory deep = Merkle.proof(leaves, 1);
        require(deep.length == 10, "depth 10");
        vm.prank(active[1]);
        coord.claim(taskId, r, 1e15, deep);
        _log("claim (1,024-leaf tree)");

        vm.prank(active[1]);
        coord.leave(taskId);
        _log("leave");
    }
}
