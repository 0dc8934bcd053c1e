// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IFedToken} from "./interfaces/IFedToken.sol";

/// @title FedToken
/// @notice ERC-20 for devnets and the demo: 18 decimals, minted by `MINTER_ROLE`.
contract FedToken is ERC20, AccessControl, IFedToken {
    /// @notice Role allowed to mint.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice Deploys the token; `admin` gets `DEFAULT_ADMIN_ROLE` and `MINTER_ROLE`.
    /// @param admin Initial admin and minter.
    constructor(address admin) ERC20("FedToken", "FED") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
    }

    /// @inheritdoc IFedToken
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }
}
