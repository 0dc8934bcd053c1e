// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {Test} from "./utils/Test.sol";
import {FedToken} from "../src/FedToken.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

contract FedTokenTest is Test {
    FedToken internal token;
    address internal admin = address(0xAD);

    function setUp() public {
        token = new FedToken(admin);
    }

    function test_Metadata() public view {
        assertEq(token.name(), "FedToken");
        assertEq(token.symbol(), "FED");
        assertEq(token.decimals(), 18);
        assertTrue(token.hasRole(token.MINTER_ROLE(), admin));
        assertTrue(token.hasRole(token.DEFAULT_ADMIN_ROLE(), admin));
    }

    function test_Mint() public {
        vm.prank(admin);
        token.mint(address(1), 5e18);
        assertEq(token.balanceOf(address(1)), 5e18);
        assertEq(token.totalSupply(), 5e18);
    }

    function test_RevertWhen_MintByNonMinter() public {
        bytes32 role = token.MINTER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, address(this), role)
        );
        token.mint(address(1), 1);
        assertEq(token.totalSupply(), 0);
    }

    function testFuzz_MintedMinterCanMint(address minter, uint128 amount) public {
        vm.assume(minter != address(0));
        bytes32 role = token.MINTER_ROLE();
        vm.prank(admin);
        token.grantRole(role, minter);
        vm.prank(minter);
        token.mint(address(2), amount);
        assertEq(token.balanceOf(address(2)), amount);
    }
}
