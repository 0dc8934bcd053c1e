// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {RewardTree} from "../../src/libraries/RewardTree.sol";

/// @title Merkle
/// @notice Test-side reward sum tree (`RewardTree`): level by level, nodes `(2k, 2k+1)` are joined, an odd last
/// node is carried up unchanged.
library Merkle {
    function leaf(address account, uint256 amount) internal pure returns (RewardTree.Node memory) {
        return RewardTree.Node(RewardTree.leaf(account, amount), amount);
    }

    function root(RewardTree.Node[] memory leaves) internal pure returns (bytes32) {
        require(leaves.length > 0, "empty tree");
        RewardTree.Node[] memory level = leaves;
        while (level.length > 1) level = _up(level);
        return level[0].hash;
    }

    function proof(RewardTree.Node[] memory leaves, uint256 index)
        internal
        pure
        returns (RewardTree.Node[] memory out)
    {
        RewardTree.Node[] memory buf = new RewardTree.Node[](64);
        uint256 len;
        RewardTree.Node[] memory level = leaves;
        while (level.length > 1) {
            uint256 sibling = index ^ 1;
            if (sibling < level.length) buf[len++] = level[sibling];
            level = _up(level);
            index >>= 1;
        }
        out = new RewardTree.Node[](len);
        for (uint256 i; i < len; ++i) {
            out[i] = buf[i];
        }
    }

    function _up(RewardTree.Node[] memory level) private pure returns (RewardTree.Node[] memory next) {
        next = new RewardTree.Node[]((level.length + 1) / 2);
        for (uint256 i; i < next.length; ++i) {
            uint256 l = 2 * i;
            if (l + 1 < level.length) {
                RewardTree.Node memory a = level[l];
                RewardTree.Node memory b = level[l + 1];
                next[i] = RewardTree.Node(RewardTree.parent(a.hash, a.sum, b.hash, b.sum), a.sum + b.sum);
            } else {
                next[i] = level[l];
            }
        }
    }
}
