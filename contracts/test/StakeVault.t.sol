// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {Test} from "./utils/Test.sol";
import {FedToken} from "../src/FedToken.sol";
import {StakeVault} from "../src/StakeVault.sol";
import {IStakeVault} from "../src/interfaces/IStakeVault.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

/// @dev A token that burns 1% of every transfer (not supported by the vault).
contract FeeToken is ERC20 {
    constructor() ERC20("Fee", "FEE") {
        _mint(msg.sender, 1e30);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value / 100;
            super._update(from, address(0), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}

contract StakeVaultTest is Test {
    FedToken internal token;
    StakeVault internal vault;
    address internal admin = address(0xAD);
    address internal op = address(0x0B);
    address internal alice = address(0xA1);
    address internal bob = address(0xB0);

    function setUp() public {
        token = new FedToken(admin);
        vault = new StakeVault(token, admin);
        bytes32 role = vault.OPERATOR_ROLE();
        vm.prank(admin);
        vault.grantRole(role, op);
        vm.startPrank(admin);
        token.mint(alice, 1_000e18);
        token.mint(bob, 1_000e18);
        vm.stopPrank();
        vm.prank(alice);
        token.approve(address(vault), type(uint256).max);
        vm.prank(bob);
        token.approve(address(vault), type(uint256).max);
    }

    function _conserved() internal view {
        assertEq(
            vault.totalStakes() + vault.totalPools() + vault.totalBonds() + vault.totalClaimable() + vault.totalOwed(),
            token.balanceOf(address(vault)),
            "conservation"
        );
    }

    function test_Constructor() public view {
        assertEq(address(vault.token()), address(token));
        assertTrue(vault.hasRole(vault.DEFAULT_ADMIN_ROLE(), admin));
    }

    function test_RevertWhen_ConstructedWithZeroAddress() public {
        vm.expectRevert(IStakeVault.StakeVaultZeroAddress.selector);
        new StakeVault(IERC20(address(0)), admin);
        vm.expectRevert(IStakeVault.StakeVaultZeroAddress.selector);
        new StakeVault(token, address(0));
    }

    function test_RevertWhen_CallerIsNotOperator() public {
        bytes32 role = vault.OPERATOR_ROLE();
        bytes memory err = abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role);
        vm.startPrank(alice);
        vm.expectRevert(err);
        vault.depositStake(1, alice, 1);
        vm.expectRevert(err);
        vault.releaseStake(1, alice, false);
        vm.expectRevert(err);
        vault.slashStake(1, alice, 1, alice);
        vm.expectRevert(err);
        vault.fundPool(1, alice, 1);
        vm.expectRevert(err);
        vault.withdrawPool(1, alice, false);
        vm.expectRevert(err);
        vault.postBond(1, alice, 1);
        vm.expectRevert(err);
        vault.releaseBond(1, alice, 1);
        vm.expectRevert(err);
        vault.forfeitBond(1, 1);
        vm.expectRevert(err);
        vault.allocateRewards(1, 1);
        vm.expectRevert(err);
        vault.payReward(1, alice, 1);
        vm.stopPrank();
    }

    function test_Stake_DepositReleaseSlash() public {
        vm.startPrank(op);
        vm.expectEmit(address(vault));
        emit IStakeVault.StakeDeposited(1, alice, 100e18);
        vault.depositStake(1, alice, 100e18);
        assertEq(vault.stakeOf(1, alice), 100e18);
        assertEq(vault.totalStakes(), 100e18);
        _conserved();
        vm.expectEmit(address(vault));
        emit IStakeVault.StakeSlashed(1, alice, 11, bob, 5);
        (uint256 taken, uint256 remaining) = vault.slashStake(1, alice, 11, bob);
        assertEq(taken, 11);
        assertEq(remaining, 100e18 - 11);
        assertEq(token.balanceOf(bob), 1_000e18 + 5);
        assertEq(vault.poolOf(1), 6);
        _conserved();
        (taken, remaining) = vault.slashStake(1, alice, type(uint256).max, bob);
        assertEq(taken, 100e18 - 11, "capped at the stake");
        assertEq(remaining, 0);
        assertEq(vault.releaseStake(1, alice, false), 0, "nothing left: no-op");
        _conserved();
        vault.depositStake(2, bob, 7);
        vm.expectEmit(address(vault));
        emit IStakeVault.StakeReleased(2, bob, 7);
        assertEq(vault.releaseStake(2, bob, false), 7);
        uint256 second = 100e18 - 11;
        assertEq(token.balanceOf(bob), 1_000e18 + 5 + second / 2);
        vm.stopPrank();
        _conserved();
    }

    function test_RevertWhen_ZeroAmountOrZeroAddress() public {
        vm.startPrank(op);
        vm.expectRevert(IStakeVault.StakeVaultZeroAmount.selector);
        vault.depositStake(1, alice, 0);
        vm.expectRevert(IStakeVault.StakeVaultZeroAmount.selector);
        vault.fundPool(1, alice, 0);
        vm.expectRevert(IStakeVault.StakeVaultZeroAmount.selector);
        vault.payReward(1, alice, 0);
        vm.expectRevert(IStakeVault.StakeVaultZeroAddress.selector);
        vault.slashStake(1, alice, 1, address(0));
        vm.expectRevert(IStakeVault.StakeVaultZeroAddress.selector);
        vault.withdrawPool(1, address(0), false);
        vm.stopPrank();
    }

    function test_RevertWhen_InsufficientAllowance() public {
        vm.prank(alice);
        token.approve(address(vault), 5);
        vm.prank(op);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(vault), 5, 6));
        vault.depositStake(1, alice, 6);
        assertEq(vault.totalStakes(), 0);
    }

    function test_PoolBondsRewards() public {
        vm.startPrank(op);
        vm.expectEmit(address(vault));
        emit IStakeVault.PoolFunded(1, alice, 100);
        vault.fundPool(1, alice, 100);
        vm.expectEmit(address(vault));
        emit IStakeVault.BondPosted(1, bob, 30);
        vault.postBond(1, bob, 30);
        vault.postBond(1, bob, 0); // no-op
        assertEq(vault.bondOf(1), 30);
        vm.expectEmit(address(vault));
        emit IStakeVault.BondReleased(1, bob, 10);
        vault.releaseBond(1, bob, 10);
        vm.expectEmit(address(vault));
        emit IStakeVault.BondForfeited(1, 20);
        vault.forfeitBond(1, 20);
        vault.releaseBond(1, bob, 0);
        vault.forfeitBond(1, 0);
        assertEq(vault.bondOf(1), 0);
        assertEq(vault.poolOf(1), 120);
        _conserved();
        vm.expectEmit(address(vault));
        emit IStakeVault.RewardsAllocated(1, 50);
        vault.allocateRewards(1, 50);
        vault.allocateRewards(1, 0);
        assertEq(vault.claimableOf(1), 50);
        assertEq(vault.totalClaimable(), 50);
        vm.expectEmit(address(vault));
        emit IStakeVault.RewardPaid(1, alice, 20);
        vault.payReward(1, alice, 20);
        assertEq(vault.claimableOf(1), 30);
        _conserved();
        vm.expectEmit(address(vault));
        emit IStakeVault.PoolWithdrawn(1, alice, 70);
        assertEq(vault.withdrawPool(1, alice, false), 70);
        assertEq(vault.withdrawPool(1, alice, false), 0);
        assertEq(vault.totalPools(), 0);
        vm.stopPrank();
        _conserved();
    }

    function test_RevertWhen_Insufficient() public {
        vm.startPrank(op);
        vault.fundPool(1, alice, 100);
        vault.postBond(1, bob, 30);
        vm.expectRevert(abi.encodeWithSelector(IStakeVault.StakeVaultInsufficientPool.selector, 1, 100, 101));
        vault.allocateRewards(1, 101);
        vm.expectRevert(abi.encodeWithSelector(IStakeVault.StakeVaultInsufficientBond.selector, 1, 30, 31));
        vault.releaseBond(1, bob, 31);
        vm.expectRevert(abi.encodeWithSelector(IStakeVault.StakeVaultInsufficientBond.selector, 2, 0, 1));
        vault.forfeitBond(2, 1);
        vault.allocateRewards(1, 40);
        vm.expectRevert(abi.encodeWithSelector(IStakeVault.StakeVaultInsufficientClaimable.selector, 1, 40, 41));
        vault.payReward(1, alice, 41);
        vm.expectRevert(abi.encodeWithSelector(IStakeVault.StakeVaultInsufficientClaimable.selector, 2, 0, 1));
        vault.payReward(2, alice, 1);
        vm.stopPrank();
        _conserved();
    }

    function test_RevertWhen_FeeOnTransferToken() public {
        FeeToken fee = new FeeToken();
        StakeVault v = new StakeVault(fee, admin);
        bytes32 role = v.OPERATOR_ROLE();
        vm.prank(admin);
        v.grantRole(role, op);
        fee.approve(address(v), type(uint256).max);
        vm.prank(op);
        vm.expectRevert(abi.encodeWithSelector(IStakeVault.StakeVaultTransferMismatch.selector, 100, 99));
        v.depositStake(1, address(this), 100);
    }

    function testFuzz_SlashSplitsExactly(uint256 stake, uint256 amount) public {
        stake = bound(stake, 1, 1_000e18);
        vm.startPrank(op);
        vault.depositStake(1, alice, stake);
        uint256 bobBefore = token.balanceOf(bob);
        (uint256 taken, uint256 remaining) = vault.slashStake(1, alice, amount, bob);
        vm.stopPrank();
        assertEq(taken, amount < stake ? amount : stake);
        assertEq(taken + remaining, stake);
        assertEq(token.balanceOf(bob) - bobBefore + vault.poolOf(1), taken);
        _conserved();
    }
}
