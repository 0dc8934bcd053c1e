// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {RewardTree} from "../../src/libraries/RewardTree.sol";
import {Vm} from "../utils/Vm.sol";
import {Merkle} from "../utils/Merkle.sol";
import {FedToken} from "../../src/FedToken.sol";
import {StakeVault} from "../../src/StakeVault.sol";
import {ParticipantRegistry} from "../../src/ParticipantRegistry.sol";
import {ModelRegistry} from "../../src/ModelRegistry.sol";
import {ConsentLedger} from "../../src/ConsentLedger.sol";
import {Coordinator} from "../../src/Coordinator.sol";
import {ICoordinator} from "../../src/interfaces/ICoordinator.sol";

/// @title Handler
/// @notice Drives random but mostly valid protocol traffic on two tasks (Plain and SecAgg) for the invariant
/// suite, and keeps ghost accounts: rewards allocated and claimed per task, and a copy of every model version
/// hash seen (to detect replacement).
contract Handler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    FedToken public immutable token;
    StakeVault public immutable vault;
    ParticipantRegistry public immutable registry;
    ModelRegistry public immutable models;
    ConsentLedger public immutable ledger;
    Coordinator public immutable coord;
    address public immutable admin;
    address public immutable aggregator;

    uint256 public constant ACTORS = 7;
    uint256 public constant STAKE = 100e18;
    uint256[2] public tasks;

    mapping(uint256 task => uint256) public ghostAllocated;
    mapping(uint256 task => uint256) public ghostClaimed;
    mapping(uint256 task => bytes32[]) internal _seenVersions;
    bool public modelViolation;
    mapping(bytes32 key => uint256) internal _calls;

    function calls(bytes32 key) external view returns (uint256) {
        return _calls[key];
    }

    // rewards of each finalized-or-pending round: leaves and accounts
    mapping(uint256 task => mapping(uint256 round => address[])) internal _paid;
    mapping(uint256 task => mapping(uint256 round => uint256[])) internal _amounts;
    mapping(uint256 task => uint256[]) internal _settled;

    constructor(
        FedToken token_,
        StakeVault vault_,
        ParticipantRegistry registry_,
        ModelRegistry models_,
        ConsentLedger ledger_,
        Coordinator coord_,
        address admin_,
        address aggregator_,
        uint256[2] memory tasks_
    ) {
        token = token_;
        vault = vault_;
        registry = registry_;
        models = models_;
        ledger = ledger_;
        coord = coord_;
        admin = admin_;
        aggregator = aggregator_;
        tasks = tasks_;
        for (uint256 k; k < 2; ++k) {
            _seenVersions[tasks_[k]].push(models_.headHash(tasks_[k]));
        }
    }

    function actor(uint256 i) public pure returns (address) {
        return address(uint160(0xAC7000 + (i % ACTORS)));
    }

    function seenVersions(uint256 task) external view returns (bytes32[] memory) {
        return _seenVersions[task];
    }

    // ================================================================== actions

    function join(uint256 taskSel, uint256 actorSel, uint256 extra) external {
        uint256 id = tasks[taskSel % 2];
        address a = actor(actorSel);
        uint256 stake = STAKE + (extra % 50e18);
        vm.prank(admin);
        token.mint(a, stake);
        vm.startPrank(a);
        token.approve(address(vault), stake);
        bytes32 ref = keccak256(abi.encode("ref", a, id, block.timestamp));
        if (ledger.consent(a, ref).consentHash == bytes32(0)) {
            ledger.recordConsent(ref, keccak256("doc"), keccak256(abi.encode("data", a)), 0);
        }
        vm.stopPrank();
        vm.prank(a);
        try coord.join(id, stake, keccak256(abi.encode("data", a)), ref) {
            _calls[keccak256("join")]++;
        } catch {}
        _after();
    }

    function leave(uint256 taskSel, uint256 actorSel) external {
        uint256 id = tasks[taskSel % 2];
        vm.prank(actor(actorSel));
        try coord.leave(id) {
            _calls[keccak256("leave")]++;
        } catch {}
        _after();
    }

    function revokeAndEvict(uint256 taskSel, uint256 actorSel) external {
        uint256 id = tasks[taskSel % 2];
        address a = actor(actorSel);
        if (!registry.isMember(id, a)) return;
        bytes32 ref = registry.member(id, a).consentRef;
        vm.prank(a);
        try ledger.revokeConsent(ref) {} catch {}
        try coord.evict(id, a) {
            _calls[keccak256("evict")]++;
        } catch {}
        _after();
    }

    /// @dev An actor (or a task owner) withdraws its credit: an evicted member's stake, a closed task's pool.
    function withdraw(uint256 actorSel, bool owner) external {
        address a = owner ? coord.task(tasks[actorSel % 2]).owner : actor(actorSel);
        vm.prank(a);
        try vault.withdraw() {
            _calls[keccak256("withdraw")]++;
        } catch {}
        _after();
    }

    function openRound(uint256 taskSel) external {
        _tick();
        try coord.openRound(tasks[taskSel % 2]) {
            _calls[keccak256("openRound")]++;
        } catch {}
        _after();
    }

    /// @dev The step the current phase asks for, by each actor with probability 3/4 (refusals are expected: not
    /// in the cohort, already acted); 1/8 of reveals lie, votes split by `seed` bits.
    function act(uint256 taskSel, uint256 seed) public {
        _tick();
        seed = uint256(keccak256(abi.encode(seed))); // dictionary values are often tiny: spread the bits
        uint256 id = tasks[taskSel % 2];
        uint256 r = coord.currentRound(id);
        ICoordinator.Phase p = r == 0 ? ICoordinator.Phase.None : coord.currentPhase(id);
        if (p == ICoordinator.Phase.None || p >= ICoordinator.Phase.Finalized) {
            try coord.openRound(id) {
                _calls[keccak256("openRound")]++;
            } catch {}
        } else if (p == ICoordinator.Phase.Aggregate) {
            if (seed & 1 == 0) _excludeOne(id, r, seed >> 1);
            if ((seed >> 8) & 7 != 0) _submit(id, r, seed); // else the aggregator misses the deadline
        } else {
            // actor 5 always challenges and actor 6 never reveals truthfully: disputes and non-reveals happen
            for (uint256 i; i < ACTORS; ++i) {
                if ((seed >> (2 * i)) & 3 == 0) continue;
                _step(id, r, actor(i), i < 5 && (seed >> (32 + 3 * i)) & 7 != 0);
            }
            if ((seed >> 200) & 3 == 0 || (p == ICoordinator.Phase.Challenge && (seed >> 202) & 1 == 1)) {
                vm.warp(coord.round(id, r).deadline); // let the phase expire
                if (p == ICoordinator.Phase.Challenge) _finalize(id, r);
            }
        }
        _after();
    }

    /// @dev Same as `act` (a second entry point doubles its weight in the fuzzer's selection).
    function drive(uint256 taskSel, uint256 seed) external {
        act(taskSel, seed);
    }

    /// @dev 10 examples per update, 0 in SecAgg mode (the weight is inside the masked vector).
    function _examples(uint256 id) internal view returns (uint256) {
        return coord.task(id).mode == ICoordinator.Mode.SecAgg ? 0 : 10;
    }

    function _step(uint256 id, uint256 r, address a, bool honest) internal {
        ICoordinator.Phase p = coord.currentPhase(id);
        vm.startPrank(a);
        if (p == ICoordinator.Phase.AdvertiseKeys) {
            try coord.advertiseKeys(id, r, bytes32(uint256(1)), bytes32(uint256(2))) {
                _calls[keccak256("advertise")]++;
            } catch {}
        } else if (p == ICoordinator.Phase.ShareKeys) {
            coord.advance(id); // an expired advertise phase is closed first; the graph seed needs a later block
            vm.roll(block.number + 1);
            try coord.shareKeys(id, r, keccak256("shares"), "x") {
                _calls[keccak256("share")]++;
            } catch {}
        } else if (p == ICoordinator.Phase.Commit) {
            bytes32 c = keccak256(abi.encode(id, r, a, _update(a, r), _examples(id), _salt(a, r)));
            try coord.commit(id, r, c) {
                _calls[keccak256("commit")]++;
            } catch {}
        } else if (p == ICoordinator.Phase.Reveal) {
            bytes32 u = honest ? _update(a, r) : keccak256("lie");
            try coord.reveal(id, r, u, _salt(a, r), _examples(id), "x") {
                _calls[keccak256("reveal")]++;
            } catch {}
        } else if (p == ICoordinator.Phase.Unmask) {
            try coord.unmask(id, r, keccak256("u"), "x") {
                _calls[keccak256("unmask")]++;
            } catch {}
        } else if (p == ICoordinator.Phase.Challenge) {
            if (honest) {
                try coord.attest(id, r) {
                    _calls[keccak256("attest")]++;
                } catch {}
            } else {
                try coord.challenge(id, r) {
                    _calls[keccak256("challenge")]++;
                } catch {}
            }
        }
        vm.stopPrank();
    }

    function submit(uint256 taskSel, uint256 seed) external {
        uint256 id = tasks[taskSel % 2];
        uint256 r = coord.currentRound(id);
        if (r == 0 || coord.currentPhase(id) != ICoordinator.Phase.Aggregate) return;
        _submit(id, r, seed);
        _after();
    }

    function _submit(uint256 id, uint256 r, uint256 seed) internal {
        ICoordinator.Task memory t = coord.task(id);
        uint256 max = t.rewardPerRound < vault.poolOf(id) ? t.rewardPerRound : vault.poolOf(id);
        delete _paid[id][r];
        delete _amounts[id][r];
        uint256 total;
        for (uint256 i; i < ACTORS; ++i) {
            address a = actor(i);
            if (coord.memberActivity(id, a).revealed == r && total < max) {
                uint256 amount = 1 + uint256(keccak256(abi.encode(seed, i))) % (max / ACTORS + 1);
                if (total + amount > max) amount = max - total;
                if (amount == 0) continue;
                _paid[id][r].push(a);
                _amounts[id][r].push(amount);
                total += amount;
            }
        }
        bytes32 root = _paid[id][r].length == 0 ? bytes32(0) : Merkle.root(_leaves(id, r));
        // 1 in 8: a failure report (no model, no rewards)
        bool failure = uint256(keccak256(abi.encode(seed, "failure"))) % 8 == 0;
        if (failure) {
            delete _paid[id][r];
            delete _amounts[id][r];
            (root, total) = (bytes32(0), 0);
        }
        // advance first so that the digest read is the one the contract checks
        coord.advance(id);
        ICoordinator.Aggregate memory agg = ICoordinator.Aggregate({
            modelHash: failure ? bytes32(0) : keccak256(abi.encode("model", id, r, seed)),
            metricsHash: keccak256("metrics"),
            rewardsRoot: root,
            rewardTotal: total,
            revealDigest: coord.round(id, r).revealDigest,
            locator: "ipfs://m"
        });
        vm.startPrank(aggregator);
        try coord.submitAggregate(id, r, agg) {
            _calls[keccak256("submit")]++;
        } catch {}
        vm.stopPrank();
    }

    function excludeOne(uint256 taskSel, uint256 actorSel) external {
        uint256 id = tasks[taskSel % 2];
        _excludeOne(id, coord.currentRound(id), actorSel);
        _after();
    }

    function _excludeOne(uint256 id, uint256 r, uint256 actorSel) internal {
        // one in four exclusions is a fault (slashable once the round stands)
        ICoordinator.ExclusionReason reason =
            actorSel % 4 == 0 ? ICoordinator.ExclusionReason.BadShares : ICoordinator.ExclusionReason.BadShape;
        vm.prank(aggregator);
        try coord.recordExclusion(id, r, actor(actorSel), reason) {
            _calls[keccak256("exclude")]++;
        } catch {}
    }

    function finalize(uint256 taskSel) external {
        uint256 id = tasks[taskSel % 2];
        uint256 r = coord.currentRound(id);
        if (r == 0) return;
        _finalize(id, r);
        _after();
    }

    function _finalize(uint256 id, uint256 r) internal {
        try coord.finalize(id, r) {
            _calls[keccak256("finalize")]++;
            _settled[id].push(r);
            if (coord.round(id, r).phase == ICoordinator.Phase.Finalized) {
                ghostAllocated[id] += coord.round(id, r).rewardTotal;
            }
        } catch {}
    }

    function claim(uint256 taskSel, uint256 roundSel, uint256 leafSel) external {
        uint256 id = tasks[taskSel % 2];
        uint256[] storage settled = _settled[id];
        if (settled.length == 0) return;
        uint256 r = settled[roundSel % settled.length];
        address[] storage paid = _paid[id][r];
        if (paid.length == 0) return;
        uint256 i = leafSel % paid.length;
        uint256 amount = _amounts[id][r][i];
        RewardTree.Node[] memory proof = Merkle.proof(_leaves(id, r), i);
        vm.prank(paid[i]);
        try coord.claim(id, r, amount, proof) {
            _calls[keccak256("claim")]++;
            ghostClaimed[id] += amount;
        } catch {}
        _after();
    }

    /// @dev `kind` 0: absence, 1: lost vote, 2: fault.
    function slash(uint256 taskSel, uint256 roundSel, uint256 actorSel, uint8 kind) external {
        _tick();
        uint256 id = tasks[taskSel % 2];
        uint256 rc = coord.currentRound(id);
        if (rc == 0) return;
        kind %= 3;
        // the first actor from `actorSel` on with a pending slash of that kind, else a random (refused) one
        uint256 r;
        for (uint256 k; k < ACTORS && r == 0; ++k) {
            (uint256 ar, uint256 dr, uint256 fr) = coord.pendingSlash(id, actor(actorSel + k));
            r = kind == 0 ? ar : (kind == 1 ? dr : fr);
            if (r != 0) actorSel += k;
        }
        if (r == 0) r = 1 + roundSel % rc;
        vm.prank(actor(actorSel + 3));
        if (kind == 1) {
            try coord.slashLoser(id, r, actor(actorSel)) {
                _calls[keccak256("slashLoser")]++;
            } catch {}
        } else if (kind == 2) {
            try coord.slashFault(id, r, actor(actorSel)) {
                _calls[keccak256("slashFault")]++;
            } catch {}
        } else {
            try coord.slashAbsent(id, r, actor(actorSel)) {
                _calls[keccak256("slashAbsent")]++;
            } catch {}
        }
        _after();
    }

    /// @dev The aggregator tops up or withdraws part of its standing bond deposit.
    function bond(uint256 taskSel, uint256 amount, bool withdraw) external {
        _tick();
        uint256 id = tasks[taskSel % 2];
        amount = 1 + amount % (50e18);
        vm.startPrank(aggregator);
        if (withdraw) {
            try coord.withdrawBond(id, amount) {
                _calls[keccak256("withdrawBond")]++;
            } catch {}
        } else {
            vm.stopPrank();
            vm.prank(admin);
            token.mint(aggregator, amount);
            vm.startPrank(aggregator);
            token.approve(address(vault), amount);
            try coord.depositBond(id, amount) {
                _calls[keccak256("depositBond")]++;
            } catch {}
        }
        vm.stopPrank();
        _after();
    }

    function warp(uint256 dt) external {
        vm.warp(block.timestamp + (dt % 40 minutes));
        _tick();
        _after();
    }

    function advance(uint256 taskSel) external {
        coord.advance(tasks[taskSel % 2]);
        _after();
    }

    function closeTask(uint256 taskSel, uint256 dice) external {
        if (dice % 50 != 0) return; // rare: it ends the task
        uint256 id = tasks[taskSel % 2];
        vm.prank(coord.task(id).owner);
        try coord.closeTask(id) {
            _calls[keccak256("closeTask")]++;
        } catch {}
        _after();
    }

    // ================================================================== helpers

    /// @dev Every action happens in a new block, as on a chain: a round's randomness is drawn from the hash of an
    /// earlier block than the one that needs it.
    function _tick() internal {
        vm.roll(block.number + 1);
    }

    function _update(address a, uint256 r) internal pure returns (bytes32) {
        return keccak256(abi.encode("update", a, r));
    }

    function _salt(address a, uint256 r) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", a, r));
    }

    function _leaves(uint256 id, uint256 r) internal view returns (RewardTree.Node[] memory leaves) {
        address[] storage paid = _paid[id][r];
        leaves = new RewardTree.Node[](paid.length);
        for (uint256 i; i < paid.length; ++i) {
            leaves[i] = Merkle.leaf(paid[i], _amounts[id][r][i]);
        }
    }

    /// @dev Records model versions: existing ones must be unchanged, new ones must link to the previous.
    function _after() internal {
        for (uint256 k; k < 2; ++k) {
            uint256 id = tasks[k];
            bytes32[] storage seen = _seenVersions[id];
            uint256 count = models.versionCount(id);
            if (count < seen.length) {
                modelViolation = true;
                continue;
            }
            for (uint256 i; i < seen.length; ++i) {
                if (models.version(id, i).modelHash != seen[i]) modelViolation = true;
            }
            for (uint256 i = seen.length; i < count; ++i) {
                if (models.version(id, i).parentHash != seen[i - 1]) modelViolation = true;
                seen.push(models.version(id, i).modelHash);
            }
        }
    }
}
