"""Re-derive a round from public data only: reveal events, stored blobs, the model registry.

The aggregator and every verifier run exactly these functions, so a correct aggregate is reproduced bit for
bit (the strategies aggregate in fixed point) and a wrong one is caught.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from eth_typing import ChecksumAddress

from fedchain import codec
from fedchain.chain.bindings.coordinator import ExclusionReason, Mode, Phase, UpdateRevealedEvent
from fedchain.chain.client import Fedchain, initial_reveal_digest, next_reveal_digest
from fedchain.codec import ModelSpec, NamedArrays
from fedchain.exceptions import (
    BlobIntegrityError,
    BlobNotFoundError,
    BlobTooLargeError,
    CodecError,
    ConfigError,
    FixedPointOverflowError,
    InvalidLocatorError,
    NonFiniteError,
)
from fedchain.fl.fixedpoint import DEFAULT_CONFIG, FixedPointConfig, quantize
from fedchain.fl.strategies import FitResult, Params, Strategy
from fedchain.fl.typing import Metrics
from fedchain.fl.update_norm import within_norm_bound
from fedchain.incentives.contribution import ALIGNMENT_ONE, alignments, contribution_weights, split_by_weight
from fedchain.node.errors import AggregationError, ModelIntegrityError, VerificationError
from fedchain.storage import BlobStore, sha256_digest
from fedchain.taskspec import UpdateBounds, fetch_task_spec

RECORD_FORMAT = "fedchain-round-record/1"
"""The ``format`` field of a round record blob."""

Evaluate = Callable[[Params], Metrics]
"""An evaluation of a global model on held-out data: metrics by name."""


@dataclass(frozen=True)
class Included:
    """A revealed update that entered the aggregate, with its alignment to the aggregate step.

    ``alignment`` is in parts per million (:func:`fedchain.incentives.contribution.alignments`); the
    reward weight is ``num_examples * alignment``.
    """

    member: ChecksumAddress
    num_examples: int
    update_hash: bytes
    alignment: int


@dataclass(frozen=True)
class Exclusion:
    """A revealed update refused, with the on-chain reason."""

    member: ChecksumAddress
    reason: ExclusionReason


@dataclass(frozen=True)
class RoundDerivation:
    """What public data determines about a round: the revealed set, the exclusions and the aggregate.

    ``model`` and ``model_bytes`` are ``None`` when no model can be derived; ``failure`` then says why (the
    aggregator submits that as a failure report, and every verifier re-derives the same reason).
    """

    task: int
    round: int
    base_model_hash: bytes
    reveal_digest: bytes
    included: tuple[Included, ...]
    excluded: tuple[Exclusion, ...]
    model: Params | None
    model_bytes: bytes | None
    total_weight: int | None = None  # secagg: the only weight revealed (members count 1 each in ``included``)
    failure: str | None = None
    unavailable: tuple[str, ...] = ()  # blobs this node could not fetch: where it disagrees, it cannot tell

    @property
    def model_hash(self) -> bytes | None:
        """The sha256 of the aggregate's canonical bytes, as the model registry stores it."""
        return None if self.model_bytes is None else sha256_digest(self.model_bytes)


def round_start_block(fc: Fedchain, opened_at: int) -> int:
    """The first block whose timestamp is at least ``opened_at`` (a round's events all come at or after it).

    A binary search over block timestamps (non-decreasing), so event scans cover one round, not the whole
    deployment's history. Once a block with such a timestamp is mined the answer never changes, so it is
    remembered in ``fc.facts`` (shared by every view of the deployment) and later searches start from the
    nearest known answers.
    """
    known = fc.facts.start_block(opened_at)
    if known is not None:
        return known
    low, high = fc.deployment.block, int(fc.w3.eth.block_number)
    below, above = fc.facts.start_block_bounds(opened_at)
    if below is not None:
        low = max(low, below)
    found = False  # whether block ``high`` is known to have a timestamp at least ``opened_at``
    if above is not None and above <= high:
        high, found = above, True
    while low < high:
        mid = (low + high) // 2
        if int(fc.w3.eth.get_block(mid)["timestamp"]) < opened_at:
            low = mid + 1
        else:
            high, found = mid, True
    if found:  # otherwise every block so far is earlier: a later block may still be the answer
        fc.facts.set_start_block(opened_at, low)
    return low


_FINAL_WHEN_SUBMITTED = frozenset(
    {"KeysAdvertised", "KeysShared", "UpdateCommitted", "UpdateRevealed", "SharesUnmasked", "UpdateExcluded",
     "AggregateSubmitted"}
)  # fmt: skip
"""Events the coordinator emits only up to the aggregate phase: a round's set is complete once past it."""

_SUBMITTED = frozenset({Phase.CHALLENGE, Phase.FINALIZED, Phase.REJECTED})
"""Phases only a transaction reaches (never a view's simulation of a deadline), all past the aggregate one."""


def round_events(fc: Fedchain, name: str, task: int, round_number: int) -> list[Any]:
    """The coordinator's events ``name`` of one round (fields ``task`` and ``round``), in chain order.

    A round's events of the phases up to the aggregate one are read once the round has been submitted
    (challenge, finalized, rejected): the contract accepts no more of them, so the set is kept in ``fc.facts``
    and not read again.
    """
    final = name in _FINAL_WHEN_SUBMITTED
    if final and (cached := fc.facts.round_events(name, task, round_number)) is not None:
        return cached
    rnd = fc.coordinator.round(task, round_number)
    events = fc.coordinator.events(name, from_block=round_start_block(fc, rnd.opened_at))
    mine = [e for e in events if e.task == task and e.round == round_number]
    mine.sort(key=lambda e: (e.block_number, e.log_index))
    if final and rnd.phase in _SUBMITTED:  # read before the events: none can have come after them
        fc.facts.set_round_events(name, task, round_number, mine)
    return mine


def revealed_events(fc: Fedchain, task: int, round_number: int) -> list[UpdateRevealedEvent]:
    """The round's ``UpdateRevealed`` events in chain order."""
    return round_events(fc, "UpdateRevealed", task, round_number)


def load_update(
    store: BlobStore,
    spec: ModelSpec,
    event: UpdateRevealedEvent,
    bounds: UpdateBounds | None = None,
    base: Params | None = None,
    fixed_point: FixedPointConfig = DEFAULT_CONFIG,
) -> tuple[NamedArrays | None, ExclusionReason | None]:
    """Fetch, decode and bound-check one revealed update; return ``(arrays, None)`` or ``(None, reason)``.

    With ``bounds`` (the task spec's), an example count outside ``[1, max_examples]`` or a value beyond
    ``±max_abs_value`` (or beyond ``fixed_point``'s range) is ``OUT_OF_RANGE``; then, with the round's
    ``base`` model too, an update farther than ``max_update_norm`` from it is ``NORM_BOUND``, decided exactly
    in ``fixed_point`` (the strategy's, the quantization the aggregation uses:
    :func:`~fedchain.fl.update_norm.within_norm_bound`), so every node excludes the same members. Transient
    storage failures (I/O errors) are raised, not classified: they say nothing about the update.
    """
    if bounds is not None and not 1 <= event.num_examples <= bounds.max_examples:
        return None, ExclusionReason.OUT_OF_RANGE
    try:
        blob = store.get_by_locator(event.locator, event.update_hash)
    except (BlobNotFoundError, InvalidLocatorError):
        return None, ExclusionReason.MISSING_BLOB
    except BlobIntegrityError:
        return None, ExclusionReason.HASH_MISMATCH
    except BlobTooLargeError:
        return None, ExclusionReason.BAD_SHAPE
    try:
        arrays = codec.decode(blob, spec)
    except NonFiniteError:
        return None, ExclusionReason.NON_FINITE
    except CodecError:
        return None, ExclusionReason.BAD_SHAPE
    if bounds is not None and any(
        a.size and float(np.max(np.abs(a))) > bounds.max_abs_value for a in arrays.values()
    ):
        return None, ExclusionReason.OUT_OF_RANGE
    if bounds is not None and base is not None:
        try:
            if not within_norm_bound(arrays, base, bounds.max_update_norm, fixed_point):
                return None, ExclusionReason.NORM_BOUND
        except FixedPointOverflowError:
            if _beyond_fixed_point(arrays, fixed_point):  # a maxAbsValue above fixed point's range let it by
                return None, ExclusionReason.OUT_OF_RANGE
            # else the base itself is beyond fixed point: the aggregation fails the same way on every node
    return arrays, None


def _beyond_fixed_point(arrays: NamedArrays, fixed_point: FixedPointConfig) -> bool:
    try:
        quantize(arrays, fixed_point)
    except FixedPointOverflowError:
        return True
    return False


def model_locator(fc: Fedchain, task: int, model_hash: bytes) -> str:
    """The registry locator of the latest version of ``task`` whose hash is ``model_hash``."""
    for index in range(fc.models.version_count(task) - 1, -1, -1):
        version = fc.models.version(task, index)
        if version.model_hash == model_hash:
            return version.locator
    raise ModelIntegrityError("the model is not in the task's model registry")


def load_model(store: BlobStore, spec: ModelSpec, model_hash: bytes, locator: str) -> Params:
    """Fetch a registered model and decode it; refuse bytes that do not hash to ``model_hash``.

    Raises
    ------
    ModelIntegrityError
        If the blob is missing, unreadable, differs from the registered hash or does not decode with ``spec``.
    """
    try:
        blob = store.get_by_locator(locator, model_hash)
        return dict(codec.decode(blob, spec))
    except (BlobIntegrityError, BlobNotFoundError, InvalidLocatorError, CodecError) as exc:
        raise ModelIntegrityError("the global model does not match the model registry") from exc


def derive_round(
    fc: Fedchain, store: BlobStore, spec: ModelSpec, strategy: Strategy, task: int, round_number: int
) -> RoundDerivation:
    """Re-derive round ``round_number`` with ``strategy`` in its state after the previous accepted round.

    ``strategy`` is advanced by one round when a model results (stateful strategies change).

    Raises
    ------
    VerificationError
        If the reveal digest recomputed from the events differs from the on-chain one.
    ModelIntegrityError
        If the round's base model cannot be fetched intact.
    """
    rnd = fc.coordinator.round(task, round_number)
    if rnd.mode == Mode.SEC_AGG:
        return _derive_secagg_round(fc, store, spec, strategy, task, round_number)
    events, digest = _reveal_digest(fc, task, round_number)
    bounds = fetch_task_spec(store, fc.coordinator.task(task).spec_hash).bounds
    accepted: list[UpdateRevealedEvent] = []
    excluded: list[Exclusion] = []
    results: list[FitResult] = []
    duplicated = duplicate_hashes(events)
    base: Params | None = None  # fetched once, if any update was revealed (the norm bound is relative to it)
    for event in events:
        if bytes(event.update_hash) in duplicated:
            excluded.append(Exclusion(event.member, ExclusionReason.DUPLICATE))
            continue
        if base is None:
            base = load_model(store, spec, rnd.base_model_hash, model_locator(fc, task, rnd.base_model_hash))
        arrays, reason = load_update(store, spec, event, bounds, base, strategy.fixed_point)
        if arrays is None or reason is not None:
            excluded.append(Exclusion(event.member, reason or ExclusionReason.OTHER))
            continue
        accepted.append(event)
        results.append((arrays, event.num_examples))
    missing = tuple(
        f"update of {e.member}" for e in excluded if e.reason == ExclusionReason.MISSING_BLOB
    )  # fmt: skip
    empty = RoundDerivation(
        task=task, round=round_number, base_model_hash=rnd.base_model_hash, reveal_digest=digest,
        included=(), excluded=tuple(excluded), model=None, model_bytes=None, failure="no valid update",
        unavailable=missing,
    )  # fmt: skip
    if not results or base is None:
        return empty
    try:
        model, model_bytes = aggregate_model(strategy, base, results, round_number, spec)
    except AggregationError as exc:
        return dataclasses.replace(empty, failure=str(exc))
    scores = alignments(base, [dict(arrays) for arrays, _ in results], model)
    included = [
        Included(e.member, e.num_examples, e.update_hash, score)
        for e, score in zip(accepted, scores, strict=True)
    ]
    return dataclasses.replace(
        empty, included=tuple(included), model=model, model_bytes=model_bytes, failure=None
    )


def duplicate_hashes(events: Sequence[UpdateRevealedEvent]) -> frozenset[bytes]:
    """The update hashes more than one member of the round revealed.

    Every member that revealed such a hash is excluded as ``DUPLICATE``, the first revealer too. No blob is in
    the store before its member reveals (:mod:`fedchain.node._pending`), and revealing opens only once the
    commit phase has closed, so nobody can copy an honest member's update in time to commit to it: two equal
    hashes mean one member handed its bytes to another before committing (collusion, or one party with two
    stakes), and neither may be paid for it. Telling the "original" apart is impossible from public data
    anyway (commit order is the colluders' choice), and paying either would let the pair split one reward
    with no extra work. An honest member's hash differs from everybody's: its training is its own, so a
    collision with another honest update is a sha256 collision.
    """
    seen: set[bytes] = set()
    twice: set[bytes] = set()
    for event in events:
        digest = bytes(event.update_hash)
        (twice if digest in seen else seen).add(digest)
    return frozenset(twice)


def aggregate_model(
    strategy: Strategy, base: Params, results: Sequence[FitResult], round_number: int, spec: ModelSpec
) -> tuple[Params, bytes]:
    """``strategy.aggregate`` and the model's canonical bytes.

    Raises
    ------
    AggregationError
        If the inputs overflow the fixed-point format or the output is not a model of ``spec`` (e.g. not
        finite): every verifier meets the same failure on the same public data.
    """
    try:
        model = strategy.aggregate(base, results, server_round=round_number)
        return model, codec.encode(model, spec)
    except (CodecError, ConfigError) as exc:  # FixedPointOverflowError and NonFiniteError are CodecErrors
        raise AggregationError(f"the aggregate is not a valid model: {exc}") from None


def _reveal_digest(fc: Fedchain, task: int, round_number: int) -> tuple[list[UpdateRevealedEvent], bytes]:
    """The round's reveal events and the digest they chain to, checked against the on-chain one."""
    rnd = fc.coordinator.round(task, round_number)
    events = revealed_events(fc, task, round_number)
    digest = initial_reveal_digest(task, round_number)
    for event in events:
        digest = next_reveal_digest(digest, event.member, event.update_hash, event.num_examples)
    if rnd.revealers and digest != rnd.reveal_digest:
        raise VerificationError("the reveal events do not reproduce the on-chain reveal digest")
    return events, digest


def _derive_secagg_round(
    fc: Fedchain, store: BlobStore, spec: ModelSpec, strategy: Strategy, task: int, round_number: int
) -> RoundDerivation:
    """A SecAgg+ round from public data: unmasking (:func:`~fedchain.node._secagg.derive_secagg`), then the
    strategy on the survivors' weighted mean.

    The strategy sees one result, the survivors' weighted mean model with weight 1, so every strategy works
    unchanged (its fixed-point average of a single result is that result on the fixed-point grid). Before the
    aggregate phase there is nothing to derive yet.
    """
    from fedchain.node import _secagg  # imports this module's round_events

    rnd = fc.coordinator.round(task, round_number)
    events, digest = _reveal_digest(fc, task, round_number)
    empty = RoundDerivation(
        task=task, round=round_number, base_model_hash=rnd.base_model_hash, reveal_digest=digest,
        included=(), excluded=(), model=None, model_bytes=None, failure="the round is not unmasked yet",
    )  # fmt: skip
    if rnd.phase < Phase.AGGREGATE or not events:
        return empty if events else dataclasses.replace(empty, failure="no revealed update")
    pub = _secagg.load_public(fc, store, spec, task, round_number)
    outcome = _secagg.derive_secagg(fc, store, pub, task, round_number, events)
    excluded = tuple(Exclusion(member, reason) for member, reason in outcome.excluded.items())
    failed = dataclasses.replace(
        empty, excluded=excluded, failure=outcome.failure, unavailable=outcome.unavailable
    )
    if outcome.mean_delta is None:
        return failed
    base = load_model(store, spec, rnd.base_model_hash, model_locator(fc, task, rnd.base_model_hash))
    mean_model = _secagg.apply_mean_delta(base, spec, outcome.mean_delta)
    try:
        model, model_bytes = aggregate_model(strategy, base, [(mean_model, 1)], round_number, spec)
    except AggregationError as exc:
        return dataclasses.replace(failed, failure=str(exc))
    hashes = {e.member: bytes(e.update_hash) for e in events}
    included = tuple(Included(pub.address(m), 1, hashes[pub.address(m)], ALIGNMENT_ONE) for m in outcome.paid)
    return dataclasses.replace(
        failed, included=included, model=model, model_bytes=model_bytes, total_weight=outcome.total_weight,
        failure=None,
    )  # fmt: skip


def split_rewards(budget: int, included: Sequence[Included]) -> list[tuple[ChecksumAddress, int]]:
    """``budget`` split by contribution (``num_examples * alignment``) among ``included``, floored.

    The total never exceeds ``budget``; an update that did not point where the model went gets 0.

    Examples
    --------
    >>> a, b = "0x" + "11" * 20, "0x" + "22" * 20
    >>> split_rewards(100, [Included(a, 1, b"", 1_000_000), Included(b, 2, b"", 1_000_000)])
    [('0x1111111111111111111111111111111111111111', 33), ('0x2222222222222222222222222222222222222222', 66)]
    >>> split_rewards(100, [Included(a, 1, b"", 1_000_000), Included(b, 2, b"", 0)])
    [('0x1111111111111111111111111111111111111111', 100), ('0x2222222222222222222222222222222222222222', 0)]
    """
    if not included:
        return []
    weights = contribution_weights([i.num_examples for i in included], [i.alignment for i in included])
    amounts = split_by_weight(budget, weights)
    return [(i.member, amount) for i, amount in zip(included, amounts, strict=True)]


def round_record(
    derivation: RoundDerivation,
    budget: int,
    rewards: Sequence[tuple[ChecksumAddress, int]],
    metrics: Metrics | None = None,
) -> bytes:
    """The canonical JSON round record whose sha256 the aggregator submits as ``metricsHash``."""
    record: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "task": derivation.task,
        "round": derivation.round,
        "baseModelHash": derivation.base_model_hash.hex(),
        "modelHash": (derivation.model_hash or b"").hex(),
        "revealDigest": derivation.reveal_digest.hex(),
        "included": [
            {
                "member": i.member,
                "numExamples": i.num_examples,
                "updateHash": i.update_hash.hex(),
                "alignmentPpm": i.alignment,
            }
            for i in derivation.included
        ],
        "excluded": [{"member": e.member, "reason": e.reason.name} for e in derivation.excluded],
        "rewardBudget": str(budget),
        "rewards": [[member, str(amount)] for member, amount in rewards],
        "metrics": dict(metrics or {}),
    }
    if derivation.total_weight is not None:
        record["mode"] = "secagg"
        record["totalWeight"] = derivation.total_weight
    if derivation.failure is not None:
        record["failure"] = derivation.failure  # a failure report: no model, no rewards
    return json.dumps(record, sort_keys=True, separators=(",", ":")).encode()


def read_round_record(store: BlobStore, metrics_hash: bytes) -> dict[str, Any]:
    """Fetch the round record named by an aggregate's ``metricsHash`` (checked against the hash).

    Raises
    ------
    VerificationError
        If the record is missing, altered or not a round record.
    """
    try:
        blob = store.get_by_locator(store.locator_for(metrics_hash), metrics_hash)
        record = json.loads(blob)
    except (BlobNotFoundError, BlobIntegrityError, InvalidLocatorError, ValueError) as exc:
        raise VerificationError("the round record is missing or altered") from exc
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        raise VerificationError("the metrics hash does not name a round record")
    return record


def record_rewards(record: dict[str, Any]) -> list[tuple[ChecksumAddress, int]]:
    """The ``(member, amount)`` list of a round record."""
    return [(ChecksumAddress(member), int(amount)) for member, amount in record["rewards"]]


def is_stateful(strategy: Strategy) -> bool:
    """Whether the strategy keeps state across rounds (its aggregate depends on earlier rounds)."""
    return bool(strategy.state_dict())  # stateful strategies always report at least "server_round"


def strategy_before(
    fc: Fedchain, store: BlobStore, spec: ModelSpec, template: Strategy, task: int, round_number: int
) -> Strategy:
    """A copy of ``template`` brought to its state before ``round_number``.

    A stateless strategy is copied as is. A stateful one (FedAdam...) replays every accepted round before
    ``round_number`` in registry order, from ``template``'s state (the task's initial state), checking each
    replayed model against the registry.

    Raises
    ------
    VerificationError
        If a replayed round does not reproduce its registered model.
    """
    strategy = copy.deepcopy(template)
    if not is_stateful(template):
        return strategy
    for index in range(1, fc.models.version_count(task)):
        version = fc.models.version(task, index)
        if version.round >= round_number:
            break
        derived = derive_round(fc, store, spec, strategy, task, version.round)
        if derived.model_hash != version.model_hash:
            raise VerificationError(
                f"replaying round {version.round} does not reproduce model version {index}"
            )
    return strategy
