// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {Test} from "./utils/Test.sol";
import {ModelRegistry} from "../src/ModelRegistry.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

contract ModelRegistryTest is Test {
    ModelRegistry internal reg;
    address internal admin = address(0xAD);
    address internal op = address(0x0B);

    function setUp() public {
        reg = new ModelRegistry(admin);
        bytes32 role = reg.OPERATOR_ROLE();
        vm.prank(admin);
        reg.grantRole(role, op);
    }

    function test_InitializeAndAppendAreHashLinked() public {
        vm.startPrank(op);
        vm.expectEmit(address(reg));
        emit IModelRegistry.ModelVersionAppended(1, 0, bytes32("m0"), 0, 0, 0, "loc0");
        reg.initializeTask(1, "m0", "loc0");
        assertEq(reg.headHash(1), bytes32("m0"));
        vm.expectEmit(address(reg));
        emit IModelRegistry.ModelVersionAppended(1, 1, bytes32("m1"), bytes32("m0"), 3, bytes32("x"), "loc1");
        assertEq(reg.append(1, "m1", 3, "loc1", "x"), 1);
        assertEq(reg.append(1, "m2", 4, "loc2", "y"), 2);
        vm.stopPrank();
        assertEq(reg.versionCount(1), 3);
        IModelRegistry.ModelVersion memory h = reg.head(1);
        assertEq(h.modelHash, bytes32("m2"));
        assertEq(h.parentHash, bytes32("m1"));
        assertEq(h.round, 4);
        assertEq(h.metricsHash, bytes32("y"));
        assertEq(h.locator, "loc2");
        assertEq(reg.version(1, 1).parentHash, bytes32("m0"));
        assertEq(reg.versionCount(2), 0);
        assertEq(reg.headHash(2), bytes32(0));
    }

    function test_RevertWhen_InvalidWrites() public {
        vm.startPrank(op);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryNotInitialized.selector, 1));
        reg.append(1, "m1", 1, "", 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryZeroHash.selector, 1));
        reg.initializeTask(1, 0, "");
        reg.initializeTask(1, "m0", "");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryAlreadyInitialized.selector, 1));
        reg.initializeTask(1, "m0", "");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryZeroHash.selector, 1));
        reg.append(1, 0, 1, "", 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryRoundNotIncreasing.selector, 1, 0, 0));
        reg.append(1, "m1", 0, "", 0);
        reg.append(1, "m1", 5, "", 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryRoundNotIncreasing.selector, 1, 5, 5));
        reg.append(1, "m2", 5, "", 0);
        vm.stopPrank();
        assertEq(reg.versionCount(1), 2);
    }

    function test_RevertWhen_ReadingMissingVersions() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryNotInitialized.selector, 9));
        reg.head(9);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRegistryVersionOutOfRange.selector, 9, 0, 0));
        reg.version(9, 0);
    }

    function test_RevertWhen_CallerIsNotOperator() public {
        bytes32 role = reg.OPERATOR_ROLE();
        bytes memory err =
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, address(this), role);
        vm.expectRevert(err);
        reg.initializeTask(1, "m0", "");
        vm.expectRevert(err);
        reg.append(1, "m1", 1, "", 0);
    }

    function testFuzz_ChainStaysLinked(bytes32 seed, uint8 k) public {
        k = uint8(bound(k, 1, 20));
        vm.startPrank(op);
        reg.initializeTask(5, keccak256(abi.encode(seed, 0)), "");
        for (uint256 i = 1; i <= k; ++i) {
            reg.append(5, keccak256(abi.encode(seed, i)), i * 2, "", 0);
        }
        vm.stopPrank();
        assertEq(reg.versionCount(5), uint256(k) + 1);
        for (uint256 i = 1; i <= k; ++i) {
            assertEq(reg.version(5, i).parentHash, reg.version(5, i - 1).modelHash);
        }
    }
}
