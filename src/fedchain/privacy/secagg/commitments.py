"""Hash commitments to each dealt share, published in clear in a share bundle.

For every recipient ``j`` of member ``i``'s shares, one commitment per share kind::

    sha256("fedchain-secagg/1 share-commitment" || context || kind || i || j || y)

where ``y`` is the share's 32-byte value. They bind what the dealer dealt to each recipient, which the
Feldman commitments of :mod:`~fedchain.privacy.secagg.feldman` (one polynomial for all recipients) cannot:
when a revealed share is checked,

* one that fails its hash commitment was altered by the member that revealed it (evidence against it);
* one that matches its hash commitment but fails the Feldman check is what the dealer dealt, off its own
  polynomial (evidence against the dealer).

An unmask bundle reveals shares one by one, so each kind has its own commitment and each share is checked
on its own. The committed values are uniform field elements (shares of polynomials with random
coefficients), so these hashes reveal nothing that could be tested by guessing.

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
"""Length of a hash commitment (a SHA-256 digest)."""


class ShareKind(IntEnum):
    """Which secret a share belongs to; its value is the byte used in encodings and commitments."""

    SELF_SEED = 1
    """A share of the self-mask seed ``b_i``: revealed when ``i`` survives."""

    MASK_KEY = 2
    """A share of the mask private key ``mask_sk_i``: revealed when ``i`` dropped out (or, as well as the
    self-seed share, when ``i`` survived with a provably malformed masked vector)."""


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


__all__ = ["COMMITMENT_BYTES", "ShareKind", "share_commitment"]
