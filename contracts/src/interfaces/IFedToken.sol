// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IFedToken
/// @notice The demo / devnet ERC-20 (18 decimals). Any ERC-20 without transfer fees works in production.
interface IFedToken is IERC20 {
    /// @notice Mints `amount` to `to`. Only `MINTER_ROLE`.
    /// @param to Receiver.
    /// @param amount Tokens (18 decimals).
    function mint(address to, uint256 amount) external;
}
