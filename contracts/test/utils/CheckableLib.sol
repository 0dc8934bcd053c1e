// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

/// @title CheckableLib
/// @notice The on-chain half of the chain-checkable SecAgg+ primitives of issue 9 (the Python half is
/// `fedchain.privacy.secagg.checkable`): recompute a chunk of a keccak256- or SHA-256-counter-mode mask, and check
/// one secp256k1 scalar multiplication `Q = k * P` with the ecrecover trick. Groundwork for a fraud proof; no
/// contract uses it yet.
/// @dev Mask layout: block `j` is `H(seed || uint256(j))` (64 bytes in), and word `8 j + i` is
/// `uint32(uint256(block) >> (224 - 32 i))`: the digest's 4-byte groups read big-endian.
// Inline assembly on purpose: it measures the cheapest form of a fraud proof's last step (hashing in scratch space,
// no per-block memory allocation), which is what a contract would ship.
// solhint-disable no-inline-assembly
library CheckableLib {
    /// @notice The order of secp256k1's group.
    uint256 internal constant N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;

    /// @notice Words `offset .. offset + count - 1` of the keccak256 mask of `seed`, one word per element.
    function keccakWords(bytes32 seed, uint256 offset, uint256 count) internal pure returns (uint32[] memory words) {
        words = new uint32[](count);
        assembly ("memory-safe") {
            mstore(0x00, seed)
            let j := shr(3, offset)
            let i := and(offset, 7)
            let p := add(words, 0x20)
            let end := add(p, shl(5, count))
            for {} lt(p, end) { j := add(j, 1) } {
                mstore(0x20, j)
                let h := keccak256(0x00, 0x40)
                for {} and(lt(i, 8), lt(p, end)) { i := add(i, 1) } {
                    mstore(p, and(shr(sub(224, shl(5, i)), h), 0xffffffff))
                    p := add(p, 0x20)
                }
                i := 0
            }
        }
    }

    /// @notice Words `offset .. offset + count - 1` of the SHA-256 mask of `seed` (the precompile at address 2).
    function sha256Words(bytes32 seed, uint256 offset, uint256 count) internal view returns (uint32[] memory words) {
        words = new uint32[](count);
        assembly ("memory-safe") {
            mstore(0x00, seed)
            let j := shr(3, offset)
            let i := and(offset, 7)
            let p := add(words, 0x20)
            let end := add(p, shl(5, count))
            for {} lt(p, end) { j := add(j, 1) } {
                mstore(0x20, j)
                // the digest overwrites j (rewritten next iteration), not the seed
                if iszero(staticcall(gas(), 2, 0x00, 0x40, 0x20, 0x20)) { revert(0, 0) }
                let h := mload(0x20)
                for {} and(lt(i, 8), lt(p, end)) { i := add(i, 1) } {
                    mstore(p, and(shr(sub(224, shl(5, i)), h), 0xffffffff))
                    p := add(p, 0x20)
                }
                i := 0
            }
        }
    }

    /// @notice Blocks `first .. first + count - 1` of the keccak256 mask, packed: 8 big-endian words per element
    /// (a chunk aligned to 8 words, kept packed for SWAR arithmetic).
    function keccakBlocks(bytes32 seed, uint256 first, uint256 count) internal pure returns (bytes32[] memory blocks) {
        blocks = new bytes32[](count);
        assembly ("memory-safe") {
            mstore(0x00, seed)
            let p := add(blocks, 0x20)
            let end := add(p, shl(5, count))
            for { let j := first } lt(p, end) {
                j := add(j, 1)
                p := add(p, 0x20)
            } {
                mstore(0x20, j)
                mstore(p, keccak256(0x00, 0x40))
            }
        }
    }

    /// @notice As `keccakBlocks`, with SHA-256.
    function sha256Blocks(bytes32 seed, uint256 first, uint256 count) internal view returns (bytes32[] memory blocks) {
        blocks = new bytes32[](count);
        assembly ("memory-safe") {
            mstore(0x00, seed)
            let p := add(blocks, 0x20)
            let end := add(p, shl(5, count))
            for { let j := first } lt(p, end) {
                j := add(j, 1)
                p := add(p, 0x20)
            } {
                mstore(0x20, j)
                if iszero(staticcall(gas(), 2, 0x00, 0x40, p, 0x20)) { revert(0, 0) }
            }
        }
    }

    /// @notice The address of a point: the last 20 bytes of `keccak256(x || y)`.
    function pointAddress(uint256 x, uint256 y) internal pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encodePacked(x, y)))));
    }

    /// @notice Whether `(qx, qy) = k * P`, `P` given by its x-coordinate and y-parity: `ecrecover(0, v, P.x,
    /// P.x * k mod n)` recovers `P.x^-1 * (P.x * k) * P = k * P` and returns its address.
    /// @dev False for `k` outside `[1, n)`, `P.x` outside `[1, n)` or not on the curve (ecrecover returns 0).
    function checkMul(uint256 k, uint256 px, bool pyOdd, uint256 qx, uint256 qy) internal view returns (bool) {
        if (k == 0 || k >= N || px == 0 || px >= N) return false;
        address recovered = ecrecover(bytes32(0), pyOdd ? 28 : 27, bytes32(px), bytes32(mulmod(px, k, N)));
        return recovered != address(0) && recovered == pointAddress(qx, qy);
    }
}
