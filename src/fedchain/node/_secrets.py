"""Round secrets at rest: sealed in the node's state file under a key only the node's account can derive.

A SecAgg+ member must survive a restart between advertising its keys and unmasking, so its per-round mask
key, encryption key and self-mask seed go into the state file. Anyone reading them could strip that member's
masks from its public masked vector, so they are never written in clear: they are sealed with
ChaCha20-Poly1305 under the node's *state key*, and deleted once their round is over.

State key, format v2 (this version)
    ``HKDF-SHA256(account private key, info = "fedchain node state key v2 | chain .. | coordinator .. | task
    ..")`` (:meth:`fedchain.chain.accounts.Signer.derive_key`). Only the holder of the account key can derive
    it, and no signature reveals it. A sealed value is written ``"v2:" + hex(nonce || ciphertext)``.

State key, format v1 (older nodes)
    ``sha256`` of the account's (deterministic, RFC 6979) signature over the text ``"fedchain node state key
    v1: chain .. coordinator .. task .."``. A wallet or dapp that asked the user to sign that text would have
    learnt the key, so v1 is no longer written. A v1 value (bare hex, no prefix) is **migrated**: it is opened
    once with the v1 key and re-sealed under v2 (:func:`open_sealed` returns the new value; the caller saves
    it). Re-sealing does not undo an earlier exposure of the v1 key, but v1 secrets only exist for rounds in
    progress at the upgrade, and are deleted with their round.
"""

from __future__ import annotations

import hashlib
import os
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from eth_account.messages import encode_defunct

from fedchain.chain.accounts import Signer
from fedchain.node.errors import NodeStateError

_NONCE = 12
SEALED_PREFIX: Final = "v2:"
"""How a sealed value of the current format (v2) starts; a v1 value is bare hex."""


def state_key_info(chain_id: int, coordinator: str, task: int) -> bytes:
    """The HKDF ``info`` of a node's state key: its purpose, format version, chain, coordinator and task."""
    text = f"fedchain node state key v2 | chain {chain_id} | coordinator {coordinator.lower()} | task {task}"
    return text.encode()


def state_key(signer: Signer, chain_id: int, coordinator: str, task: int) -> bytes:
    """The 32-byte sealing key (v2) of one node's state file (the same on every run with the same account)."""
    return signer.derive_key(state_key_info(chain_id, coordinator, task))


def legacy_state_key(signer: Signer, chain_id: int, coordinator: str, task: int) -> bytes:
    """The v1 sealing key, only to open (and migrate) values older nodes sealed with it."""
    text = f"fedchain node state key v1: chain {chain_id} coordinator {coordinator} task {task}"
    return hashlib.sha256(bytes(signer.sign_message(encode_defunct(text=text)).signature)).digest()


def seal(key: bytes, secret: bytes, label: str) -> str:
    """``secret`` encrypted and bound to ``label`` (e.g. ``"round 3 secagg"``), as ``"v2:<hex>"`` for the JSON
    state."""
    nonce = os.urandom(_NONCE)
    return SEALED_PREFIX + (nonce + ChaCha20Poly1305(key).encrypt(nonce, secret, label.encode())).hex()


def unseal(key: bytes, sealed: str, label: str) -> bytes:
    """The secret :func:`seal` sealed under ``key`` and ``label`` (a v2 value).

    Raises
    ------
    NodeStateError
        If the value is not a v2 value sealed under this key and label (another account, or tampered).
    """
    if not isinstance(sealed, str) or not sealed.startswith(SEALED_PREFIX):
        raise NodeStateError(f"the sealed {label} secrets are not in the current (v2) format")
    return _open(key, sealed.removeprefix(SEALED_PREFIX), label)


def open_sealed(
    signer: Signer, chain_id: int, coordinator: str, task: int, sealed: str, label: str
) -> tuple[bytes, str | None]:
    """Open a sealed value of either format: ``(secret, resealed)``.

    ``resealed`` is ``None`` for a v2 value; for a v1 value it is the secret sealed again under the v2 key,
    which the caller writes back in place of the old value (the migration).

    Raises
    ------
    NodeStateError
        If the value opens with neither of this account's keys (another account's file, or tampered).
    """
    if not isinstance(sealed, str):
        raise NodeStateError(f"the sealed {label} secrets are not a string")
    key = state_key(signer, chain_id, coordinator, task)
    if sealed.startswith(SEALED_PREFIX):
        return unseal(key, sealed, label), None
    secret = _open(legacy_state_key(signer, chain_id, coordinator, task), sealed, label)
    return secret, seal(key, secret, label)


def _open(key: bytes, body: str, label: str) -> bytes:
    try:
        raw = bytes.fromhex(body)
        return ChaCha20Poly1305(key).decrypt(raw[:_NONCE], raw[_NONCE:], label.encode())
    except (ValueError, InvalidTag):
        raise NodeStateError(f"the sealed {label} secrets do not open with this account's key") from None
