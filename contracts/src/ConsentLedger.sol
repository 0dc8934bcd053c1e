// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IConsentLedger} from "./interfaces/IConsentLedger.sol";

/// @title ConsentLedger
/// @notice Data holders' consent records (written by the holders, immutable except revocation) and dataset
/// provenance (written by the coordinator).
contract ConsentLedger is AccessControl, IConsentLedger {
    /// @notice Role of the coordinator: the only provenance writer.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    mapping(address holder => mapping(bytes32 ref => Consent)) private _consents;
    /// @dev Keyed by holder first: a dataset commitment is bound to the holder that enrolled it, so copying a
    /// victim's (public) commitment neither blocks the victim nor shares its record.
    mapping(address holder => mapping(bytes32 datasetCommitment => mapping(uint256 task => Provenance))) private
        _provenance;

    /// @notice Deploys the ledger; `admin` gets `DEFAULT_ADMIN_ROLE` (it grants `OPERATOR_ROLE` to the
    /// coordinator).
    /// @param admin Initial admin.
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IConsentLedger
    function recordConsent(bytes32 ref, bytes32 consentHash, bytes32 datasetCommitment, uint64 expiresAt) external {
        if (ref == bytes32(0) || consentHash == bytes32(0) || datasetCommitment == bytes32(0)) {
            revert ConsentLedgerZeroValue();
        }
        if (expiresAt != 0 && expiresAt <= block.timestamp) {
            revert ConsentLedgerExpiryInPast(expiresAt, block.timestamp);
        }
        Consent storage c = _consents[msg.sender][ref];
        if (c.consentHash != bytes32(0)) revert ConsentLedgerRecordExists(msg.sender, ref);
        c.consentHash = consentHash;
        c.datasetCommitment = datasetCommitment;
        c.grantedAt = uint64(block.timestamp);
        c.expiresAt = expiresAt;
        emit ConsentRecorded(msg.sender, ref, consentHash, datasetCommitment, expiresAt);
    }

    /// @inheritdoc IConsentLedger
    function revokeConsent(bytes32 ref) external {
        Consent storage c = _consents[msg.sender][ref];
        if (c.consentHash == bytes32(0)) revert ConsentLedgerUnknownRecord(msg.sender, ref);
        if (c.revoked) revert ConsentLedgerAlreadyRevoked(msg.sender, ref);
        c.revoked = true;
        emit ConsentRevoked(msg.sender, ref);
    }

    /// @inheritdoc IConsentLedger
    function recordProvenance(uint256 task, address holder, bytes32 datasetCommitment)
        external
        onlyRole(OPERATOR_ROLE)
    {
        Provenance storage p = _provenance[holder][datasetCommitment][task];
        if (p.holder == holder) return;
        p.holder = holder;
        p.enrolledAt = uint64(block.timestamp);
        emit ProvenanceRecorded(task, holder, datasetCommitment);
    }

    /// @inheritdoc IConsentLedger
    function consent(address holder, bytes32 ref) external view returns (Consent memory) {
        return _consents[holder][ref];
    }

    /// @inheritdoc IConsentLedger
    function isConsentValid(address holder, bytes32 ref, bytes32 datasetCommitment) external view returns (bool) {
        Consent storage c = _consents[holder][ref];
        uint64 expiresAt = c.expiresAt;
        return c.consentHash != bytes32(0) && !c.revoked && c.datasetCommitment == datasetCommitment
            && (expiresAt == 0 || block.timestamp < expiresAt);
    }

    /// @inheritdoc IConsentLedger
    function provenance(address holder, bytes32 datasetCommitment, uint256 task)
        external
        view
        returns (Provenance memory)
    {
        return _provenance[holder][datasetCommitment][task];
    }
}
