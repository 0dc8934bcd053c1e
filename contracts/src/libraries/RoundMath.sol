// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {ICoordinator} from "../interfaces/ICoordinator.sol";

/// @title RoundMath
/// @notice Pure round arithmetic of the coordinator: cohort window and phase sequence. O(1), no storage.
library RoundMath {
    /// @notice The round seed: `keccak256(abi.encode(prevrandao, task, round))`.
    /// @param prevrandao `block.prevrandao` when the round opened.
    /// @param task Task id.
    /// @param round Round.
    /// @return The seed.
    function seed(uint256 prevrandao, uint256 task, uint256 round) internal pure returns (bytes32) {
        return keccak256(abi.encode(prevrandao, task, round));
    }

    /// @notice Start of the cohort window: `seed mod n` (requires `n > 0`).
    /// @param seed_ Round seed.
    /// @param n Member count.
    /// @return start Window start index.
    function cohortStart(bytes32 seed_, uint256 n) internal pure returns (uint256 start) {
        return uint256(seed_) % n;
    }

    /// @notice Cohort size `c = min(cohortSize, n)`.
    /// @param size Task's cohort size.
    /// @param n Member count.
    /// @return c Effective cohort size.
    function cohortSize(uint256 size, uint256 n) internal pure returns (uint256 c) {
        return size < n ? size : n;
    }

    /// @notice Whether index `i` is in the window of `c` members starting at `start`, out of `n`.
    /// @dev `i < n && (i + n - start) mod n < c`; requires `start < n` when `i < n`.
    /// @param i Member index.
    /// @param n Member count at open.
    /// @param start Window start.
    /// @param c Cohort size.
    /// @return True if in the cohort.
    function inCohort(uint256 i, uint256 n, uint256 start, uint256 c) internal pure returns (bool) {
        return i < n && (i + n - start) % n < c;
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
    /// @return True for None, Finalized, Rejected, Aborted.
    function isIdle(ICoordinator.Phase phase) internal pure returns (bool) {
        return phase == ICoordinator.Phase.None || phase >= ICoordinator.Phase.Finalized;
    }
}
