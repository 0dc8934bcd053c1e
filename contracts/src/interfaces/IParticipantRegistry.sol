// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

/// @title IParticipantRegistry
/// @notice Per-task membership: a member list with swap-and-pop removal, each member's index, dataset commitment,
/// consent reference, join time and reputation counters. Written only by the coordinator (`OPERATOR_ROLE`).
interface IParticipantRegistry {
    /// @notice A member record.
    /// @param active Whether the account is currently a member.
    /// @param index Its index in the member list.
    /// @param joinedAt Timestamp of the (latest) join.
    /// @param absences Times slashed for an absence: a reveal not made, or a share or unmask phase skipped.
    /// @param disputesLost Times slashed for voting on the losing side.
    /// @param faults Times slashed for a proven fault (a dealing its neighbours' shares refute: `BadShares`).
    /// @param datasetCommitment Enrolled dataset.
    /// @param consentRef Consent record reference in the consent ledger.
    struct Member {
        bool active;
        uint32 index;
        uint64 joinedAt;
        uint32 absences;
        uint32 disputesLost;
        uint32 faults;
        bytes32 datasetCommitment;
        bytes32 consentRef;
    }

    /// @notice Kind of misbehaviour counted in the reputation counters.
    enum SlashKind {
        Absence,
        DisputeLost,
        Fault
    }

    /// @notice An account joined a task's member list.
    /// @param task Task id.
    /// @param account Member.
    /// @param index Its index.
    /// @param datasetCommitment Enrolled dataset.
    /// @param consentRef Consent reference.
    event MemberAdded(
        uint256 indexed task, address indexed account, uint256 index, bytes32 datasetCommitment, bytes32 consentRef
    );

    /// @notice An account left a task's member list; `moved` (if not zero) took its index.
    /// @param task Task id.
    /// @param account Removed member.
    /// @param moved Member moved into the freed index (0 if
    /// none).
    /// @param index The freed index.
    event MemberRemoved(uint256 indexed task, address indexed account, address moved, uint256 index);

    /// @notice A member's reputation counters changed.
    /// @param task Task id.
    /// @param account Member.
    /// @param absences New count.
    /// @param disputesLost New count.
    /// @param faults New count.
    event ReputationUpdated(
        uint256 indexed task, address indexed account, uint256 absences, uint256 disputesLost, uint256 faults
    );

    /// @notice The account is already a member of the task.
    /// @param task Task id.
    /// @param account Account.
    error ParticipantRegistryAlreadyMember(uint256 task, address account);

    /// @notice The account is not a member of the task.
    /// @param task Task id.
    /// @param account Account.
    error ParticipantRegistryNotMember(uint256 task, address account);

    /// @notice No member at this index.
    /// @param task Task id.
    /// @param index Index.
    /// @param count Member count.
    error ParticipantRegistryIndexOutOfRange(uint256 task, uint256 index, uint256 count);

    /// @notice Adds `account` at the end of `task`'s member list. Only `OPERATOR_ROLE`.
    /// @param task Task id.
    /// @param account New member.
    /// @param datasetCommitment Dataset.
    /// @param consentRef Consent ref.
    /// @return index The new member's index.
    function add(uint256 task, address account, bytes32 datasetCommitment, bytes32 consentRef)
        external
        returns (uint256 index);

    /// @notice Removes `account` (swap-and-pop). Only `OPERATOR_ROLE`.
    /// @param task Task id.
    /// @param account Member.
    /// @return moved The member that took the freed index (0 if the last one was removed).
    /// @return index The freed
    /// index (now `moved`'s).
    function remove(uint256 task, address account) external returns (address moved, uint256 index);

    /// @notice Increments one of `account`'s reputation counters. Only `OPERATOR_ROLE`.
    /// @param task Task id.
    /// @param account Member (current or former).
    /// @param kind Counter.
    function recordSlash(uint256 task, address account, SlashKind kind) external;

    /// @notice `account`'s record in `task` (counters persist after leaving).
    /// @param task Task id.
    /// @param account Account.
    /// @return The record.
    function member(uint256 task, address account) external view returns (Member memory);

    /// @notice Whether `account` is a member of `task`.
    /// @param task Task id.
    /// @param account Account.
    /// @return True if active.
    function isMember(uint256 task, address account) external view returns (bool);

    /// @notice Number of members of `task`.
    /// @param task Task id.
    /// @return Count.
    function memberCount(uint256 task) external view returns (uint256);

    /// @notice Member at `index` of `task`'s list.
    /// @param task Task id.
    /// @param index Index.
    /// @return The account.
    function memberAt(uint256 task, uint256 index) external view returns (address);
}
