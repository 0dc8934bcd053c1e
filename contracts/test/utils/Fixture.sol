// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {RewardTree} from "../../src/libraries/RewardTree.sol";
import {Test} from "./Test.sol";
import {Merkle} from "./Merkle.sol";
import {FedToken} from "../../src/FedToken.sol";
import {StakeVault} from "../../src/StakeVault.sol";
import {ParticipantRegistry} from "../../src/ParticipantRegistry.sol";
import {ModelRegistry} from "../../src/ModelRegistry.sol";
import {ConsentLedger} from "../../src/ConsentLedger.sol";
import {Coordinator} from "../../src/Coordinator.sol";
import {ICoordinator} from "../../src/interfaces/ICoordinator.sol";

/// @title Fixture
/// @notice Deploys and wires the whole system the way the Python deployer does, and drives rounds.
abstract contract Fixture is Test {
    FedToken internal token;
    StakeVault internal vault;
    ParticipantRegistry internal registry;
    ModelRegistry internal models;
    ConsentLedger internal ledger;
    Coordinator internal coord;

    address internal admin = address(0xAD);
    address internal owner = address(0x0E);
    address internal aggregator = address(0xA6);
    address internal stranger = address(0x57);

    uint256 internal constant STAKE = 100e18;
    uint256 internal constant POOL = 1_000e18;
    uint256 internal constant REWARD = 50e18;
    uint256 internal constant BOND = 20e18;
    uint256 internal constant NR_SLASH = 10e18;
    uint256 internal constant D_SLASH = 8e18;
    uint256 internal constant SKIP_SLASH = 3e18;
    /// @dev What `_createTask` has the aggregator deposit as its standing bond: enough for many rounds.
    uint256 internal constant DEPOSIT = 20 * BOND;
    uint32 internal constant T = 1 hours;
    uint32 internal constant MAX_EXAMPLES = 1_000_000;
    uint256 internal constant EXAMPLES = 100;

    bytes32 internal constant SPEC = keccak256("spec");
    bytes32 internal constant MODEL0 = keccak256("model-0");
    string internal constant LOC0 = "ipfs://model-0";

    function _deploy() internal {
        _deploy(new FedToken(admin));
    }

    /// @dev The whole system over `token_` (a `FedToken` that may misbehave: blocklists, hooks).
    function _deploy(FedToken token_) internal {
        vm.warp(1_700_000_000);
        vm.prevrandao(bytes32(uint256(0x5eed)));
        token = token_;
        vault = new StakeVault(token, admin);
        registry = new ParticipantRegistry(admin);
        models = new ModelRegistry(admin);
        ledger = new ConsentLedger(admin);
        coord = new Coordinator(vault, registry, models, ledger);
        vm.startPrank(admin);
        vault.grantRole(vault.OPERATOR_ROLE(), address(coord));
        registry.grantRole(registry.OPERATOR_ROLE(), address(coord));
        models.grantRole(models.OPERATOR_ROLE(), address(coord));
        ledger.grantRole(ledger.OPERATOR_ROLE(), address(coord));
        vm.stopPrank();
        vm.label(address(coord), "Coordinator");
        vm.label(address(vault), "StakeVault");
        vm.label(address(token), "FedToken");
    }

    function _params(ICoordinator.Mode mode, uint32 cohortSize, uint32 minRevealers)
        internal
        view
        returns (ICoordinator.TaskParams memory p)
    {
        p.specHash = SPEC;
        p.initialModelHash = MODEL0;
        p.initialModelLocator = LOC0;
        p.rewardPool = POOL;
        p.rewardPerRound = REWARD;
        p.requiredStake = STAKE;
        p.aggregatorBond = BOND;
        p.nonRevealSlash = NR_SLASH;
        p.disputeSlash = D_SLASH;
        p.cohortSize = cohortSize;
        p.minRevealers = minRevealers;
        p.maxRounds = 0;
        p.mode = mode;
        p.aggregator = aggregator;
        p.durations = ICoordinator.Durations(T, T, T, T, T, T, T, 0);
        p.skipSlash = SKIP_SLASH;
        p.maxExamples = MAX_EXAMPLES;
    }

    /// @dev Creates the task and has the aggregator deposit `DEPOSIT` as its standing bond.
    function _createTask(ICoordinator.TaskParams memory p) internal returns (uint256 taskId) {
        vm.prank(admin);
        token.mint(owner, p.rewardPool);
        vm.startPrank(owner);
        token.approve(address(vault), p.rewardPool);
        taskId = coord.createTask(p);
        vm.stopPrank();
        _fund(aggregator, DEPOSIT);
        vm.prank(aggregator);
        coord.depositBond(taskId, DEPOSIT);
    }

    /// @dev Opens a round and moves to the next block, where its seed (the opening block's hash) can be drawn.
    function _open(uint256 taskId) internal returns (uint256 r) {
        r = coord.openRound(taskId);
        vm.roll(block.number + 1);
    }

    function _member(uint256 i) internal pure returns (address) {
        return address(uint160(0x100000 + i));
    }

    function _dataset(address m) internal pure returns (bytes32) {
        return keccak256(abi.encode("dataset", m));
    }

    function _consentRef(address m) internal pure returns (bytes32) {
        return keccak256(abi.encode("consent", m));
    }

    function _grantConsent(address m) internal {
        vm.prank(m);
        ledger.recordConsent(_consentRef(m), keccak256("consent-doc"), _dataset(m), 0);
    }

    function _fund(address who, uint256 amount) internal {
        vm.prank(admin);
        token.mint(who, amount);
        vm.prank(who);
        token.approve(address(vault), type(uint256).max);
    }

    function _join(uint256 taskId, address m) internal {
        _join(taskId, m, STAKE);
    }

    function _join(uint256 taskId, address m, uint256 stake) internal {
        _fund(m, stake);
        if (ledger.consent(m, _consentRef(m)).consentHash == bytes32(0)) _grantConsent(m);
        vm.prank(m);
        coord.join(taskId, stake, _dataset(m), _consentRef(m));
    }

    function _joinMany(uint256 taskId, uint256 n) internal {
        for (uint256 i; i < n; ++i) {
            _join(taskId, _member(i));
        }
    }

    function _update(address m, uint256 r) internal pure returns (bytes32) {
        return keccak256(abi.encode("update", m, r));
    }

    function _salt(address m, uint256 r) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", m, r));
    }

    /// @dev The example count a member commits to: `EXAMPLES`, or 0 in SecAgg mode (the weight is masked).
    function _examples(uint256 taskId) internal view returns (uint256) {
        return coord.task(taskId).mode == ICoordinator.Mode.SecAgg ? 0 : EXAMPLES;
    }

    function _commit(uint256 taskId, uint256 r, address m) internal {
        bytes32 commitment = keccak256(abi.encode(taskId, r, m, _update(m, r), _examples(taskId), _salt(m, r)));
        vm.prank(m);
        coord.commit(taskId, r, commitment);
    }

    function _reveal(uint256 taskId, uint256 r, address m) internal {
        uint256 examples = _examples(taskId); // read before the prank, which applies to the next call only
        vm.prank(m);
        coord.reveal(
            taskId,
            r,
            _update(m, r),
            _salt(m, r),
            examples,
            "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
        );
    }

    /// @dev Cohort members of round `r` (test-side scan of the registry).
    function _cohort(uint256 taskId, uint256 r) internal view returns (address[] memory out) {
        ICoordinator.Round memory rd = coord.round(taskId, r);
        out = new address[](rd.cohortSize);
        uint256 k;
        for (uint256 i; i < rd.memberCount; ++i) {
            address m = registry.memberAt(taskId, i);
            if (coord.isInCohort(taskId, r, m)) out[k++] = m;
        }
        require(k == rd.cohortSize, "cohort scan");
    }

    /// @dev Rewards: `perMember` to each of `members`.
    function _leaves(address[] memory members, uint256 perMember)
        internal
        pure
        returns (RewardTree.Node[] memory leaves)
    {
        leaves = new RewardTree.Node[](members.length);
        for (uint256 i; i < members.length; ++i) {
            leaves[i] = Merkle.leaf(members[i], perMember);
        }
    }

    function _aggregate(uint256 taskId, uint256 r, bytes32 root, uint256 total)
        internal
        view
        returns (ICoordinator.Aggregate memory agg)
    {
        agg.modelHash = keccak256(abi.encode("model", taskId, r));
        agg.metricsHash = keccak256(abi.encode("metrics", taskId, r));
        agg.rewardsRoot = root;
        agg.rewardTotal = total;
        agg.revealDigest = coord.round(taskId, r).revealDigest;
        agg.locator = "ipfs://bafybeiaggregatemodel";
    }

    function _submit(uint256 taskId, uint256 r, bytes32 root, uint256 total) internal {
        ICoordinator.Aggregate memory agg = _aggregate(taskId, r, root, total);
        vm.prank(aggregator);
        coord.submitAggregate(taskId, r, agg);
    }
}
