"""Round secrets at rest: sealed in the node's state file under a key only the node's account can derive.

A SecAgg+ member must survive a restart between advertising its keys and unmasking, so its per-round mask
key, encryption key and self-mask seed go into the state file. Anyone reading them could strip that member's
masks from its public masked vector, so they are never written in clear: they are sealed with
ChaCha20-Poly1305 under ``sha256(signature)``, the account's deterministic (RFC 6979) signature over a message
naming the chain, coordinator and task. Only the holder of the account key can derive the key again; and the
sealed secrets are deleted once their round is over.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from eth_account.messages import encode_defunct

from fedchain.chain.accounts import Signer
from fedchain.node.errors import NodeStateError

_NONCE = 12


def state_key(signer: Signer, chain_id: int, coordinator: str, task: int) -> bytes:
    """The 32-byte sealing key of one node's state file (the same on every run with the same account)."""
    text = f"fedchain node state key v1: chain {chain_id} coordinator {coordinator} task {task}"
    message = encode_defunct(text=text)
    return hashlib.sha256(bytes(signer.sign_message(message).signature)).digest()


def seal(key: bytes, secret: bytes, label: str) -> str:
    """``secret`` encrypted and bound to ``label`` (e.g. ``"round 3 secagg"``), as hex for the JSON state."""
    nonce = os.urandom(_NONCE)
    return (nonce + ChaCha20Poly1305(key).encrypt(nonce, secret, label.encode())).hex()


def unseal(key: bytes, sealed: str, label: str) -> bytes:
    """The secret :func:`seal` sealed under ``key`` and ``label``.

    Raises
    ------
    NodeStateError
        If the value is not sealed under this account's key and label (another account, or tampered).
    """
    try:
        raw = bytes.fromhex(sealed)
        return ChaCha20Poly1305(key).decrypt(raw[:_NONCE], raw[_NONCE:], label.encode())
    except (ValueError, InvalidTag):
        raise NodeStateError(f"the sealed {label} secrets do not open with this account's key") from None
