"""Key derivation: HKDF-SHA256 (RFC 5869) under a round context binding chain, coordinator, task and round.

Every key and seed of a round comes out of :func:`derive_key`: HKDF with the digest of the
:class:`RoundContext` as salt and an ``info`` naming the purpose (a fixed label) and the members the key
belongs to, each as a fixed-width field. Keys of one round, task, coordinator or chain are therefore
unrelated to those of any other even if a key pair or self-mask seed were reused, and no two purposes (mask
expansion, share encryption) ever share a key.

Examples
--------
>>> ctx = RoundContext.create(31337, "0x" + "ab" * 20, task_id=1, round_number=2)
>>> ctx.digest.hex()[:16], len(derive_key(ctx, LABEL_SELF_MASK, bytes(32), b"\\x00\\x00\\x00\\x07"))
('f24c6046c78fbe55', 32)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fedchain.exceptions import ConfigError
from fedchain.privacy.secagg._encoding import check_bytes, u256

VERSION: Final = b"fedchain-secagg/1"
"""Protocol name and version: the prefix of every label, commitment and encoding of this package."""

LABEL_PAIRWISE_MASK: Final = b"pairwise-mask"
"""``info`` label of a pairwise mask seed ``s_ij``."""

LABEL_SELF_MASK: Final = b"self-mask"
"""``info`` label of the key expanding a self-mask seed ``b_i``."""

LABEL_SHARE_ENCRYPTION: Final = b"share-encryption"
"""``info`` label of the key encrypting the shares from one member to another."""

_UINT256: Final = 2**256


@dataclass(frozen=True, slots=True)
class RoundContext:
    """Which round of which task on which chain: bound into every key, ciphertext and commitment.

    Parameters
    ----------
    chain_id
        The EIP-155 chain id.
    coordinator
        The coordinator contract's 20-byte address.
    task_id
        The task's id in the coordinator.
    round_number
        The round number in the task.

    Raises
    ------
    ConfigError
        A value that is not an int in ``[0, 2**256)`` or an address that is not 20 bytes.
    """

    chain_id: int
    coordinator: bytes
    task_id: int
    round_number: int

    def __post_init__(self) -> None:
        for name in ("chain_id", "task_id", "round_number"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value < _UINT256:
                raise ConfigError(f"{name} must be an int in [0, 2**256), not {value!r}")
        check_bytes(self.coordinator, 20, "coordinator")

    @classmethod
    def create(cls, chain_id: int, coordinator: str | bytes, task_id: int, round_number: int) -> RoundContext:
        """Build a context from an address given as ``0x``-prefixed hex (any case) or as 20 bytes.

        Examples
        --------
        >>> RoundContext.create(1, "0x" + "00" * 19 + "01", 3, 4).coordinator.hex()
        '0000000000000000000000000000000000000001'
        """
        if isinstance(coordinator, str):
            text = coordinator[2:] if coordinator[:2] in ("0x", "0X") else coordinator
            try:
                address = bytes.fromhex(text)
            except ValueError:
                raise ConfigError(f"coordinator {coordinator!r} is not a hex address") from None
        else:
            address = bytes(coordinator)
        return cls(chain_id, address, task_id, round_number)

    def encode(self) -> bytes:
        """The canonical bytes: version, then chain id, address, task and round as fixed-width fields."""
        return (
            VERSION
            + b" context"
            + u256(self.chain_id)
            + self.coordinator
            + u256(self.task_id)
            + u256(self.round_number)
        )

    @property
    def digest(self) -> bytes:
        """``sha256(encode())``: the 32 bytes bound into keys, ciphertexts, commitments and encodings."""
        return hashlib.sha256(self.encode()).digest()


def hkdf_sha256(ikm: bytes, salt: bytes | None, info: bytes, length: int = 32) -> bytes:
    """HKDF with SHA-256 (RFC 5869): extract with ``salt`` (``None``: 32 zero bytes), expand with ``info``.

    Parameters
    ----------
    ikm
        Input keying material.
    salt
        The extract salt; ``None`` and ``b""`` both mean the RFC's default of ``HashLen`` zero bytes.
    info
        Context and application specific information.
    length
        Output length in bytes, ``1 <= length <= 255 * 32``.

    Returns
    -------
    bytes
        ``length`` bytes of output keying material.

    Examples
    --------
    >>> hkdf_sha256(b"\\x0b" * 22, b"", b"", 42).hex()[:16]  # RFC 5869 test case 3
    '8da4e775a563c18f'
    """
    if type(length) is not int or not 1 <= length <= 255 * 32:
        raise ConfigError(f"HKDF-SHA256 output length must be in [1, 8160], not {length!r}")
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt or None, info=info).derive(bytes(ikm))


def derive_key(context: RoundContext, label: bytes, ikm: bytes, *parts: bytes) -> bytes:
    """A 32-byte key for one purpose of one round: ``HKDF(ikm, salt=context.digest, info=label || parts)``.

    Parameters
    ----------
    context
        The round.
    label
        The purpose, one of the ``LABEL_*`` constants.
    ikm
        The secret input (a Diffie-Hellman output or a seed).
    parts
        Fixed-width fields naming whose key it is (member indices, public keys), in a fixed order.

    Returns
    -------
    bytes
        32 bytes.

    Examples
    --------
    >>> ctx = RoundContext(1, bytes(20), 1, 1)
    >>> derive_key(ctx, LABEL_SELF_MASK, b"k" * 32) == derive_key(RoundContext(1, bytes(20), 1, 2),
    ...                                                          LABEL_SELF_MASK, b"k" * 32)
    False
    """
    info = VERSION + b" " + label + b"\x00" + b"".join(parts)
    return hkdf_sha256(ikm, context.digest, info, 32)


__all__ = [
    "LABEL_PAIRWISE_MASK",
    "LABEL_SELF_MASK",
    "LABEL_SHARE_ENCRYPTION",
    "VERSION",
    "RoundContext",
    "derive_key",
    "hkdf_sha256",
]
