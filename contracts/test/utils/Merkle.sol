// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @title Merkle
/// @notice Test-side Merkle tree over OpenZeppelin-standard leaves (sorted-pair hashing, as `MerkleProof`):
/// level by level, nodes `(2k, 2k+1)` are hashed, an odd last node is carried up unchanged.
library Merkle {
    function leaf(address account, uint256 amount) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(account, amount))));
    }

    function root(bytes32[] memory leaves) internal pure returns (bytes32) {
        require(leaves.length > 0, "empty tree");
        bytes32[] memory level = leaves;
        while (level.length > 1) level = _up(level);
        return level[0];
    }

    function proof(bytes32[] memory leaves, uint256 index) internal pure returns (bytes32[] memory out) {
        bytes32[] memory buf = new bytes32[](64);
        uint256 len;
        bytes32[] memory level = leaves;
        while (level.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < level.length) buf[len++] = level[sibling];
            level = _up(level);
            index >>= 1;
        }
        out = new bytes32[](len);
        for (uint256 i; i < len; ++i) {
            out[i] = buf[i];
        }
    }

    function _up(bytes32[] memory level) private pure returns (bytes32[] memory next) {
        next = new bytes32[]((level.length + 1) / 2);
        for (uint256 i; i < next.length; ++i) {
            uint256 l = 2 * i;
            next[i] = l + 1 < level.length ? Hashes.commutativeKeccak256(level[l], level[l + 1]) : level[l];
        }
    }
}
