"""Commitments published in clear in a share bundle, so that revealed secrets can be checked one by one.

* For every recipient ``j`` of member ``i``'s shares, one commitment per share kind::

      sha256("fedchain-secagg/1 share-commitment" || context || kind || i || j || y)

  where ``y`` is the share's 66-byte value. An unmask bundle reveals one kind of share per member, so each
  kind has its own commitment and a single revealed share is checked on its own.
* For the self-mask seed ``b_i``::

      sha256("fedchain-secagg/1 self-seed-commitment" || context || i || b_i)

  so a seed reconstructed from shares is checked before its mask is removed. (A reconstructed mask private
  key needs no commitment: its public key must equal the one advertised on-chain.)

The committed values are uniformly random (a share of a polynomial with random coefficients) or 256-bit
random secrets, so these hashes reveal nothing that could be tested by guessing.

Examples
--------
>>> from fedchain.privacy.secagg.kdf import RoundContext
>>> ctx = RoundContext(1, bytes(20), 1, 1)
>>> share_commitment(ctx, ShareKind.SELF_SEED, 1, 2, 5) != share_commitment(ctx, ShareKind.MASK_KEY, 1, 2, 5)
True
"""

from __future__ import annotations

import hashlib
from enum import IntEnum

from fedchain.privacy.secagg._encoding import u8, u32
from fedchain.privacy.secagg._types import MemberIndex
from fedchain.privacy.secagg.kdf import VERSION, RoundContext
from fedchain.privacy.secagg.shamir import encode_element

COMMITMENT_BYTES = 32
"""Length of a commitment (a SHA-256 digest)."""


class ShareKind(IntEnum):
    """Which secret a share belongs to; its value is the byte used in encodings and commitments."""

    SELF_SEED = 1
    """A share of the self-mask seed ``b_i``: revealed when ``i`` survives."""

    MASK_KEY = 2
    """A share of the mask private key ``mask_sk_i``: revealed when ``i`` dropped out."""


def share_commitment(
    context: RoundContext, kind: ShareKind, sender: MemberIndex, receiver: MemberIndex, share: int
) -> bytes:
    """The commitment to the share of kind ``kind`` that ``sender`` dealt to ``receiver``."""
    data = (
        VERSION
        + b" share-commitment"
        + context.digest
        + u8(int(kind))
        + u32(sender)
        + u32(receiver)
        + encode_element(share)
    )
    return hashlib.sha256(data).digest()


def self_seed_commitment(context: RoundContext, member: MemberIndex, seed: bytes) -> bytes:
    """The commitment to ``member``'s 32-byte self-mask seed."""
    return hashlib.sha256(VERSION + b" self-seed-commitment" + context.digest + u32(member) + seed).digest()


__all__ = ["COMMITMENT_BYTES", "ShareKind", "self_seed_commitment", "share_commitment"]
