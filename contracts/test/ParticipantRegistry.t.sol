// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {Test} from "./utils/Test.sol";
import {ParticipantRegistry} from "../src/ParticipantRegistry.sol";
import {IParticipantRegistry} from "../src/interfaces/IParticipantRegistry.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

contract ParticipantRegistryTest is Test {
    ParticipantRegistry internal reg;
    address internal admin = address(0xAD);
    address internal op = address(0x0B);

    function setUp() public {
        reg = new ParticipantRegistry(admin);
        bytes32 role = reg.OPERATOR_ROLE();
        vm.prank(admin);
        reg.grantRole(role, op);
    }

    function _a(uint256 i) internal pure returns (address) {
        return address(uint160(0x1000 + i));
    }

    function test_AddAndViews() public {
        vm.warp(123);
        vm.expectEmit(address(reg));
        emit IParticipantRegistry.MemberAdded(1, _a(0), 0, bytes32("d"), bytes32("c"));
        vm.prank(op);
        assertEq(reg.add(1, _a(0), bytes32("d"), bytes32("c")), 0);
        vm.prank(op);
        assertEq(reg.add(1, _a(1), bytes32("d1"), bytes32("c1")), 1);
        assertEq(reg.memberCount(1), 2);
        assertEq(reg.memberCount(2), 0);
        assertEq(reg.memberAt(1, 1), _a(1));
        assertTrue(reg.isMember(1, _a(0)));
        assertFalse(reg.isMember(2, _a(0)));
        IParticipantRegistry.Member memory m = reg.member(1, _a(1));
        assertTrue(m.active);
        assertEq(m.index, 1);
        assertEq(m.joinedAt, 123);
        assertEq(m.datasetCommitment, bytes32("d1"));
        assertEq(m.consentRef, bytes32("c1"));
    }

    function test_RevertWhen_AddTwiceOrRemoveNonMember() public {
        vm.startPrank(op);
        reg.add(1, _a(0), 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IParticipantRegistry.ParticipantRegistryAlreadyMember.selector, 1, _a(0))
        );
        reg.add(1, _a(0), 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IParticipantRegistry.ParticipantRegistryNotMember.selector, 1, _a(1)));
        reg.remove(1, _a(1));
        vm.stopPrank();
        assertEq(reg.memberCount(1), 1);
    }

    function test_RevertWhen_IndexOutOfRange() public {
        vm.expectRevert(
            abi.encodeWithSelector(IParticipantRegistry.ParticipantRegistryIndexOutOfRange.selector, 1, 0, 0)
        );
        reg.memberAt(1, 0);
    }

    function test_RevertWhen_CallerIsNotOperator() public {
        bytes32 role = reg.OPERATOR_ROLE();
        bytes memory err =
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, address(this), role);
        vm.expectRevert(err);
        reg.add(1, _a(0), 0, 0);
        vm.expectRevert(err);
        reg.remove(1, _a(0));
        vm.expectRevert(err);
        reg.recordSlash(1, _a(0), IParticipantRegistry.SlashKind.Absence);
    }

    function test_Remove_SwapsLastIntoHole() public {
        vm.startPrank(op);
        for (uint256 i; i < 4; ++i) {
            reg.add(7, _a(i), 0, 0);
        }
        vm.expectEmit(address(reg));
        emit IParticipantRegistry.MemberRemoved(7, _a(1), _a(3), 1);
        (address moved, uint256 index) = reg.remove(7, _a(1));
        assertEq(moved, _a(3));
        assertEq(index, 1);
        assertEq(reg.memberAt(7, 1), _a(3));
        assertEq(reg.member(7, _a(3)).index, 1);
        assertFalse(reg.member(7, _a(1)).active);
        (moved, index) = reg.remove(7, _a(2)); // last one: nothing moves
        assertEq(moved, address(0));
        assertEq(index, 2);
        assertEq(reg.memberCount(7), 2);
        vm.stopPrank();
    }

    function test_RecordSlash_CountersPersistAfterLeaving() public {
        vm.startPrank(op);
        reg.add(1, _a(0), 0, 0);
        reg.recordSlash(1, _a(0), IParticipantRegistry.SlashKind.Absence);
        vm.expectEmit(address(reg));
        emit IParticipantRegistry.ReputationUpdated(1, _a(0), 1, 1, 0);
        reg.recordSlash(1, _a(0), IParticipantRegistry.SlashKind.DisputeLost);
        vm.expectEmit(address(reg));
        emit IParticipantRegistry.ReputationUpdated(1, _a(0), 1, 1, 1);
        reg.recordSlash(1, _a(0), IParticipantRegistry.SlashKind.Fault);
        reg.remove(1, _a(0));
        reg.add(1, _a(0), 0, 0);
        vm.stopPrank();
        IParticipantRegistry.Member memory m = reg.member(1, _a(0));
        assertEq(m.absences, 1);
        assertEq(m.disputesLost, 1);
        assertEq(m.faults, 1);
    }

    function testFuzz_ListAndIndicesStayConsistent(uint256 seed) public {
        vm.startPrank(op);
        bool[16] memory isIn;
        uint256 count;
        for (uint256 step; step < 40; ++step) {
            uint256 i = uint256(keccak256(abi.encode(seed, step))) % 16;
            if (isIn[i]) {
                reg.remove(3, _a(i));
                --count;
            } else {
                reg.add(3, _a(i), 0, 0);
                ++count;
            }
            isIn[i] = !isIn[i];
        }
        vm.stopPrank();
        assertEq(reg.memberCount(3), count);
        for (uint256 k; k < count; ++k) {
            address a = reg.memberAt(3, k);
            assertEq(reg.member(3, a).index, k);
            assertTrue(reg.isMember(3, a));
        }
    }
}
