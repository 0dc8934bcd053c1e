"""The state key that seals round secrets comes from the account key by HKDF, never from a signature.

Finding (issue 9): the key was ``sha256`` of the account's signature over a fixed text, so any wallet or dapp
that asked the user to sign that text learnt it, and with it every sealed mask secret in the state file.
"""

from __future__ import annotations

import hashlib

import pytest
from eth_account.messages import encode_defunct
from node_federation import Federation

from fedchain.chain.accounts import Signer
from fedchain.exceptions import AccountError
from fedchain.node import NodeStateError, Participant, _secagg_member
from fedchain.node._secrets import (
    SEALED_PREFIX,
    legacy_state_key,
    open_sealed,
    seal,
    state_key,
    state_key_info,
    unseal,
)

COORDINATOR = "0x" + "ab" * 20
OLD_TEXT = f"fedchain node state key v1: chain 31337 coordinator {COORDINATOR} task 1"


def _signatures(signer: Signer, text: str) -> list[bytes]:
    """What a wallet hands a dapp that asks the account to sign ``text``: the signature and its parts."""
    signature = bytes(signer.sign_message(encode_defunct(text=text)).signature)
    return [signature, signature[:32], signature[32:64], hashlib.sha256(signature).digest()]


def test_the_state_key_is_no_function_of_a_signature_a_dapp_could_request() -> None:
    signer = Signer.generate()
    key = state_key(signer, 31337, COORDINATOR, 1)
    assert len(key) == 32
    assert key != hashlib.sha256(_signatures(signer, OLD_TEXT)[0]).digest()  # the old v1 key
    assert key == signer.derive_key(state_key_info(31337, COORDINATOR, 1))
    info = state_key_info(31337, COORDINATOR, 1).decode()
    for text in (OLD_TEXT, info):  # a signature over the old text, or over the HKDF info itself
        for value in _signatures(signer, text):
            assert key != value and key not in value


def test_the_state_key_is_stable_per_account_and_context_and_differs_across_contexts() -> None:
    raw = bytes(range(1, 33))
    key = state_key(Signer.from_key(raw), 31337, COORDINATOR, 1)
    assert state_key(Signer.from_key(raw), 31337, COORDINATOR, 1) == key  # another run, the same key
    assert state_key(Signer.from_key(raw), 31337, COORDINATOR.upper().replace("0X", "0x"), 1) == key
    others = {
        state_key(Signer.from_key(raw), 31337, COORDINATOR, 2),  # another task
        state_key(Signer.from_key(raw), 1, COORDINATOR, 1),  # another chain
        state_key(Signer.from_key(raw), 31337, "0x" + "cd" * 20, 1),  # another coordinator
        state_key(Signer.generate(), 31337, COORDINATOR, 1),  # another account
    }
    assert key not in others and len(others) == 4


def test_derive_key_needs_a_purpose_and_never_shows_the_private_key() -> None:
    signer = Signer.from_key(bytes(range(1, 33)))
    with pytest.raises(AccountError):
        signer.derive_key(b"")
    with pytest.raises(AccountError):
        signer.derive_key(b"purpose", length=8)
    assert bytes(range(1, 33)) not in signer.derive_key(b"purpose", length=64)


def test_a_secret_sealed_under_one_account_does_not_open_under_another() -> None:
    alice, mallory = Signer.generate(), Signer.generate()
    sealed = seal(state_key(alice, 31337, COORDINATOR, 1), b"mask key", "round 1 secagg")
    assert sealed.startswith(SEALED_PREFIX)
    assert unseal(state_key(alice, 31337, COORDINATOR, 1), sealed, "round 1 secagg") == b"mask key"
    with pytest.raises(NodeStateError, match="do not open with this account's key"):
        unseal(state_key(mallory, 31337, COORDINATOR, 1), sealed, "round 1 secagg")
    with pytest.raises(NodeStateError, match="do not open with this account's key"):
        open_sealed(mallory, 31337, COORDINATOR, 1, sealed, "round 1 secagg")
    with pytest.raises(NodeStateError, match="do not open with this account's key"):
        unseal(state_key(alice, 31337, COORDINATOR, 1), sealed, "round 2 secagg")  # bound to its label


def test_a_value_sealed_under_the_old_v1_key_is_migrated_to_v2() -> None:
    signer = Signer.generate()
    legacy = legacy_state_key(signer, 31337, COORDINATOR, 1)
    assert legacy == hashlib.sha256(_signatures(signer, OLD_TEXT)[0]).digest()
    old = seal(legacy, b"self-mask seed", "round 1 secagg").removeprefix(SEALED_PREFIX)  # v1: bare hex
    with pytest.raises(NodeStateError, match="not in the current"):
        unseal(state_key(signer, 31337, COORDINATOR, 1), old, "round 1 secagg")
    secret, resealed = open_sealed(signer, 31337, COORDINATOR, 1, old, "round 1 secagg")
    assert secret == b"self-mask seed" and resealed is not None and resealed.startswith(SEALED_PREFIX)
    assert unseal(state_key(signer, 31337, COORDINATOR, 1), resealed, "round 1 secagg") == secret
    assert open_sealed(signer, 31337, COORDINATOR, 1, resealed, "round 1 secagg") == (secret, None)
    with pytest.raises(NodeStateError, match="do not open with this account's key"):
        open_sealed(Signer.generate(), 31337, COORDINATOR, 1, old, "round 1 secagg")


def test_a_member_reads_its_v1_sealed_round_secrets_and_rewrites_them_under_v2(
    federation: Federation,
) -> None:
    """A node upgraded mid-round: its state file holds secrets an older node sealed under the v1 key."""
    f = federation
    p: Participant = f.participant(0)
    assert p.fc.signer is not None
    chain_id, coordinator = p.fc.deployment.chain_id, p.fc.coordinator.address
    raw = (
        b'{"maskSk": "'
        + b"11" * 32
        + b'", "encSk": "'
        + b"22" * 32
        + b'", "selfSeed": "'
        + b"33" * 32
        + b'"}'
    )
    legacy = legacy_state_key(p.fc.signer, chain_id, coordinator, p.task)
    p.state.rounds()["1"] = {"sealed": seal(legacy, raw, "round 1 secagg").removeprefix(SEALED_PREFIX)}
    p.state.save()
    reborn = f.participant(0)
    keys, seed = _secagg_member._secrets(reborn, 1)
    assert seed == bytes.fromhex("33" * 32) and keys.mask_sk == bytes.fromhex("11" * 32)
    migrated = f.participant(0).state.rounds()["1"]["sealed"]
    assert migrated.startswith(SEALED_PREFIX)  # re-sealed under v2 and saved
    key = state_key(p.fc.signer, chain_id, coordinator, p.task)
    assert unseal(key, migrated, "round 1 secagg") == raw
