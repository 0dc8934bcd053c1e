// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IParticipantRegistry} from "./interfaces/IParticipantRegistry.sol";

/// @title ParticipantRegistry
/// @notice Per-task member list with O(1) add and swap-and-pop removal, and per-member records.
contract ParticipantRegistry is AccessControl, IParticipantRegistry {
    /// @notice Role of the coordinator: the only writer.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    mapping(uint256 task => address[]) private _list;
    mapping(uint256 task => mapping(address account => Member)) private _members;

    /// @notice Deploys the registry; `admin` gets `DEFAULT_ADMIN_ROLE` (it grants `OPERATOR_ROLE` to the
    /// coordinator).
    /// @param admin Initial admin.
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IParticipantRegistry
    function add(uint256 task, address account, bytes32 datasetCommitment, bytes32 consentRef)
        external
        onlyRole(OPERATOR_ROLE)
        returns (uint256 index)
    {
        Member storage m = _members[task][account];
        if (m.active) revert ParticipantRegistryAlreadyMember(task, account);
        address[] storage list = _list[task];
        index = list.length;
        list.push(account);
        m.active = true;
        m.index = uint32(index);
        m.joinedAt = uint64(block.timestamp);
        m.datasetCommitment = datasetCommitment;
        m.consentRef = consentRef;
        emit MemberAdded(task, account, index, datasetCommitment, consentRef);
    }

    /// @inheritdoc IParticipantRegistry
    function remove(uint256 task, address account)
        external
        onlyRole(OPERATOR_ROLE)
        returns (address moved, uint256 index)
    {
        Member storage m = _members[task][account];
        if (!m.active) revert ParticipantRegistryNotMember(task, account);
        address[] storage list = _list[task];
        index = m.index;
        uint256 last = list.length - 1;
        if (index != last) {
            moved = list[last];
            list[index] = moved;
            _members[task][moved].index = uint32(index);
        }
        list.pop();
        m.active = false;
        m.index = 0;
        emit MemberRemoved(task, account, moved, index);
    }

    /// @inheritdoc IParticipantRegistry
    function recordSlash(uint256 task, address account, SlashKind kind) external onlyRole(OPERATOR_ROLE) {
        Member storage m = _members[task][account];
        if (kind == SlashKind.Absence) ++m.absences;
        else if (kind == SlashKind.DisputeLost) ++m.disputesLost;
        else ++m.faults;
        emit ReputationUpdated(task, account, m.absences, m.disputesLost, m.faults);
    }

    /// @inheritdoc IParticipantRegistry
    function member(uint256 task, address account) external view returns (Member memory) {
        return _members[task][account];
    }

    /// @inheritdoc IParticipantRegistry
    function isMember(uint256 task, address account) external view returns (bool) {
        return _members[task][account].active;
    }

    /// @inheritdoc IParticipantRegistry
    function memberCount(uint256 task) external view returns (uint256) {
        return _list[task].length;
    }

    /// @inheritdoc IParticipantRegistry
    function memberAt(uint256 task, uint256 index) external view returns (address) {
        address[] storage list = _list[task];
        uint256 n = list.length;
        if (index >= n) revert ParticipantRegistryIndexOutOfRange(task, index, n);
        return list[index];
    }
}
