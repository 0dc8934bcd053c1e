// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice Per task, an append-only, hash-linked list of model versions. Nothing is ever replaced or removed.
contract ModelRegistry is AccessControl, IModelRegistry {
    /// @notice Role of the coordinator: the only writer.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    mapping(uint256 task => ModelVersion[]) private _versions;

    /// @notice Deploys the registry; `admin` gets `DEFAULT_ADMIN_ROLE` (it grants `OPERATOR_ROLE` to the
    /// coordinator).
    /// @param admin Initial admin.
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IModelRegistry
    function initializeTask(uint256 task, bytes32 modelHash, string calldata locator) external onlyRole(OPERATOR_ROLE) {
        ModelVersion[] storage versions = _versions[task];
        if (versions.length != 0) revert ModelRegistryAlreadyInitialized(task);
        if (modelHash == bytes32(0)) revert ModelRegistryZeroHash(task);
        versions.push(ModelVersion(modelHash, bytes32(0), 0, bytes32(0), locator));
        emit ModelVersionAppended(task, 0, modelHash, bytes32(0), 0, bytes32(0), locator);
    }

    /// @inheritdoc IModelRegistry
    function append(uint256 task, bytes32 modelHash, uint256 round, string calldata locator, bytes32 metricsHash)
        external
        onlyRole(OPERATOR_ROLE)
        returns (uint256 version_)
    {
        ModelVersion[] storage versions = _versions[task];
        version_ = versions.length;
        if (version_ == 0) revert ModelRegistryNotInitialized(task);
        if (modelHash == bytes32(0)) revert ModelRegistryZeroHash(task);
        ModelVersion storage parent = versions[version_ - 1];
        uint256 headRound = parent.round;
        if (round <= headRound || round > type(uint64).max) {
            revert ModelRegistryRoundNotIncreasing(task, round, headRound);
        }
        bytes32 parentHash = parent.modelHash;
        versions.push(ModelVersion(modelHash, parentHash, uint64(round), metricsHash, locator));
        emit ModelVersionAppended(task, version_, modelHash, parentHash, round, metricsHash, locator);
    }

    /// @inheritdoc IModelRegistry
    function head(uint256 task) external view returns (ModelVersion memory) {
        ModelVersion[] storage versions = _versions[task];
        uint256 n = versions.length;
        if (n == 0) revert ModelRegistryNotInitialized(task);
        return versions[n - 1];
    }

    /// @inheritdoc IModelRegistry
    function headHash(uint256 task) external view returns (bytes32) {
        ModelVersion[] storage versions = _versions[task];
        uint256 n = versions.length;
        return n == 0 ? bytes32(0) : versions[n - 1].modelHash;
    }

    /// @inheritdoc IModelRegistry
    function versionCount(uint256 task) external view returns (uint256) {
        return _versions[task].length;
    }

    /// @inheritdoc IModelRegistry
    function version(uint256 task, uint256 index) external view returns (ModelVersion memory) {
        ModelVersion[] storage versions = _versions[task];
        uint256 n = versions.length;
        if (index >= n) revert ModelRegistryVersionOutOfRange(task, index, n);
        return versions[index];
    }
}
