// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

/// @title RewardTree
/// @notice A round's rewards as a Merkle sum tree: every node commits to its children's hashes and to the sums of
/// the amounts beneath them, so the root fixes the total of all leaves and no set of valid claims can exceed it.
/// @dev Leaf: `keccak256(abi.encode(account, amount))` (64 bytes hashed), sum `amount`. Node of children `(a, sa)`
/// and `(b, sb)`, ordered by hash (`a < b`): `keccak256(abi.encode(a, sa, b, sb))` (128 bytes hashed, so a node is
/// never taken for a leaf), sum `sa + sb` (checked: an overflowing proof reverts). Each node's hash binds the sum of
/// both children, so the amounts provable under a root add up to at most the root's sum (a Merkle tree that hashed
/// only the total of its children would not: the Maxwell sum-tree flaw). Sorting by hash makes proofs carry no
/// left/right flags, as OpenZeppelin's `MerkleProof` does.
library RewardTree {
    /// @notice A proof element: a sibling's hash and the sum of the amounts beneath it.
    struct Node {
        bytes32 hash;
        uint256 sum;
    }

    /// @notice The leaf of `(account, amount)`.
    /// @param account Account.
    /// @param amount Amount.
    /// @return The leaf hash.
    function leaf(address account, uint256 amount) internal pure returns (bytes32) {
        return keccak256(abi.encode(account, amount));
    }

    /// @notice The parent of `(a, sa)` and `(b, sb)`.
    /// @param a One child's hash.
    /// @param sa Its sum.
    /// @param b The other child's hash.
    /// @param sb Its sum.
    /// @return The parent hash.
    function parent(bytes32 a, uint256 sa, bytes32 b, uint256 sb) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, sa, b, sb)) : keccak256(abi.encode(b, sb, a, sa));
    }

    /// @notice The root and root sum that `proof` leads to from the leaf of `(account, amount)`.
    /// @param account Account.
    /// @param amount Amount.
    /// @param proof Siblings from the leaf up.
    /// @return root The root hash.
    /// @return total The sum of every amount in the tree.
    function rootOf(address account, uint256 amount, Node[] calldata proof)
        internal
        pure
        returns (bytes32 root, uint256 total)
    {
        root = leaf(account, amount);
        total = amount;
        uint256 n = proof.length;
        for (uint256 i; i < n; ++i) {
            Node calldata s = proof[i];
            root = parent(root, total, s.hash, s.sum);
            total += s.sum;
        }
    }
}
