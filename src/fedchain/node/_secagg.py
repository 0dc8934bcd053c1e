"""SecAgg+ rounds over the chain: what anyone derives from public data, and a member's own four steps.

The coordinator is the protocol's message board. Every message is a blob whose sha256 is in an event:

=================  ==========================  =============================================================
phase              event                       blob
=================  ==========================  =============================================================
AdvertiseKeys      ``KeysAdvertised``          none: the two X25519 public keys are the event's arguments
ShareKeys          ``KeysShared``              the member's share bundle (sealed Shamir shares, commitments)
Commit / Reveal    ``UpdateRevealed``          the masked vector (the member's quantized, weighted update)
Unmask             ``SharesUnmasked``          the survivor's unmask bundle (one share per neighbour)
=================  ==========================  =============================================================

A member's id in the protocol is its position among the round's ``KeysAdvertised`` events (chain order), so
ids never change after the fact. The survivors ``S`` are the revealers whose masked vector is available and
well-formed: every party computes the same set from public data before anyone unmasks, so no member ever has
both kinds of share published. Rewards go to the survivors whose unmask bundle checks out, equally: only the
total weight is revealed, so there is no per-member weight or alignment to pay by.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from eth_typing import ChecksumAddress

from fedchain.chain.bindings.coordinator import ExclusionReason, UpdateRevealedEvent
from fedchain.chain.client import Fedchain
from fedchain.codec import ModelSpec
from fedchain.exceptions import (
    BlobIntegrityError,
    BlobNotFoundError,
    BlobTooLargeError,
    ConfigError,
    InvalidLocatorError,
    SecAggError,
)
from fedchain.fl.strategies import Params
from fedchain.privacy.secagg import (
    PublicKeys,
    RoundContext,
    SecAggRound,
    ShareBundle,
    UnmaskBundle,
    check_share_bundle,
    check_unmask_bundle,
    decode_masked_vector,
    decode_share_bundle,
    decode_unmask_bundle,
    dequantize,
    require_recoverable,
    unmask_aggregate,
)
from fedchain.storage import BlobStore
from fedchain.taskspec import SecAggSpec, fetch_task_spec

Words = np.ndarray


def task_secagg_spec(fc: Fedchain, store: BlobStore, task: int) -> SecAggSpec:
    """The protocol parameters of a ``secagg`` task, from its task spec.

    Raises
    ------
    ConfigError
        If the task spec has no ``secagg`` section.
    """
    spec = fetch_task_spec(store, fc.coordinator.task(task).spec_hash)
    if spec.secagg is None:
        raise ConfigError(f"task {task} runs in secagg mode but its task spec has no secagg section")
    return spec.secagg


def round_context(fc: Fedchain, task: int, round_number: int) -> RoundContext:
    return RoundContext.create(fc.deployment.chain_id, fc.coordinator.address, task, round_number)


@dataclass(frozen=True)
class SecAggPublic:
    """What the chain and the store say about a SecAgg+ round, checked: the same for every honest party."""

    rnd: SecAggRound
    ids: dict[ChecksumAddress, int]
    share_bundles: dict[int, ShareBundle]
    length: int  # parameters + 1 (the weight)
    bits: int  # word size of the masked vectors
    spec: SecAggSpec

    def address(self, member: int) -> ChecksumAddress:
        return next(a for a, i in self.ids.items() if i == member)


def _fetch(store: BlobStore, locator: str, digest: bytes) -> bytes | None:
    """The blob, or ``None`` if it is missing, altered or unresolvable (such a message counts as not sent)."""
    try:
        return store.get_by_locator(locator, digest)
    except (BlobNotFoundError, BlobIntegrityError, BlobTooLargeError, InvalidLocatorError):
        return None


def load_public(
    fc: Fedchain, store: BlobStore, model: ModelSpec, task: int, round_number: int
) -> SecAggPublic:
    """The round's advertised keys, neighbour graph and valid share bundles.

    A share bundle that is missing, malformed, from someone else or not built for this round is ignored: its
    sender counts as not having shared (its neighbours then leave it out of their masks).

    Raises
    ------
    ConfigError
        If fewer than two members advertised keys, or the task spec has no ``secagg`` section.
    """
    from fedchain.node._derive import round_events  # the plain derivation module imports this one

    spec = task_secagg_spec(fc, store, task)
    rnd_chain = fc.coordinator.round(task, round_number)
    ids: dict[ChecksumAddress, int] = {}
    keys: dict[int, PublicKeys] = {}
    for event in round_events(fc, "KeysAdvertised", task, round_number):
        ids[event.member] = len(ids)
        keys[ids[event.member]] = PublicKeys(bytes(event.mask_pk), bytes(event.enc_pk))
    context = round_context(fc, task, round_number)
    rnd = SecAggRound.create(context, bytes(rnd_chain.seed), keys, spec.config())
    bundles: dict[int, ShareBundle] = {}
    for event in round_events(fc, "KeysShared", task, round_number):
        blob = _fetch(store, event.locator, bytes(event.shares_hash))
        if blob is None or event.member not in ids:
            continue
        try:
            bundle = decode_share_bundle(blob)
            if bundle.sender != ids[event.member]:
                continue
            check_share_bundle(rnd, bundle)
        except (SecAggError, ConfigError):
            continue
        bundles[bundle.sender] = bundle
    bits = spec.quantization().modulus_bits(len(ids))
    return SecAggPublic(rnd, ids, bundles, model.num_params + 1, bits, spec)


def masked_vectors(
    pub: SecAggPublic, store: BlobStore, revealed: list[UpdateRevealedEvent]
) -> tuple[dict[int, Words], dict[ChecksumAddress, ExclusionReason]]:
    """The survivors' masked vectors, and the revealers refused with their reason.

    A revealer whose vector is missing, altered, malformed or of the wrong length, or who shared no valid
    bundle, is not a survivor: its masks are removed like a dropout's.
    """
    masked: dict[int, Words] = {}
    refused: dict[ChecksumAddress, ExclusionReason] = {}
    for event in revealed:
        member = pub.ids.get(event.member)
        if member is None or member not in pub.share_bundles:
            refused[event.member] = ExclusionReason.OTHER
            continue
        try:
            blob = store.get_by_locator(event.locator, event.update_hash)
        except (BlobNotFoundError, InvalidLocatorError):
            refused[event.member] = ExclusionReason.MISSING_BLOB
            continue
        except BlobIntegrityError:
            refused[event.member] = ExclusionReason.HASH_MISMATCH
            continue
        except BlobTooLargeError:
            refused[event.member] = ExclusionReason.BAD_SHAPE
            continue
        try:
            masked[member] = decode_masked_vector(
                blob, pub.rnd.context, member, length=pub.length, bits=pub.bits
            )
        except SecAggError:
            refused[event.member] = ExclusionReason.BAD_SHAPE
    return masked, refused


def unmask_bundles(
    fc: Fedchain, store: BlobStore, pub: SecAggPublic, task: int, round_number: int, survivors: set[int]
) -> dict[int, UnmaskBundle]:
    """The survivors' unmask bundles that check out; a bad one is dropped (its publisher is not paid)."""
    from fedchain.node._derive import round_events

    good: dict[int, UnmaskBundle] = {}
    for event in round_events(fc, "SharesUnmasked", task, round_number):
        member = pub.ids.get(event.member)
        blob = _fetch(store, event.locator, bytes(event.shares_hash))
        if member not in survivors or blob is None:
            continue
        try:
            bundle = decode_unmask_bundle(blob)
            if bundle.publisher != member:
                continue
            check_unmask_bundle(pub.rnd, bundle, pub.share_bundles, survivors)
        except (SecAggError, ConfigError):
            continue
        good[member] = bundle
    return good


@dataclass(frozen=True)
class SecAggSum:
    """The unmasked result of a round: the weighted mean update and the publishers that made it possible."""

    mean_delta: np.ndarray  # float64, one entry per model parameter
    total_weight: int
    publishers: tuple[int, ...]
    total: Words  # the unmasked sum of the survivors' quantized, weighted vectors (mod 2**bits)


def unmask_round(
    fc: Fedchain, store: BlobStore, pub: SecAggPublic, task: int, round_number: int, masked: dict[int, Words]
) -> SecAggSum:
    """Reconstruct the masks and return the survivors' weighted mean update.

    Raises
    ------
    TooFewNeighboursError
        If some secret has fewer than ``t`` shares among the valid unmask bundles: the round cannot complete
        and aborts at its aggregate deadline (nobody is slashed for it).
    """
    survivors = set(masked)
    bundles = unmask_bundles(fc, store, pub, task, round_number, survivors)
    require_recoverable(pub.rnd, set(pub.share_bundles), survivors, set(bundles))
    total = unmask_aggregate(pub.rnd, pub.share_bundles, masked, bundles, length=pub.length, bits=pub.bits)
    mean, weight = dequantize(total, pub.spec.quantization())
    return SecAggSum(mean, weight, tuple(sorted(bundles)), total)


def apply_mean_delta(base: Params, model: ModelSpec, mean_delta: np.ndarray) -> Params:
    """``base + mean_delta``, tensor by tensor in the spec's order, in each tensor's dtype."""
    out: Params = {}
    offset = 0
    for tensor in model.tensors:
        size = tensor.num_params
        step = mean_delta[offset : offset + size].reshape(tensor.shape)
        out[tensor.name] = (np.asarray(base[tensor.name], np.float64) + step).astype(tensor.dtype)
        offset += size
    return out


__all__ = [
    "SecAggPublic",
    "SecAggSum",
    "apply_mean_delta",
    "load_public",
    "masked_vectors",
    "round_context",
    "task_secagg_spec",
    "unmask_round",
]
