// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IStakeVault
/// @notice Holds every token of the protocol in one ERC-20: per-task stakes, reward pools, aggregator bonds,
/// claimable rewards and credits owed to accounts. Only the coordinator (`OPERATOR_ROLE`) moves money between
/// buckets; an account withdraws its own credit (`withdraw`). Conservation: `totalStakes + totalPools +
/// totalBonds + totalClaimable + totalOwed == token.balanceOf(vault)` (tokens sent to the vault directly, outside
/// the protocol, are not counted).
/// @dev Pull payments: a payout to an account other than the one whose call caused it (an evicted member's stake,
/// a closed task's pool after a slash) is credited, never transferred, so a recipient that cannot receive (a
/// blocklisting token, a reverting hook) cannot make someone else's transaction fail.
interface IStakeVault {
    // ------------------------------------------------------------------ events

    /// @notice A member's stake was pulled into the vault.
    /// @param task Task id.
    /// @param account Member.
    /// @param amount Tokens received.
    event StakeDeposited(uint256 indexed task, address indexed account, uint256 amount);

    /// @notice A member's whole stake was returned.
    /// @param task Task id.
    /// @param account Member.
    /// @param amount Tokens sent back.
    event StakeReleased(uint256 indexed task, address indexed account, uint256 amount);

    /// @notice Part of a member's stake was slashed: `bounty` went to `bountyTo`, the rest to the task's pool.
    /// @param task Task id.
    /// @param account Slashed member.
    /// @param amount Total taken from the stake.
    /// @param bountyTo Receiver of the bounty.
    /// @param bounty Tokens paid to `bountyTo`.
    event StakeSlashed(uint256 indexed task, address indexed account, uint256 amount, address bountyTo, uint256 bounty);

    /// @notice Tokens were added to a task's reward pool.
    /// @param task Task id.
    /// @param from Payer.
    /// @param amount Tokens received.
    event PoolFunded(uint256 indexed task, address indexed from, uint256 amount);

    /// @notice A task's whole remaining pool was paid out (task closed).
    /// @param task Task id.
    /// @param to Receiver.
    /// @param amount Tokens sent.
    event PoolWithdrawn(uint256 indexed task, address indexed to, uint256 amount);

    /// @notice An aggregator bond was posted.
    /// @param task Task id.
    /// @param from Aggregator.
    /// @param amount Tokens received.
    event BondPosted(uint256 indexed task, address indexed from, uint256 amount);

    /// @notice An aggregator bond was returned.
    /// @param task Task id.
    /// @param to Aggregator.
    /// @param amount Tokens sent.
    event BondReleased(uint256 indexed task, address indexed to, uint256 amount);

    /// @notice An aggregator bond was forfeited to the task's pool.
    /// @param task Task id.
    /// @param amount Tokens moved from bonds to the pool.
    event BondForfeited(uint256 indexed task, uint256 amount);

    /// @notice Rewards moved from a task's pool to its claimable balance.
    /// @param task Task id.
    /// @param amount Tokens allocated.
    event RewardsAllocated(uint256 indexed task, uint256 amount);

    /// @notice A claimed reward was paid.
    /// @param task Task id.
    /// @param to Receiver.
    /// @param amount Tokens sent.
    event RewardPaid(uint256 indexed task, address indexed to, uint256 amount);

    /// @notice `amount` was credited to `account`, to withdraw with `withdraw`.
    /// @param account Receiver.
    /// @param amount Tokens.
    event Credited(address indexed account, uint256 amount);

    /// @notice `account` withdrew its credit.
    /// @param account Receiver.
    /// @param amount Tokens.
    event Withdrawn(address indexed account, uint256 amount);

    // ------------------------------------------------------------------ errors

    /// @notice An amount of zero was given where tokens must move.
    error StakeVaultZeroAmount();

    /// @notice The zero address was given where an account is required.
    error StakeVaultZeroAddress();

    /// @notice The vault received a different amount than requested (fee-on-transfer tokens are not supported).
    /// @param expected Amount requested.
    /// @param received Amount the vault's balance actually grew by.
    error StakeVaultTransferMismatch(uint256 expected, uint256 received);

    /// @notice A task's pool is smaller than the amount asked for.
    /// @param task Task id.
    /// @param available Pool balance.
    /// @param requested Amount asked for.
    error StakeVaultInsufficientPool(uint256 task, uint256 available, uint256 requested);

    /// @notice A task's bonds are smaller than the amount asked for.
    /// @param task Task id.
    /// @param available Bond balance.
    /// @param requested Amount asked for.
    error StakeVaultInsufficientBond(uint256 task, uint256 available, uint256 requested);

    /// @notice A task's claimable balance is smaller than the amount asked for.
    /// @param task Task id.
    /// @param available Claimable balance.
    /// @param requested Amount asked for.
    error StakeVaultInsufficientClaimable(uint256 task, uint256 available, uint256 requested);

    // ------------------------------------------------------------------ operator (coordinator)

    /// @notice Pulls `amount` from `from` (who approved the vault) and adds it to `from`'s stake in `task`.
    /// @param task Task id.
    /// @param from Member paying the stake.
    /// @param amount Tokens to pull (> 0).
    function depositStake(uint256 task, address from, uint256 amount) external;

    /// @notice Returns `account`'s whole stake in `task` to it (no-op returning 0 if it has none left): a
    /// transfer, or a credit if `credit`.
    /// @param task Task id.
    /// @param account Member.
    /// @param credit Whether to credit instead of transferring.
    /// @return amount Tokens returned.
    function releaseStake(uint256 task, address account, bool credit) external returns (uint256 amount);

    /// @notice Takes `min(amount, stake)` from `account`'s stake: half (rounded down) to `bountyTo`, the rest to
    /// the task's pool.
    /// @param task Task id.
    /// @param account Member slashed.
    /// @param amount Slash asked for.
    /// @param bountyTo Receiver of the bounty.
    /// @return taken Tokens taken from the stake.
    /// @return remaining Stake left.
    function slashStake(uint256 task, address account, uint256 amount, address bountyTo)
        external
        returns (uint256 taken, uint256 remaining);

    /// @notice Pulls `amount` from `from` into `task`'s reward pool.
    /// @param task Task id.
    /// @param from Payer (approved the vault).
    /// @param amount Tokens (> 0).
    function fundPool(uint256 task, address from, uint256 amount) external;

    /// @notice Pays `task`'s whole pool to `to`: a transfer, or a credit if `credit`.
    /// @param task Task id.
    /// @param to Receiver.
    /// @param credit Whether to credit instead of transferring.
    /// @return amount Tokens paid.
    function withdrawPool(uint256 task, address to, bool credit) external returns (uint256 amount);

    // ------------------------------------------------------------------ accounts

    /// @notice Transfers the caller's whole credit to it (`StakeVaultZeroAmount` if none).
    /// @return amount Tokens withdrawn.
    function withdraw() external returns (uint256 amount);

    /// @notice Pulls an aggregator bond of `amount` from `from`.
    /// @param task Task id.
    /// @param from Aggregator (approved the vault).
    /// @param amount Tokens (may be 0: no-op).
    function postBond(uint256 task, address from, uint256 amount) external;

    /// @notice Returns `amount` of `task`'s bonds to `to`.
    /// @param task Task id.
    /// @param to Aggregator.
    /// @param amount Tokens (may be 0: no-op).
    function releaseBond(uint256 task, address to, uint256 amount) external;

    /// @notice Moves `amount` of `task`'s bonds into its pool.
    /// @param task Task id.
    /// @param amount Tokens (may be 0: no-op).
    function forfeitBond(uint256 task, uint256 amount) external;

    /// @notice Moves `amount` from `task`'s pool to its claimable balance.
    /// @param task Task id.
    /// @param amount Tokens (may be 0: no-op).
    function allocateRewards(uint256 task, uint256 amount) external;

    /// @notice Pays `amount` of `task`'s claimable balance to `to`.
    /// @param task Task id.
    /// @param to Receiver.
    /// @param amount Tokens (> 0).
    function payReward(uint256 task, address to, uint256 amount) external;

    // ------------------------------------------------------------------ views

    /// @notice The ERC-20 the vault holds.
    /// @return The token.
    function token() external view returns (IERC20);

    /// @notice `account`'s stake in `task`.
    /// @param task Task id.
    /// @param account Member.
    /// @return Tokens staked.
    function stakeOf(uint256 task, address account) external view returns (uint256);

    /// @notice `task`'s reward pool.
    /// @param task Task id.
    /// @return Tokens in the pool.
    function poolOf(uint256 task) external view returns (uint256);

    /// @notice `task`'s outstanding aggregator bonds.
    /// @param task Task id.
    /// @return Tokens bonded.
    function bondOf(uint256 task) external view returns (uint256);

    /// @notice `task`'s allocated, not yet claimed rewards.
    /// @param task Task id.
    /// @return Tokens claimable.
    function claimableOf(uint256 task) external view returns (uint256);

    /// @notice Sum of all stakes.
    /// @return Tokens.
    function totalStakes() external view returns (uint256);

    /// @notice Sum of all reward pools.
    /// @return Tokens.
    function totalPools() external view returns (uint256);

    /// @notice Sum of all bonds.
    /// @return Tokens.
    function totalBonds() external view returns (uint256);

    /// @notice Sum of all claimable rewards.
    /// @return Tokens.
    function totalClaimable() external view returns (uint256);

    /// @notice `account`'s credit, withdrawable with `withdraw`.
    /// @param account Account.
    /// @return Tokens.
    function owedTo(address account) external view returns (uint256);

    /// @notice Sum of all credits.
    /// @return Tokens.
    function totalOwed() external view returns (uint256);
}
