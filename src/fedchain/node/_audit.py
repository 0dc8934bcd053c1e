"""Checks of the blobs the chain names, one small function per kind of blob, each returning findings.

A :class:`Finding` names what failed: the model version and round it belongs to, the kind of blob, its
locator and hash, the member for an update, and the problem. :func:`~fedchain.node.verify_task` runs the
checks of every version; a new kind of blob (SecAgg+ share bundles, masked vectors, unmask bundles) is one
more :data:`RoundBlobCheck` in :data:`ROUND_INPUT_CHECKS`, not a change to the walk.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from fedchain import codec
from fedchain.chain.bindings.coordinator import ExclusionReason, Mode
from fedchain.chain.bindings.model_registry import ModelVersion
from fedchain.chain.client import Fedchain
from fedchain.codec import ModelSpec
from fedchain.exceptions import (
    BlobIntegrityError,
    BlobNotFoundError,
    BlobTooLargeError,
    CodecError,
    ConfigError,
    InvalidLocatorError,
    NonFiniteError,
    SecAggError,
)
from fedchain.node._derive import RECORD_FORMAT, round_events
from fedchain.privacy.secagg import (
    check_share_bundle,
    decode_masked_vector,
    decode_share_bundle,
    decode_unmask_bundle,
)
from fedchain.storage import BlobStore
from fedchain.taskspec import TaskSpec


class Kind(StrEnum):
    """What a finding is about: one kind of blob, or the round's records on the chain."""

    TASK_SPEC = "task-spec"
    MODEL = "model"
    ROUND_RECORD = "round-record"
    UPDATE = "update"
    SHARE_BUNDLE = "share-bundle"
    MASKED_VECTOR = "masked-vector"
    UNMASK_BUNDLE = "unmask-bundle"
    ROUND = "round"
    """Not a blob: the chain's records of the round (registry links, phase, re-derivation)."""


@dataclass(frozen=True)
class Finding:
    """One thing that does not check out, and where.

    Attributes
    ----------
    version
        The model version it belongs to (0: the task as created: its spec and initial model).
    round
        The round of that version; ``None`` for version 0.
    kind
        The kind of blob, or :attr:`Kind.ROUND` for the chain's records of the round.
    problem
        What is wrong, as a phrase: ``"missing from the store"``.
    locator, sha256
        The blob's locator and the hash the chain records for it (``None`` when not about a blob).
    member
        The member whose blob it is (updates and other per-member blobs).
    """

    version: int
    round: int | None
    kind: Kind
    problem: str
    locator: str | None = None
    sha256: bytes | None = None
    member: str | None = None

    @property
    def line(self) -> str:
        """One line naming the version, the round, the blob (kind, locator, hash, member) and the problem.

        Examples
        --------
        >>> Finding(2, 2, Kind.MODEL, "missing from the store", "s3://b/k", b"\\x01" * 32).line
        'version 2 (round 2): FAILED: model blob s3://b/k (sha256 0101...0101): missing from the store'
        """
        where = f"version {self.version}" + (f" (round {self.round})" if self.round is not None else "")
        if self.kind is Kind.ROUND:
            return f"{where}: FAILED: {self.problem}"
        what = f"{self.kind.replace('-', ' ')} blob"
        if self.member is not None:
            what += f" of member {self.member}"
        if self.locator is not None:
            what += f" at {self.locator}" if self.member is not None else f" {self.locator}"
        if self.sha256 is not None and self.sha256.hex() not in (self.locator or ""):
            what += f" (sha256 {_short(self.sha256)})"
        return f"{where}: FAILED: {what}: {self.problem}"

    def to_dict(self) -> dict[str, Any]:
        """The finding as JSON-ready data (what ``fedchain verify --json`` prints)."""
        return {
            "version": self.version,
            "round": self.round,
            "kind": str(self.kind),
            "locator": self.locator,
            "sha256": None if self.sha256 is None else "0x" + self.sha256.hex(),
            "member": self.member,
            "problem": self.problem,
        }


def _short(digest: bytes) -> str:
    text = digest.hex()
    return f"{text[:4]}...{text[-4:]}"


# -- fetching one blob -----------------------------------------------------------------------------------

MISSING = "missing from the store"
ALTERED = "its bytes do not hash to the sha256 the chain records (altered or truncated)"


def fetch(store: BlobStore, locator: str, sha256: bytes) -> tuple[bytes | None, str | None, ExclusionReason]:
    """Read a blob the chain names by ``(locator, sha256)``: ``(bytes, None, OTHER)`` or ``(None, problem,
    reason)``, the reason being the one a node would exclude such an update for.

    Raises
    ------
    StorageError
        If the store itself fails (an I/O error says nothing about the blob).
    """
    try:
        return store.get_by_locator(locator, sha256), None, ExclusionReason.OTHER
    except InvalidLocatorError:
        return None, "its locator is not one this store can resolve", ExclusionReason.MISSING_BLOB
    except BlobNotFoundError:
        return None, MISSING, ExclusionReason.MISSING_BLOB
    except BlobIntegrityError:
        return None, ALTERED, ExclusionReason.HASH_MISMATCH
    except BlobTooLargeError:
        return None, "larger than the store's blob size limit", ExclusionReason.BAD_SHAPE


def decode_problem(blob: bytes, spec: ModelSpec) -> tuple[str | None, ExclusionReason]:
    """Whether tensor bytes decode with the task's model spec: ``(None, OTHER)`` or ``(problem, reason)``."""
    try:
        codec.decode(blob, spec)
    except NonFiniteError:
        return "holds NaN or Inf", ExclusionReason.NON_FINITE
    except CodecError as exc:
        return f"does not decode with the task's model spec ({exc})", ExclusionReason.BAD_SHAPE
    return None, ExclusionReason.OTHER


# -- the blobs of the task and of each version ------------------------------------------------------------


def check_task_spec(store: BlobStore, spec_hash: bytes) -> list[Finding]:
    """The task spec named by the task's ``specHash``: present, intact, and a task spec."""
    locator = store.locator_for(spec_hash)
    blob, problem, _ = fetch(store, locator, spec_hash)
    if blob is not None:
        try:
            TaskSpec.from_json(blob)
        except ConfigError as exc:
            problem = f"is not a task spec ({exc})"
    return [] if problem is None else [Finding(0, None, Kind.TASK_SPEC, problem, locator, spec_hash)]


def check_model(store: BlobStore, spec: ModelSpec | None, index: int, version: ModelVersion) -> list[Finding]:
    """Model version ``index``'s blob: present, hashing to the registered hash, decoding with ``spec``."""
    blob, problem, _ = fetch(store, version.locator, version.model_hash)
    if blob is not None and spec is not None:
        problem, _ = decode_problem(blob, spec)
    if problem is None:
        return []
    return [Finding(index, version.round or None, Kind.MODEL, problem, version.locator, version.model_hash)]


@dataclass(frozen=True)
class RoundContext:
    """What a check of one version's round blobs needs: where to read, the spec, and which version."""

    fc: Fedchain
    store: BlobStore
    spec: ModelSpec | None
    task: int
    version: int
    round: int

    def finding(
        self,
        kind: Kind,
        problem: str,
        locator: str | None = None,
        sha256: bytes | None = None,
        member: str | None = None,
    ) -> Finding:
        """A finding of this version and round."""
        return Finding(self.version, self.round, kind, problem, locator, sha256, member)


def check_round_record(ctx: RoundContext, metrics_hash: bytes) -> tuple[list[Finding], dict[str, Any] | None]:
    """The round record named by the round's ``metricsHash``: present, intact, this round's record.

    Returns the findings and, when there are none, the parsed record (its contents are checked against the
    re-derivation by the caller).
    """
    locator = ctx.store.locator_for(metrics_hash)
    blob, problem, _ = fetch(ctx.store, locator, metrics_hash)
    record: Any = None
    if blob is not None:
        try:
            record = json.loads(blob)
        except ValueError:
            problem = "is not JSON"
        else:
            if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
                problem = f"is not a round record ({RECORD_FORMAT})"
            elif (record.get("task"), record.get("round")) != (ctx.task, ctx.round):
                problem = f"is the record of task {record.get('task')} round {record.get('round')}"
    if problem is not None:
        return [ctx.finding(Kind.ROUND_RECORD, problem, locator, metrics_hash)], None
    return [], record


RoundBlobCheck = Callable[[RoundContext], list[Finding]]
"""A check of one kind of blob a round's aggregate is derived from; returns its findings."""


def check_revealed_updates(ctx: RoundContext) -> list[Finding]:
    """Plain mode: every revealed update (``UpdateRevealed``: locator + updateHash) is present and decodes.

    An update the chain excluded for the very reason its blob fails (a member revealed a bad update) is
    what the chain says, not a finding; an update that entered the aggregate must still be intact.
    """
    excluded = {e.member: e.reason for e in round_events(ctx.fc, "UpdateExcluded", ctx.task, ctx.round)}
    findings = []
    for event in round_events(ctx.fc, "UpdateRevealed", ctx.task, ctx.round):
        blob, problem, reason = fetch(ctx.store, event.locator, event.update_hash)
        if blob is not None and ctx.spec is not None:
            problem, reason = decode_problem(blob, ctx.spec)
        if problem is None or excluded.get(event.member) == reason:
            continue
        findings.append(ctx.finding(Kind.UPDATE, problem, event.locator, event.update_hash, event.member))
    return findings


def _secagg_blobs(
    ctx: RoundContext, event_name: str, kind: Kind, digest_of: Callable[[Any], bytes],
    decode: Callable[[bytes, Any], object], excused: frozenset[ExclusionReason],
) -> list[Finding]:  # fmt: skip
    """SecAgg+ blobs of one kind, named by ``event_name`` events: present, intact, and decoding, unless the
    chain excluded their member for exactly that (``excused``: what the chain says, not a finding)."""
    from fedchain.node._secagg import load_public  # the SecAgg+ derivation imports this module's users

    if ctx.spec is None:
        return []
    excluded = {e.member: e.reason for e in round_events(ctx.fc, "UpdateExcluded", ctx.task, ctx.round)}
    pub = load_public(ctx.fc, ctx.store, ctx.spec, ctx.task, ctx.round, bundles=False)
    findings = []
    for event in round_events(ctx.fc, event_name, ctx.task, ctx.round):
        digest = digest_of(event)
        blob, problem, _ = fetch(ctx.store, event.locator, digest)
        if blob is not None:
            try:
                decode(blob, (pub, pub.ids[event.member]))
            except (SecAggError, ConfigError) as exc:
                if excluded.get(event.member) in excused:
                    continue
                problem = f"does not decode ({exc})"
        if problem is not None:
            findings.append(ctx.finding(kind, problem, event.locator, digest, event.member))
    return findings


def check_share_bundles(ctx: RoundContext) -> list[Finding]:
    """SecAgg+: every share bundle (``KeysShared``) is present, intact and a share bundle of its member."""

    def decode(blob: bytes, who: Any) -> object:
        pub, member = who
        bundle = decode_share_bundle(blob)
        check_share_bundle(pub.rnd, bundle)
        if bundle.sender != member:
            raise ConfigError(f"a share bundle of member {bundle.sender}")
        return bundle

    return _secagg_blobs(
        ctx, "KeysShared", Kind.SHARE_BUNDLE, lambda e: bytes(e.shares_hash), decode,
        frozenset({ExclusionReason.BAD_SHARES}),
    )  # fmt: skip


def check_masked_vectors(ctx: RoundContext) -> list[Finding]:
    """SecAgg+: every masked vector (``UpdateRevealed``) is present, intact and of its member and round."""

    def decode(blob: bytes, who: Any) -> object:
        pub, member = who
        return decode_masked_vector(blob, pub.rnd.context, member, length=pub.length, bits=pub.bits)

    return _secagg_blobs(
        ctx, "UpdateRevealed", Kind.MASKED_VECTOR, lambda e: bytes(e.update_hash), decode,
        frozenset({ExclusionReason.BAD_SHAPE, ExclusionReason.DUPLICATE}),
    )  # fmt: skip


def check_unmask_bundles(ctx: RoundContext) -> list[Finding]:
    """SecAgg+: every unmask bundle (``SharesUnmasked``) is present, intact and an unmask bundle."""

    def decode(blob: bytes, who: Any) -> object:
        return decode_unmask_bundle(blob)

    return _secagg_blobs(
        ctx, "SharesUnmasked", Kind.UNMASK_BUNDLE, lambda e: bytes(e.shares_hash), decode,
        frozenset({ExclusionReason.BAD_SHARES}),
    )  # fmt: skip


ROUND_INPUT_CHECKS: Mapping[Mode, tuple[RoundBlobCheck, ...]] = MappingProxyType(
    {
        Mode.PLAIN: (check_revealed_updates,),
        Mode.SEC_AGG: (check_share_bundles, check_masked_vectors, check_unmask_bundles),
    }
)
"""Per mode, the checks of the blobs a round's aggregate is derived from. A finding from any of them means
the round cannot be re-derived from the store as it is (the walk then does not try)."""
