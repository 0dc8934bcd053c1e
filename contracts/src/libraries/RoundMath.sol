// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {ICoordinator} from "../interfaces/ICoordinator.sol";

/// @title RoundMath
/// @notice Pure round arithmetic of the coordinator: seeds, the cohort permutation, the phase sequence, the
/// low-order key check. O(1) (the cohort permutation's cycle walk takes fewer than 4 steps on average), no storage.
library RoundMath {
    /// @notice The cohort seed: `keccak256(abi.encode(blockHash, task, round))`, `blockHash` being the hash of the
    /// block in which the round opened (unknown to anyone sending `openRound`).
    /// @param blockHash `blockhash(openBlock)`.
    /// @param task Task id.
    /// @param round Round.
    /// @return The seed.
    function seed(bytes32 blockHash, uint256 task, uint256 round) internal pure returns (bytes32) {
        return keccak256(abi.encode(blockHash, task, round));
    }

    /// @notice [SecAgg] The neighbour-graph seed: `keccak256(abi.encode(blockHash, cohortSeed))`, `blockHash` being
    /// the hash of the block in which the advertise phase closed (unknown to every advertiser).
    /// @param blockHash `blockhash(graphBlock)`.
    /// @param cohortSeed The round's cohort seed.
    /// @return The graph seed.
    function graphSeed(bytes32 blockHash, bytes32 cohortSeed) internal pure returns (bytes32) {
        return keccak256(abi.encode(blockHash, cohortSeed));
    }

    /// @notice The reveal digest before any reveal: `keccak256(abi.encode(task, round))`.
    /// @param task Task id.
    /// @param round Round.
    /// @return The initial digest.
    function initialDigest(uint256 task, uint256 round) internal pure returns (bytes32) {
        return keccak256(abi.encode(task, round));
    }

    /// @notice Cohort size `c = min(cohortSize, n)`.
    /// @param size Task's cohort size.
    /// @param n Member count.
    /// @return c Effective cohort size.
    function cohortSize(uint256 size, uint256 n) internal pure returns (uint256 c) {
        return size < n ? size : n;
    }

    /// @notice Position of member index `i` in the round's pseudorandom permutation of `[0, n)`; the cohort is
    /// the members whose position is below `c`, so it is a pseudorandom set of exactly `c` members, and a
    /// member's position is its protocol id.
    /// @dev A 4-round Feistel network over `[0, 2**bits)` (`bits` the smallest even number >= 2 with
    /// `2**bits >= n`; round function `uint256(keccak256(abi.encode(seed, j, right))) mod 2**(bits/2)`), restricted
    /// to `[0, n)` by cycle walking. `2**bits < 4n`, so a walk takes fewer than 4 steps on average. Requires `i < n`.
    /// @param seed_ Cohort seed.
    /// @param n Member count at open (> 0).
    /// @param i Member index, `< n`.
    /// @return position In `[0, n)`.
    function cohortPosition(bytes32 seed_, uint256 n, uint256 i) internal pure returns (uint256 position) {
        uint256 bits = 2;
        while ((uint256(1) << bits) < n) bits += 2;
        uint256 half = bits / 2;
        uint256 mask = (uint256(1) << half) - 1;
        position = i;
        do {
            uint256 left = position >> half;
            uint256 right = position & mask;
            for (uint256 j; j < 4; ++j) {
                (left, right) = (right, left ^ (uint256(keccak256(abi.encode(seed_, j, right))) & mask));
            }
            position = (left << half) | right;
        } while (position >= n);
    }

    /// @notice Whether index `i` is in the cohort of `c` members out of `n`: `i < n` and its position `< c`.
    /// @param seed_ Cohort seed.
    /// @param i Member index.
    /// @param n Member count at open.
    /// @param c Cohort size.
    /// @return True if in the cohort.
    function inCohort(bytes32 seed_, uint256 i, uint256 n, uint256 c) internal pure returns (bool) {
        return i < n && cohortPosition(seed_, n, i) < c;
    }

    /// @notice Whether a 32-byte X25519 public key is of low order: one of the seven 255-bit encodings of a
    /// point of order 1, 2, 4 or 8 on Curve25519 or its twist (libsodium's list; bit 255 is ignored, as X25519
    /// ignores it). The shared secret with such a key is all zeros, so masks built on it would be public.
    /// @param key The key's bytes as advertised (little-endian u-coordinate).
    /// @return True if the key must be refused.
    function isLowOrderKey(bytes32 key) internal pure returns (bool) {
        bytes32 u = key & ~bytes32(uint256(0x80));
        return u == 0x0000000000000000000000000000000000000000000000000000000000000000
            || u == 0x0100000000000000000000000000000000000000000000000000000000000000
            || u == 0x5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157
            || u == 0xe0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800
            || u == 0xecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f
            || u == 0xedffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f
            || u == 0xeeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f;
    }

    /// @notice The fewest revealers a round needs: `max(1, minRevealers)`.
    /// @param minRevealers Task's `minRevealers`.
    /// @return The effective minimum.
    function minRevealersOf(uint256 minRevealers) internal pure returns (uint256) {
        return minRevealers == 0 ? 1 : minRevealers;
    }

    /// @notice The phase that follows `current` when it closes with `acted` members having acted, and how many
    /// may act in it. Aborts as soon as fewer than `minRevealers` can still reveal.
    /// @param current Closing phase (a timed phase before `Challenge`).
    /// @param mode Task mode.
    /// @param acted Members that acted in `current`.
    /// @param minRevealers Effective minimum (>= 1).
    /// @return next Next phase.
    /// @return eligible Members that may act in `next` (1 = the aggregator for
    /// `Aggregate`, 0 for terminal).
    function nextPhase(ICoordinator.Phase current, ICoordinator.Mode mode, uint256 acted, uint256 minRevealers)
        internal
        pure
        returns (ICoordinator.Phase next, uint256 eligible)
    {
        if (current == ICoordinator.Phase.Aggregate) return (ICoordinator.Phase.Aborted, 0);
        if (current == ICoordinator.Phase.Unmask) return (ICoordinator.Phase.Aggregate, 1);
        // AdvertiseKeys, ShareKeys, Commit, Reveal: the actors of this phase are the only possible revealers.
        if (acted < minRevealers) return (ICoordinator.Phase.Aborted, 0);
        if (current == ICoordinator.Phase.AdvertiseKeys) return (ICoordinator.Phase.ShareKeys, acted);
        if (current == ICoordinator.Phase.ShareKeys) return (ICoordinator.Phase.Commit, acted);
        if (current == ICoordinator.Phase.Commit) return (ICoordinator.Phase.Reveal, acted);
        // Reveal
        if (mode == ICoordinator.Mode.SecAgg) return (ICoordinator.Phase.Unmask, acted);
        return (ICoordinator.Phase.Aggregate, 1);
    }

    /// @notice Whether `phase` closes automatically at its deadline (`Challenge` needs `finalize`).
    /// @param phase Phase.
    /// @return True for AdvertiseKeys, ShareKeys, Commit, Reveal, Unmask, Aggregate.
    function isAutoClosing(ICoordinator.Phase phase) internal pure returns (bool) {
        return phase >= ICoordinator.Phase.AdvertiseKeys && phase <= ICoordinator.Phase.Aggregate;
    }

    /// @notice Whether `phase` is terminal (or `None`: no round).
    /// @param phase Phase.
    /// @return True for None, Finalized, Rejected, Aborted, Failed.
    function isIdle(ICoordinator.Phase phase) internal pure returns (bool) {
        return phase == ICoordinator.Phase.None || phase >= ICoordinator.Phase.Finalized;
    }
}
