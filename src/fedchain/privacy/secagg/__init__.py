"""SecAgg+ secure aggregation: only the sum of the members' updates is ever revealed.

The protocol of Bonawitz et al. (CCS 2017) over the sparse neighbour graph of Bell et al. (CCS 2020), as
pure functions over bytes and numpy arrays; the coordinator contract replaces the server's message channel
(every message is a blob whose sha256 is on-chain). Secrets are shared with Feldman's verifiable secret
sharing over secp256k1 (:mod:`~fedchain.privacy.secagg.feldman`), so a bad share is caught and its author
named. One round, for member ``i``:

1. **Advertise.** :meth:`RoundKeys.generate`; publish ``keys.public`` (``maskPk``, ``encPk``).
2. **Share.** Everyone builds the same :class:`SecAggRound` from the chain (context, seed, advertised keys;
   an advertiser of a low-order key is left out, in ``rnd.skipped``). ``i`` draws a self-mask seed ``b_i``
   (:func:`random_secret`) and publishes :func:`encode_share_bundle` of :func:`create_share_bundle`:
   Feldman commitments to two polynomials and the shares of ``b_i`` and ``mask_sk_i``, sealed for its
   neighbours.
3. **Commit / reveal.** ``i`` opens its neighbours' bundles (:func:`open_share_bundle`, which checks each
   share against its dealer's commitments), quantizes its update (:func:`quantize`) and publishes
   :func:`mask_vector` of it (:func:`encode_masked_vector`).
4. **Unmask.** The chain fixes the survivors ``S`` (the members that revealed); each survivor publishes
   :func:`build_unmask_bundle`: which kind of share it reveals depends on ``S`` only (and on which
   survivors' vectors it found provably malformed).
5. **Aggregate.** Anyone: :func:`unmask_aggregate` gives the exact sum and the members proven at fault
   (:class:`Fault`), or :class:`UnrecoverableError`; :func:`dequantize` gives the weighted mean.

Examples
--------
>>> import numpy as np
>>> members = [3, 5, 8, 13]
>>> keys = {m: RoundKeys.from_private_bytes(bytes([m]) * 32, bytes([m + 50]) * 32) for m in members}
>>> ctx = RoundContext.create(31337, "0x" + "11" * 20, task_id=1, round_number=1)
>>> rnd = SecAggRound.create(ctx, b"\\x42" * 32, {m: k.public for m, k in keys.items()})
>>> seeds = {m: bytes([m + 100]) * 32 for m in members}  # in practice random_secret()
>>> bundles = {m: create_share_bundle(rnd, m, keys[m], seeds[m]) for m in members}
>>> cfg = QuantizationConfig(clip=1.0, value_bits=16, max_weight=100)
>>> updates = {3: [0.5, -0.5], 5: [0.25, 0.0], 8: [-1.0, 1.0]}  # member 13 drops out after sharing
>>> rng = np.random.default_rng(0)
>>> masked = {
...     m: mask_vector(rnd, m, keys[m], seeds[m],
...                    quantize(np.array(x), 10, rng, n_members=len(members), config=cfg), shared=members)
...     for m, x in updates.items()
... }
>>> survivors = set(masked)  # the members that revealed, as the chain records them
>>> received = {u: [open_share_bundle(rnd, u, keys[u], bundles[v]) for v in rnd.neighbours(u)]
...             for u in survivors}
>>> unmasks = {u: build_unmask_bundle(rnd, u, received[u], survivors) for u in survivors}
>>> result = unmask_aggregate(rnd, bundles, masked, unmasks, survivors=survivors, length=3, bits=32)
>>> dict(result.faults), result.used
({}, (3, 5, 8))
>>> mean, weight = dequantize(result.total, cfg)
>>> np.round(mean, 3).tolist(), weight
([-0.083, 0.167], 30)
"""

from fedchain.exceptions import (
    DoubleRevealError,
    InvalidKeyError,
    MalformedBundleError,
    MaskedVectorError,
    MisaddressedShareError,
    SecAggError,
    ShareAuthenticationError,
    ShareMismatchError,
    SumOverflowError,
    TooFewNeighboursError,
    UnrecoverableError,
)
from fedchain.privacy.secagg.aggregate import Fault, UnmaskResult, require_recoverable, unmask_aggregate
from fedchain.privacy.secagg.bundle import (
    ReceivedShares,
    ShareBundle,
    ShareEntry,
    check_share_bundle,
    create_share_bundle,
    decode_share_bundle,
    encode_share_bundle,
    open_share_bundle,
)
from fedchain.privacy.secagg.commitments import ShareKind
from fedchain.privacy.secagg.config import (
    DEFAULT_SECAGG_CONFIG,
    SecAggConfig,
    default_degree,
    default_threshold,
)
from fedchain.privacy.secagg.graph import NeighbourGraph, neighbour_graph
from fedchain.privacy.secagg.kdf import RoundContext, hkdf_sha256
from fedchain.privacy.secagg.keys import PublicKeys, RoundKeys, x25519
from fedchain.privacy.secagg.masking import decode_masked_vector, encode_masked_vector, mask_vector
from fedchain.privacy.secagg.params import (
    DEFAULT_THREAT_MODEL,
    ThreatModel,
    exposure_bound,
    liveness_bound,
    private_threshold,
    size_parameters,
)
from fedchain.privacy.secagg.prg import add_masks, expand_mask
from fedchain.privacy.secagg.quantize import QuantizationConfig, dequantize, quantize
from fedchain.privacy.secagg.round import SecAggRound
from fedchain.privacy.secagg.shamir import random_secret
from fedchain.privacy.secagg.unmask import (
    RevealedShare,
    UnmaskBundle,
    build_unmask_bundle,
    check_unmask_bundle,
    decode_unmask_bundle,
    encode_unmask_bundle,
    reveal_kinds,
)

__all__ = [
    "DEFAULT_SECAGG_CONFIG",
    "DEFAULT_THREAT_MODEL",
    "DoubleRevealError",
    "Fault",
    "InvalidKeyError",
    "MalformedBundleError",
    "MaskedVectorError",
    "MisaddressedShareError",
    "NeighbourGraph",
    "PublicKeys",
    "QuantizationConfig",
    "ReceivedShares",
    "RevealedShare",
    "RoundContext",
    "RoundKeys",
    "SecAggConfig",
    "SecAggError",
    "SecAggRound",
    "ShareAuthenticationError",
    "ShareBundle",
    "ShareEntry",
    "ShareKind",
    "ShareMismatchError",
    "SumOverflowError",
    "ThreatModel",
    "TooFewNeighboursError",
    "UnmaskBundle",
    "UnmaskResult",
    "UnrecoverableError",
    "add_masks",
    "build_unmask_bundle",
    "check_share_bundle",
    "check_unmask_bundle",
    "create_share_bundle",
    "decode_masked_vector",
    "decode_share_bundle",
    "decode_unmask_bundle",
    "default_degree",
    "default_threshold",
    "dequantize",
    "encode_masked_vector",
    "encode_share_bundle",
    "encode_unmask_bundle",
    "expand_mask",
    "exposure_bound",
    "hkdf_sha256",
    "liveness_bound",
    "mask_vector",
    "neighbour_graph",
    "open_share_bundle",
    "private_threshold",
    "quantize",
    "random_secret",
    "require_recoverable",
    "reveal_kinds",
    "size_parameters",
    "unmask_aggregate",
    "x25519",
]
