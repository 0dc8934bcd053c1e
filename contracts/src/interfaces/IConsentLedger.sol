// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

/// @title IConsentLedger
/// @notice Data holders' consent records and dataset provenance. A holder writes its own records (immutable once
/// written, except revocation); the coordinator (`OPERATOR_ROLE`) records which dataset commitment was enrolled in
/// which task, by whom.
interface IConsentLedger {
    /// @notice A consent record.
    /// @param consentHash Hash of the consent document.
    /// @param datasetCommitment Commitment to the dataset covered.
    /// @param grantedAt When it was recorded.
    /// @param expiresAt Expiry timestamp (0 = no expiry); valid while
    /// `block.timestamp < expiresAt`.
    /// @param revoked Whether the holder revoked it.
    struct Consent {
        bytes32 consentHash;
        bytes32 datasetCommitment;
        uint64 grantedAt;
        uint64 expiresAt;
        bool revoked;
    }

    /// @notice Provenance of a dataset commitment in a task.
    /// @param holder Who enrolled it (0 if never).
    /// @param enrolledAt When it was first enrolled.
    struct Provenance {
        address holder;
        uint64 enrolledAt;
    }

    /// @notice A holder recorded a consent.
    /// @param holder Data holder.
    /// @param ref Record reference.
    /// @param consentHash Consent document hash.
    /// @param datasetCommitment Dataset covered.
    /// @param expiresAt Expiry (0 = none).
    event ConsentRecorded(
        address indexed holder, bytes32 indexed ref, bytes32 consentHash, bytes32 datasetCommitment, uint64 expiresAt
    );

    /// @notice A holder revoked a consent.
    /// @param holder Data holder.
    /// @param ref Record reference.
    event ConsentRevoked(address indexed holder, bytes32 indexed ref);

    /// @notice A dataset commitment was enrolled in a task.
    /// @param task Task id.
    /// @param holder Data holder.
    /// @param datasetCommitment Dataset enrolled.
    event ProvenanceRecorded(uint256 indexed task, address indexed holder, bytes32 indexed datasetCommitment);

    /// @notice A record with this reference already exists for the holder.
    /// @param holder Data holder.
    /// @param ref Record reference.
    error ConsentLedgerRecordExists(address holder, bytes32 ref);

    /// @notice No record with this reference for the holder.
    /// @param holder Data holder.
    /// @param ref Record reference.
    error ConsentLedgerUnknownRecord(address holder, bytes32 ref);

    /// @notice The record is already revoked.
    /// @param holder Data holder.
    /// @param ref Record reference.
    error ConsentLedgerAlreadyRevoked(address holder, bytes32 ref);

    /// @notice A zero reference, consent hash or dataset commitment was given.
    error ConsentLedgerZeroValue();

    /// @notice The expiry is not in the future.
    /// @param expiresAt Given expiry.
    /// @param nowTs Current block timestamp.
    error ConsentLedgerExpiryInPast(uint64 expiresAt, uint256 nowTs);

    /// @notice Records a consent of the caller under `ref`.
    /// @param ref Record reference (non-zero, unused by the caller).
    /// @param consentHash Consent document hash
    /// (non-zero).
    /// @param datasetCommitment Dataset covered (non-zero).
    /// @param expiresAt Expiry timestamp, 0 = none.
    function recordConsent(bytes32 ref, bytes32 consentHash, bytes32 datasetCommitment, uint64 expiresAt) external;

    /// @notice Revokes the caller's consent `ref`. Members enrolled under it may then be evicted between rounds.
    /// @param ref Record reference.
    function revokeConsent(bytes32 ref) external;

    /// @notice Records that `holder` enrolled `datasetCommitment` in `task`. Only `OPERATOR_ROLE`. Idempotent.
    /// A commitment is bound to its holder: another holder enrolling the same value gets its own record and
    /// never blocks the first (dataset commitments are public, so a first-come rule would let anyone squat).
    /// @param task Task id.
    /// @param holder Data holder.
    /// @param datasetCommitment Dataset.
    function recordProvenance(uint256 task, address holder, bytes32 datasetCommitment) external;

    /// @notice The consent record `(holder, ref)` (all zero if none).
    /// @param holder Data holder.
    /// @param ref Record reference.
    /// @return The record.
    function consent(address holder, bytes32 ref) external view returns (Consent memory);

    /// @notice Whether `(holder, ref)` exists, is not revoked, has not expired and covers `datasetCommitment`.
    /// @param holder Data holder.
    /// @param ref Record reference.
    /// @param datasetCommitment Dataset expected.
    /// @return True if valid.
    function isConsentValid(address holder, bytes32 ref, bytes32 datasetCommitment) external view returns (bool);

    /// @notice Whether and when `holder` enrolled `datasetCommitment` in `task`.
    /// @param holder Data holder.
    /// @param datasetCommitment Dataset.
    /// @param task Task id.
    /// @return The provenance record (holder 0 if never enrolled).
    function provenance(address holder, bytes32 datasetCommitment, uint256 task)
        external
        view
        returns (Provenance memory);
}
