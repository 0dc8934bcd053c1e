// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

/// @title IModelRegistry
/// @notice Per task, an append-only, hash-linked list of model versions. Version 0 is the task's initial model;
/// version `k > 0` has `parentHash == version(k - 1).modelHash`. Written only by the coordinator (`OPERATOR_ROLE`).
interface IModelRegistry {
    /// @notice One model version.
    /// @param modelHash Hash of the model bytes.
    /// @param parentHash Hash of the previous version (0 for version 0).
    /// @param round Round that produced it (0 for version 0).
    /// @param metricsHash Hash of its evaluation metrics
    /// (0 for version 0).
    /// @param locator Where the model bytes are stored (content-addressed).
    struct ModelVersion {
        bytes32 modelHash;
        bytes32 parentHash;
        uint64 round;
        bytes32 metricsHash;
        string locator;
    }

    /// @notice A version was appended (version 0 included).
    /// @param task Task id.
    /// @param version Index of the new version.
    /// @param modelHash Its hash.
    /// @param parentHash Hash of the previous version (0 for version 0).
    /// @param round Producing round.
    /// @param metricsHash Metrics hash.
    /// @param locator Storage locator.
    event ModelVersionAppended(
        uint256 indexed task,
        uint256 indexed version,
        bytes32 indexed modelHash,
        bytes32 parentHash,
        uint256 round,
        bytes32 metricsHash,
        string locator
    );

    /// @notice The task already has a version 0.
    /// @param task Task id.
    error ModelRegistryAlreadyInitialized(uint256 task);

    /// @notice The task has no version 0 yet.
    /// @param task Task id.
    error ModelRegistryNotInitialized(uint256 task);

    /// @notice A model hash of zero was given.
    /// @param task Task id.
    error ModelRegistryZeroHash(uint256 task);

    /// @notice The round of an appended version is not greater than the head's.
    /// @param task Task id.
    /// @param round Given round.
    /// @param headRound Round of the current head.
    error ModelRegistryRoundNotIncreasing(uint256 task, uint256 round, uint256 headRound);

    /// @notice No version with this index.
    /// @param task Task id.
    /// @param version Index asked for.
    /// @param count Number of versions.
    error ModelRegistryVersionOutOfRange(uint256 task, uint256 version, uint256 count);

    /// @notice Records version 0 of `task`. Only `OPERATOR_ROLE`, once per task.
    /// @param task Task id.
    /// @param modelHash Initial model hash (non-zero).
    /// @param locator Storage locator.
    function initializeTask(uint256 task, bytes32 modelHash, string calldata locator) external;

    /// @notice Appends a version whose parent is the current head. Only `OPERATOR_ROLE`.
    /// @param task Task id.
    /// @param modelHash New model hash (non-zero).
    /// @param round Producing round (greater than the head's).
    /// @param locator Storage locator.
    /// @param metricsHash Metrics hash.
    /// @return version_ Index of the new version.
    function append(uint256 task, bytes32 modelHash, uint256 round, string calldata locator, bytes32 metricsHash)
        external
        returns (uint256 version_);

    /// @notice The latest version of `task`.
    /// @param task Task id.
    /// @return The head version (reverts if the task has none).
    function head(uint256 task) external view returns (ModelVersion memory);

    /// @notice Hash of the latest version of `task` (0 if none).
    /// @param task Task id.
    /// @return The head's model hash.
    function headHash(uint256 task) external view returns (bytes32);

    /// @notice Number of versions of `task` (0 before initialisation).
    /// @param task Task id.
    /// @return Count.
    function versionCount(uint256 task) external view returns (uint256);

    /// @notice Version `index` of `task`.
    /// @param task Task id.
    /// @param index Version index.
    /// @return The version.
    function version(uint256 task, uint256 index) external view returns (ModelVersion memory);
}
