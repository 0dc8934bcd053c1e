"""SecAgg+ rounds over the chain: what anyone derives from public data.

The coordinator is the protocol's message board. Every message is a blob whose sha256 is in an event:

=================  ==========================  =============================================================
phase              event                       blob
=================  ==========================  =============================================================
AdvertiseKeys      ``KeysAdvertised``          none: the two X25519 public keys are the event's arguments
ShareKeys          ``KeysShared``              the member's share bundle (sealed Shamir shares, Feldman
                                               commitments, per-share hash commitments)
Commit / Reveal    ``UpdateRevealed``          the masked vector (the member's quantized, weighted update)
Unmask             ``SharesUnmasked``          the survivor's unmask bundle (its neighbours' shares)
=================  ==========================  =============================================================

Who is who, and who dropped, is a function of on-chain data only, so no store operator or aggregator can make
two honest members reveal different kinds of share for one member (Bonawitz et al.'s consistency):

* a member's protocol id is its cohort position, emitted with its keys (fixed when the round opened);
* the graph is keyed by the round's graph seed, drawn from the hash of the block that closed the advertise
  phase (unknown to every advertiser);
* ``U2``, the members every member masks with, is the set that called ``shareKeys``;
* ``S``, the survivors, is the set that called ``reveal``. Every honest survivor reveals, for each
  neighbour, its self-mask share if the neighbour is in ``S`` and its mask-key share otherwise. The one
  blob-dependent refinement is safe: the mask-key share of a survivor whose published vector *provably* does
  not decode (bytes matching its on-chain hash) may be revealed too; a node that cannot fetch that vector
  does not.

A blob that cannot be fetched never changes what anyone reveals: it can only leave a secret short of shares,
in which case the round fails (a failure report the verifiers re-derive) and those at fault are blamed with
public evidence (:func:`derive_secagg`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Flag

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
    TooFewNeighboursError,
    UnrecoverableError,
)
from fedchain.fl.strategies import Params
from fedchain.privacy.secagg import (
    Fault,
    PublicKeys,
    RoundContext,
    SecAggRound,
    ShareBundle,
    UnmaskBundle,
    check_share_bundle,
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

_UNAVAILABLE = (BlobNotFoundError, BlobIntegrityError, BlobTooLargeError, InvalidLocatorError)
"""What a store raises for a blob it cannot give back as the on-chain hash names it: unavailable, whoever is
to blame (a member that never stored it, or a store that withholds it)."""


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


def fetch(store: BlobStore, locator: str, digest: bytes) -> bytes | None:
    """The blob, or ``None`` if the store cannot give back bytes matching ``digest``."""
    try:
        return store.get_by_locator(locator, digest)
    except _UNAVAILABLE:
        return None


@dataclass(frozen=True)
class SecAggPublic:
    """What the chain (and, where noted, the store) says about a SecAgg+ round: the same for every party.

    ``shared`` is ``U2`` (the members that called ``shareKeys``); ``share_bundles`` those of their bundles
    that
    this node could fetch and that are well-formed, ``malformed_bundles`` those that provably are not (a fault
    of their dealer), ``unavailable_bundles`` those it could not fetch.
    """

    rnd: SecAggRound
    ids: dict[ChecksumAddress, int]
    shared: frozenset[int]
    share_bundles: dict[int, ShareBundle]
    malformed_bundles: frozenset[int]
    unavailable_bundles: frozenset[int]
    length: int  # parameters + 1 (the weight)
    bits: int  # word size of the masked vectors
    spec: SecAggSpec
    addresses: dict[int, ChecksumAddress] = field(default_factory=dict)

    def address(self, member: int) -> ChecksumAddress:
        return self.addresses[member]


def load_public(
    fc: Fedchain, store: BlobStore, model: ModelSpec, task: int, round_number: int, *, bundles: bool = True
) -> SecAggPublic:
    """The round's advertised keys, neighbour graph, sharers and (with ``bundles``) their share bundles.

    Raises
    ------
    ConfigError
        If fewer than two members advertised usable keys, the graph seed is not drawn yet, or the task spec
        has no ``secagg`` section.
    """
    from fedchain.node._derive import round_events  # the plain derivation module imports this one

    spec = task_secagg_spec(fc, store, task)
    rnd_chain = fc.coordinator.round(task, round_number)
    if rnd_chain.graph_seed == bytes(32):
        raise ConfigError(f"round {round_number}: the neighbour graph's seed is not drawn yet")
    ids: dict[ChecksumAddress, int] = {}
    keys: dict[int, PublicKeys] = {}
    for event in round_events(fc, "KeysAdvertised", task, round_number):
        ids[event.member] = event.id  # its cohort position, fixed when the round opened
        keys[event.id] = PublicKeys(bytes(event.mask_pk), bytes(event.enc_pk))
    rnd = SecAggRound.create(
        round_context(fc, task, round_number), bytes(rnd_chain.graph_seed), keys, spec.config()
    )
    shared: set[int] = set()
    good: dict[int, ShareBundle] = {}
    malformed: set[int] = set()
    unavailable: set[int] = set()
    for event in round_events(fc, "KeysShared", task, round_number):
        member = ids[event.member]  # the contract lets only advertisers share
        shared.add(member)
        if not bundles:
            continue
        blob = fetch(store, event.locator, bytes(event.shares_hash))
        if blob is None:
            unavailable.add(member)
            continue
        try:
            bundle = decode_share_bundle(blob)
            if bundle.sender != member:
                raise ConfigError("a share bundle filed under another member")
            check_share_bundle(rnd, bundle)
        except (SecAggError, ConfigError):
            malformed.add(member)
            continue
        good[member] = bundle
    bits = spec.quantization().modulus_bits(len(ids))
    return SecAggPublic(
        rnd, ids, frozenset(shared), good, frozenset(malformed), frozenset(unavailable),
        model.num_params + 1, bits, spec, {i: a for a, i in ids.items()},
    )  # fmt: skip


@dataclass(frozen=True)
class Vectors:
    """The survivors' masked vectors as this node could read them."""

    usable: dict[int, Words]  # decoded, by member
    malformed: frozenset[int]  # bytes matching the on-chain hash that do not decode: provably bad
    unavailable: frozenset[int]  # not fetched: unknown


def masked_vectors(pub: SecAggPublic, store: BlobStore, revealed: Sequence[UpdateRevealedEvent]) -> Vectors:
    """Fetch and decode every revealer's masked vector."""
    usable: dict[int, Words] = {}
    malformed: set[int] = set()
    unavailable: set[int] = set()
    for event in revealed:
        member = pub.ids[event.member]  # the contract lets only sharers reveal
        blob = fetch(store, event.locator, bytes(event.update_hash))
        if blob is None:
            unavailable.add(member)
            continue
        try:
            usable[member] = decode_masked_vector(
                blob, pub.rnd.context, member, length=pub.length, bits=pub.bits
            )
        except SecAggError:
            malformed.add(member)
    return Vectors(usable, frozenset(malformed), frozenset(unavailable))


@dataclass(frozen=True)
class SecAggOutcome:
    """What public data determines about a SecAgg+ round's aggregate.

    Either ``mean_delta`` is set (the survivors' weighted mean update, with ``total_weight`` and the members
    to pay), or ``failure`` says why the round cannot be aggregated. ``excluded`` holds the revealers and
    dealers refused with their on-chain reason, in either case.
    """

    excluded: dict[ChecksumAddress, ExclusionReason]
    failure: str | None = None
    unavailable: tuple[str, ...] = ()  # blobs this node could not fetch: its view may be incomplete
    mean_delta: np.ndarray | None = None  # float64, one entry per model parameter
    total_weight: int | None = None
    paid: tuple[int, ...] = ()
    total: Words | None = None  # the unmasked sum of the usable vectors (mod 2**bits): all that is revealed


def derive_secagg(
    fc: Fedchain, store: BlobStore, pub: SecAggPublic, task: int, round_number: int,
    revealed: Sequence[UpdateRevealedEvent],
) -> SecAggOutcome:  # fmt: skip
    """Unmask the round from public data, or say (re-derivably) why it cannot be, and who is to blame."""
    from fedchain.node._derive import duplicate_hashes, round_events

    survivors = {pub.ids[e.member] for e in revealed}
    vectors = masked_vectors(pub, store, revealed)
    excluded: dict[ChecksumAddress, ExclusionReason] = {}
    # A masked vector names its member and round, so a copy of a peer's vector never decodes as the copier's:
    # it is malformed, and named DUPLICATE when its hash is another revealer's. Unlike plain mode the author
    # is known (the one whose vector it decodes as) and keeps its place: it is a survivor whose masks only
    # its own vector cancels.
    duplicated = duplicate_hashes(revealed)
    hashes = {pub.ids[e.member]: bytes(e.update_hash) for e in revealed}
    for member in sorted(vectors.malformed):
        copied = hashes[member] in duplicated
        excluded[pub.address(member)] = ExclusionReason.DUPLICATE if copied else ExclusionReason.BAD_SHAPE
    usable = dict(vectors.usable)

    missing = [f"share bundle of member {m}" for m in sorted(pub.unavailable_bundles)]
    missing += [f"masked vector of member {m}" for m in sorted(vectors.unavailable)]

    def fail(reason: str) -> SecAggOutcome:
        return SecAggOutcome(excluded, failure=reason, unavailable=tuple(missing))

    # Every sharer's secret some usable vector needs must come with a well-formed bundle.
    needed = {v for v in pub.shared if v in usable or not set(usable).isdisjoint(pub.rnd.neighbours(v))}
    for member in sorted(needed & pub.malformed_bundles):
        excluded[pub.address(member)] = ExclusionReason.BAD_SHARES
    if needed & pub.malformed_bundles:
        return fail(f"malformed share bundle of member(s) {_ids(needed & pub.malformed_bundles)}")
    if needed & pub.unavailable_bundles:
        return fail(f"share bundle of member(s) {_ids(needed & pub.unavailable_bundles)} unavailable")
    if vectors.unavailable:
        return fail(f"masked vector of member(s) {_ids(vectors.unavailable)} unavailable")
    if not usable:
        return fail("no usable masked vector")

    unmasks: dict[int, UnmaskBundle] = {}
    for event in round_events(fc, "SharesUnmasked", task, round_number):
        member = pub.ids[event.member]  # the contract lets only revealers unmask
        blob = fetch(store, event.locator, bytes(event.shares_hash))
        if blob is None:
            missing.append(f"unmask bundle of member {member}")
            continue  # its shares are simply not there
        try:
            bundle = decode_unmask_bundle(blob)
        except SecAggError:
            excluded[event.member] = ExclusionReason.BAD_SHARES  # hash-matching bytes that do not decode
            continue
        unmasks[member] = bundle
    bundles = {v: b for v, b in pub.share_bundles.items() if v in needed}
    try:
        require_recoverable(pub.rnd, set(bundles), survivors, set(unmasks) & survivors, malformed=set())
        result = unmask_aggregate(
            pub.rnd, bundles, usable, unmasks, survivors=survivors, length=pub.length, bits=pub.bits
        )
    except TooFewNeighboursError as exc:
        return fail(f"too few unmask bundles: {exc}")
    except UnrecoverableError as exc:
        _blame(pub, excluded, exc.faults)
        return fail(f"secrets of member(s) {_ids(exc.members)} cannot be recovered")
    _blame(pub, excluded, result.faults)
    try:
        mean, weight = dequantize(result.total, pub.spec.quantization(), members=len(usable))
    except (SecAggError, ConfigError) as exc:
        return fail(f"the unmasked sum is not a weighted update: {exc}")
    faulted = set(result.faults)
    paid = tuple(m for m in result.used if m in usable and m not in faulted)
    return SecAggOutcome(
        excluded,
        mean_delta=mean,
        total_weight=weight,
        paid=paid,
        total=result.total,
        unavailable=tuple(missing),
    )


def _blame(
    pub: SecAggPublic, excluded: dict[ChecksumAddress, ExclusionReason], faults: Mapping[int, Flag]
) -> None:
    """Every member the public data proves at fault (a bad dealing or a bad unmask bundle) is excluded."""
    for member, fault in sorted(faults.items()):
        if fault & (Fault.BAD_DEALING | Fault.BAD_UNMASK):
            excluded[pub.address(member)] = ExclusionReason.BAD_SHARES


def _ids(members: Iterable[int]) -> str:
    return ", ".join(str(m) for m in sorted(members))


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
    "SecAggOutcome",
    "SecAggPublic",
    "Vectors",
    "apply_mean_delta",
    "derive_secagg",
    "fetch",
    "load_public",
    "masked_vectors",
    "round_context",
    "task_secagg_spec",
]
