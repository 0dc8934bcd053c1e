// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IStakeVault} from "./interfaces/IStakeVault.sol";

/// @title StakeVault
/// @notice Every token of the protocol, in four buckets per task (stakes, pool, bonds, claimable) and credits
/// per account, with global totals. Only the coordinator (`OPERATOR_ROLE`) moves money between buckets, and an
/// account withdraws its own credit; every move keeps `totalStakes + totalPools + totalBonds + totalClaimable +
/// totalOwed == token.balanceOf(this)` (direct transfers aside).
/// @dev Tokens with transfer fees are refused (`StakeVaultTransferMismatch`); rebasing tokens are unsupported.
contract StakeVault is AccessControl, IStakeVault {
    using SafeERC20 for IERC20;

    /// @notice Role of the coordinator: the only caller of the state-changing functions.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    IERC20 private immutable _token;

    mapping(uint256 task => mapping(address account => uint256)) private _stakes;
    mapping(uint256 task => uint256) private _pools;
    mapping(uint256 task => uint256) private _bonds;
    mapping(uint256 task => uint256) private _claimable;
    uint256 private _totalStakes;
    uint256 private _totalPools;
    uint256 private _totalBonds;
    uint256 private _totalClaimable;
    mapping(address account => uint256) private _owed;
    uint256 private _totalOwed;

    /// @notice Deploys the vault for `token_`; `admin` gets `DEFAULT_ADMIN_ROLE` (it grants `OPERATOR_ROLE` to
    /// the coordinator).
    /// @param token_ The ERC-20 (no transfer fees).
    /// @param admin Initial admin.
    constructor(IERC20 token_, address admin) {
        if (address(token_) == address(0) || admin == address(0)) revert StakeVaultZeroAddress();
        _token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------ stakes

    /// @inheritdoc IStakeVault
    function depositStake(uint256 task, address from, uint256 amount) external onlyRole(OPERATOR_ROLE) {
        _pull(from, amount);
        _stakes[task][from] += amount;
        _totalStakes += amount;
        emit StakeDeposited(task, from, amount);
    }

    /// @inheritdoc IStakeVault
    function releaseStake(uint256 task, address account, bool credit)
        external
        onlyRole(OPERATOR_ROLE)
        returns (uint256 amount)
    {
        amount = _stakes[task][account];
        if (amount == 0) return 0;
        _stakes[task][account] = 0;
        _totalStakes -= amount;
        emit StakeReleased(task, account, amount);
        _payOut(account, amount, credit);
    }

    /// @inheritdoc IStakeVault
    function slashStake(uint256 task, address account, uint256 amount, address bountyTo)
        external
        onlyRole(OPERATOR_ROLE)
        returns (uint256 taken, uint256 remaining)
    {
        if (bountyTo == address(0)) revert StakeVaultZeroAddress();
        uint256 stake = _stakes[task][account];
        taken = amount < stake ? amount : stake;
        remaining = stake - taken;
        uint256 bounty = taken / 2;
        _stakes[task][account] = remaining;
        _totalStakes -= taken;
        _pools[task] += taken - bounty;
        _totalPools += taken - bounty;
        emit StakeSlashed(task, account, taken, bountyTo, bounty);
        if (bounty != 0) _token.safeTransfer(bountyTo, bounty);
    }

    // ------------------------------------------------------------------ pools

    /// @inheritdoc IStakeVault
    function fundPool(uint256 task, address from, uint256 amount) external onlyRole(OPERATOR_ROLE) {
        _pull(from, amount);
        _pools[task] += amount;
        _totalPools += amount;
        emit PoolFunded(task, from, amount);
    }

    /// @inheritdoc IStakeVault
    function withdrawPool(uint256 task, address to, bool credit)
        external
        onlyRole(OPERATOR_ROLE)
        returns (uint256 amount)
    {
        if (to == address(0)) revert StakeVaultZeroAddress();
        amount = _pools[task];
        _pools[task] = 0;
        _totalPools -= amount;
        emit PoolWithdrawn(task, to, amount);
        if (amount != 0) _payOut(to, amount, credit);
    }

    // ------------------------------------------------------------------ accounts

    /// @inheritdoc IStakeVault
    function withdraw() external returns (uint256 amount) {
        amount = _owed[msg.sender];
        if (amount == 0) revert StakeVaultZeroAmount();
        _owed[msg.sender] = 0;
        _totalOwed -= amount;
        emit Withdrawn(msg.sender, amount);
        _token.safeTransfer(msg.sender, amount);
    }

    // ------------------------------------------------------------------ bonds

    /// @inheritdoc IStakeVault
    function postBond(uint256 task, address from, uint256 amount) external onlyRole(OPERATOR_ROLE) {
        if (amount == 0) return;
        _pull(from, amount);
        _bonds[task] += amount;
        _totalBonds += amount;
        emit BondPosted(task, from, amount);
    }

    /// @inheritdoc IStakeVault
    function releaseBond(uint256 task, address to, uint256 amount) external onlyRole(OPERATOR_ROLE) {
        if (amount == 0) return;
        _takeBond(task, amount);
        emit BondReleased(task, to, amount);
        _token.safeTransfer(to, amount);
    }

    /// @inheritdoc IStakeVault
    function forfeitBond(uint256 task, uint256 amount) external onlyRole(OPERATOR_ROLE) {
        if (amount == 0) return;
        _takeBond(task, amount);
        _pools[task] += amount;
        _totalPools += amount;
        emit BondForfeited(task, amount);
    }

    // ------------------------------------------------------------------ rewards

    /// @inheritdoc IStakeVault
    function allocateRewards(uint256 task, uint256 amount) external onlyRole(OPERATOR_ROLE) {
        if (amount == 0) return;
        uint256 pool = _pools[task];
        if (amount > pool) revert StakeVaultInsufficientPool(task, pool, amount);
        unchecked {
            _pools[task] = pool - amount;
            _totalPools -= amount;
        }
        _claimable[task] += amount;
        _totalClaimable += amount;
        emit RewardsAllocated(task, amount);
    }

    /// @inheritdoc IStakeVault
    function payReward(uint256 task, address to, uint256 amount) external onlyRole(OPERATOR_ROLE) {
        if (amount == 0) revert StakeVaultZeroAmount();
        uint256 available = _claimable[task];
        if (amount > available) revert StakeVaultInsufficientClaimable(task, available, amount);
        unchecked {
            _claimable[task] = available - amount;
            _totalClaimable -= amount;
        }
        emit RewardPaid(task, to, amount);
        _token.safeTransfer(to, amount);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IStakeVault
    function token() external view returns (IERC20) {
        return _token;
    }

    /// @inheritdoc IStakeVault
    function stakeOf(uint256 task, address account) external view returns (uint256) {
        return _stakes[task][account];
    }

    /// @inheritdoc IStakeVault
    function poolOf(uint256 task) external view returns (uint256) {
        return _pools[task];
    }

    /// @inheritdoc IStakeVault
    function bondOf(uint256 task) external view returns (uint256) {
        return _bonds[task];
    }

    /// @inheritdoc IStakeVault
    function claimableOf(uint256 task) external view returns (uint256) {
        return _claimable[task];
    }

    /// @inheritdoc IStakeVault
    function totalStakes() external view returns (uint256) {
        return _totalStakes;
    }

    /// @inheritdoc IStakeVault
    function totalPools() external view returns (uint256) {
        return _totalPools;
    }

    /// @inheritdoc IStakeVault
    function totalBonds() external view returns (uint256) {
        return _totalBonds;
    }

    /// @inheritdoc IStakeVault
    function totalClaimable() external view returns (uint256) {
        return _totalClaimable;
    }

    /// @inheritdoc IStakeVault
    function owedTo(address account) external view returns (uint256) {
        return _owed[account];
    }

    /// @inheritdoc IStakeVault
    function totalOwed() external view returns (uint256) {
        return _totalOwed;
    }

    // ------------------------------------------------------------------ internals

    /// @dev Pulls exactly `amount` from `from`; refuses zero amounts and fee-on-transfer tokens.
    function _pull(address from, uint256 amount) private {
        if (amount == 0) revert StakeVaultZeroAmount();
        uint256 before = _token.balanceOf(address(this));
        _token.safeTransferFrom(from, address(this), amount);
        uint256 received = _token.balanceOf(address(this)) - before;
        if (received != amount) revert StakeVaultTransferMismatch(amount, received);
    }

    /// @dev Transfers `amount` to `to`, or credits it (pull payment) if `credit`.
    function _payOut(address to, uint256 amount, bool credit) private {
        if (!credit) return _token.safeTransfer(to, amount);
        _owed[to] += amount;
        _totalOwed += amount;
        emit Credited(to, amount);
    }

    function _takeBond(uint256 task, uint256 amount) private {
        uint256 bonded = _bonds[task];
        if (amount > bonded) revert StakeVaultInsufficientBond(task, bonded, amount);
        unchecked {
            _bonds[task] = bonded - amount;
            _totalBonds -= amount;
        }
    }
}
