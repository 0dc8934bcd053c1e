// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.24;

import {Test} from "./utils/Test.sol";
import {ConsentLedger} from "../src/ConsentLedger.sol";
import {IConsentLedger} from "../src/interfaces/IConsentLedger.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

contract ConsentLedgerTest is Test {
    ConsentLedger internal ledger;
    address internal admin = address(0xAD);
    address internal op = address(0x0B);
    address internal holder = address(0x40);

    function setUp() public {
        vm.warp(1_000);
        ledger = new ConsentLedger(admin);
        bytes32 role = ledger.OPERATOR_ROLE();
        vm.prank(admin);
        ledger.grantRole(role, op);
    }

    function test_RecordConsentAndValidity() public {
        vm.expectEmit(address(ledger));
        emit IConsentLedger.ConsentRecorded(holder, "ref", "doc", "data", 2_000);
        vm.prank(holder);
        ledger.recordConsent("ref", "doc", "data", 2_000);
        IConsentLedger.Consent memory c = ledger.consent(holder, "ref");
        assertEq(c.consentHash, bytes32("doc"));
        assertEq(c.datasetCommitment, bytes32("data"));
        assertEq(c.grantedAt, 1_000);
        assertEq(c.expiresAt, 2_000);
        assertFalse(c.revoked);
        assertTrue(ledger.isConsentValid(holder, "ref", "data"));
        assertFalse(ledger.isConsentValid(holder, "ref", "other"));
        assertFalse(ledger.isConsentValid(address(1), "ref", "data"));
        vm.warp(1_999);
        assertTrue(ledger.isConsentValid(holder, "ref", "data"));
        vm.warp(2_000);
        assertFalse(ledger.isConsentValid(holder, "ref", "data"), "expired at expiresAt");
    }

    function test_NoExpiry() public {
        vm.prank(holder);
        ledger.recordConsent("ref", "doc", "data", 0);
        vm.warp(type(uint64).max);
        assertTrue(ledger.isConsentValid(holder, "ref", "data"));
    }

    function test_RevokeConsent() public {
        vm.startPrank(holder);
        ledger.recordConsent("ref", "doc", "data", 0);
        vm.expectEmit(address(ledger));
        emit IConsentLedger.ConsentRevoked(holder, "ref");
        ledger.revokeConsent("ref");
        assertFalse(ledger.isConsentValid(holder, "ref", "data"));
        vm.expectRevert(
            abi.encodeWithSelector(IConsentLedger.ConsentLedgerAlreadyRevoked.selector, holder, bytes32("ref"))
        );
        ledger.revokeConsent("ref");
        vm.expectRevert(
            abi.encodeWithSelector(IConsentLedger.ConsentLedgerUnknownRecord.selector, holder, bytes32("nope"))
        );
        ledger.revokeConsent("nope");
        vm.expectRevert(
            abi.encodeWithSelector(IConsentLedger.ConsentLedgerRecordExists.selector, holder, bytes32("ref"))
        );
        ledger.recordConsent("ref", "doc2", "data", 0);
        vm.stopPrank();
        assertTrue(ledger.consent(holder, "ref").revoked);
    }

    function test_RevertWhen_RecordConsentInvalid() public {
        vm.startPrank(holder);
        vm.expectRevert(IConsentLedger.ConsentLedgerZeroValue.selector);
        ledger.recordConsent(0, "doc", "data", 0);
        vm.expectRevert(IConsentLedger.ConsentLedgerZeroValue.selector);
        ledger.recordConsent("ref", 0, "data", 0);
        vm.expectRevert(IConsentLedger.ConsentLedgerZeroValue.selector);
        ledger.recordConsent("ref", "doc", 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IConsentLedger.ConsentLedgerExpiryInPast.selector, uint64(1_000), 1_000));
        ledger.recordConsent("ref", "doc", "data", 1_000);
        vm.stopPrank();
        assertEq(ledger.consent(holder, "ref").consentHash, bytes32(0));
    }

    function test_Provenance() public {
        vm.startPrank(op);
        vm.expectEmit(address(ledger));
        emit IConsentLedger.ProvenanceRecorded(1, holder, "data");
        ledger.recordProvenance(1, holder, "data");
        vm.warp(5_000);
        ledger.recordProvenance(1, holder, "data"); // idempotent, keeps the first time
        ledger.recordProvenance(2, address(0x41), "data"); // another task: fine
        vm.warp(6_000);
        ledger.recordProvenance(1, address(0x41), "data"); // another holder: its own record, the first kept
        vm.stopPrank();
        IConsentLedger.Provenance memory p = ledger.provenance(holder, "data", 1);
        assertEq(p.holder, holder);
        assertEq(p.enrolledAt, 1_000);
        assertEq(ledger.provenance(address(0x41), "data", 1).enrolledAt, 6_000);
        assertEq(ledger.provenance(address(0x41), "data", 2).holder, address(0x41));
        assertEq(ledger.provenance(holder, "data", 2).holder, address(0));
        assertEq(ledger.provenance(holder, "data", 3).holder, address(0));
    }

    function test_RevertWhen_ProvenanceByNonOperator() public {
        bytes32 role = ledger.OPERATOR_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, holder, role));
        vm.prank(holder);
        ledger.recordProvenance(1, holder, "data");
    }

    function testFuzz_ValidityMatchesExpiry(uint64 expiresAt, uint64 nowTs) public {
        vm.assume(expiresAt > 1_000);
        vm.prank(holder);
        ledger.recordConsent("ref", "doc", "data", expiresAt);
        vm.warp(nowTs);
        assertEq(ledger.isConsentValid(holder, "ref", "data"), nowTs < expiresAt);
    }
}
