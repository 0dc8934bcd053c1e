"""The verifier: re-derive rounds from public data and compare with what the chain records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fedchain.chain.bindings.coordinator import Mode, Phase
from fedchain.chain.bindings.model_registry import ModelVersion
from fedchain.chain.client import Fedchain
from fedchain.codec import ModelSpec
from fedchain.fl.strategies import Strategy
from fedchain.incentives import RewardTree
from fedchain.node._audit import (
    ROUND_INPUT_CHECKS,
    Finding,
    Kind,
    RoundContext,
    check_model,
    check_round_record,
    check_task_spec,
)
from fedchain.node._derive import (
    RoundDerivation,
    derive_round,
    is_stateful,
    read_round_record,
    record_rewards,
    round_events,
    split_rewards,
    strategy_before,
)
from fedchain.node.errors import ModelIntegrityError, VerificationError
from fedchain.storage import BlobStore

StrategyFactory = Callable[[], Strategy]
"""Builds the task's strategy in its initial state (the task spec fixes it)."""


def rederive_round(
    fc: Fedchain,
    store: BlobStore,
    spec: ModelSpec,
    strategy_factory: StrategyFactory,
    task: int,
    round_number: int,
) -> RoundDerivation:
    """Re-derive round ``round_number`` of ``task`` from public data only.

    Stateful strategies are first replayed over the accepted rounds before it.

    Raises
    ------
    VerificationError
        If the reveal events do not reproduce the on-chain reveal digest, or a replayed round disagrees.
    ModelIntegrityError
        If the round's base model cannot be fetched intact.
    """
    strategy = strategy_before(fc, store, spec, strategy_factory(), task, round_number)
    return derive_round(fc, store, spec, strategy, task, round_number)


def check_submitted(fc: Fedchain, store: BlobStore, derivation: RoundDerivation) -> list[str]:
    """Compare a derivation with the round's submitted aggregate; return the problems (empty: it is right).

    Checks the model hash, the on-chain exclusions (same members, same reasons), and the round record named
    by ``metricsHash``: its sets and alignments, a budget within ``rewardPerRound``, the contribution-weighted
    split (:func:`~fedchain.node.split_rewards`), and a reward tree whose root and total equal the on-chain
    ones (so excluded members get nothing).
    """
    problems = _aggregate_problems(fc, derivation)
    try:
        record = read_round_record(
            store, fc.coordinator.round(derivation.task, derivation.round).metrics_hash
        )
    except VerificationError as exc:
        return [*problems, str(exc)]
    return problems + _record_problems(fc, derivation, record)


def _aggregate_problems(fc: Fedchain, derivation: RoundDerivation) -> list[str]:
    """The submitted model hash and the on-chain exclusions against the re-derived ones."""
    task, r = derivation.task, derivation.round
    problems: list[str] = []
    submitted = fc.coordinator.round(task, r).model_hash
    if (derivation.model_hash or bytes(32)) != submitted:
        if submitted == bytes(32):
            problems.append(f"a failure report, but the round re-derives to a model ({derivation.failure=})")
        elif derivation.model_hash is None:
            problems.append(
                f"a model was submitted, but the round cannot be aggregated: {derivation.failure}"
            )
        else:
            problems.append("the submitted model differs from the re-derived aggregate")
    on_chain = {(e.member, e.reason) for e in round_events(fc, "UpdateExcluded", task, r)}
    derived = {(e.member, e.reason) for e in derivation.excluded}
    if on_chain != derived:
        problems.append("the on-chain exclusions differ from the re-derived ones")
    return problems


def _record_problems(fc: Fedchain, derivation: RoundDerivation, record: dict[str, Any]) -> list[str]:
    """A round record's contents (sets, alignments, budget, rewards) against the derivation and the chain."""
    task = derivation.task
    rnd = fc.coordinator.round(task, derivation.round)
    problems: list[str] = []
    included = [
        (i.get("member"), i.get("numExamples"), i.get("alignmentPpm")) for i in record.get("included", [])
    ]
    if included != [(i.member, i.num_examples, i.alignment) for i in derivation.included]:
        problems.append("the round record's included set or alignments differ from the re-derived ones")
    if record.get("failure") != derivation.failure:
        problems.append(
            f"the round record's failure ({record.get('failure')!r}) is not {derivation.failure!r}"
        )
    budget = int(record.get("rewardBudget", -1))
    if not 0 <= budget <= fc.coordinator.task(task).reward_per_round:
        problems.append("the round record's reward budget exceeds rewardPerRound")
    rewards = record_rewards(record)
    if derivation.model is None:
        if rewards or budget or rnd.rewards_root != bytes(32) or rnd.reward_total:
            problems.append("a failure report that pays rewards")
        return problems
    if rewards != split_rewards(budget, derivation.included):
        problems.append("the rewards are not the contribution-weighted split of the budget")
    if not rewards or RewardTree.build(rewards).root != rnd.rewards_root:
        problems.append("the rewards root differs from the round record's rewards")
    elif RewardTree.build(rewards).total != rnd.reward_total:
        problems.append("the reward total differs from the round record's rewards")
    return problems


@dataclass(frozen=True)
class Review:
    """A re-derived round against its submission: the problems found, and the blobs this node could not fetch.

    A problem is evidence only with a complete view: a node that could not fetch a blob the round needs and
    disagrees should abstain, not challenge (the store, not the aggregator, may be at fault).
    """

    problems: tuple[str, ...]
    unavailable: tuple[str, ...] = ()

    @property
    def conclusive(self) -> bool:
        """Whether the review can back a vote: no problem at all, or problems found on a complete view."""
        return not self.problems or not self.unavailable


def review_round(
    fc: Fedchain,
    store: BlobStore,
    spec: ModelSpec,
    strategy_factory: StrategyFactory,
    task: int,
    round_number: int,
) -> Review:
    """Re-derive a round with a submitted aggregate and compare (:func:`check_submitted`).

    The check reads each chain value once (:meth:`~fedchain.chain.client.Fedchain.read_scope`).
    """
    with fc.read_scope():
        try:
            derivation = rederive_round(fc, store, spec, strategy_factory, task, round_number)
        except (VerificationError, ModelIntegrityError) as exc:
            return Review((str(exc),))
        return Review(tuple(check_submitted(fc, store, derivation)), derivation.unavailable)


def check_round(
    fc: Fedchain,
    store: BlobStore,
    spec: ModelSpec,
    strategy_factory: StrategyFactory,
    task: int,
    round_number: int,
) -> list[str]:
    """Re-derive a round with a submitted aggregate and return every problem found (empty: attest)."""
    return list(review_round(fc, store, spec, strategy_factory, task, round_number).problems)


@dataclass(frozen=True)
class TaskReport:
    """The outcome of :func:`verify_task`.

    Attributes
    ----------
    ok
        Whether every blob the chain names checks out and every version re-derives bit for bit.
    lines
        One ``ok`` line per model version that holds, and one ``FAILED`` line per finding of one that does
        not (each naming the version, the round, the blob and the problem).
    findings
        The same failures as structured data, in version order.
    versions
        How many model versions were checked (version 0 included).
    """

    ok: bool
    lines: tuple[str, ...]
    findings: tuple[Finding, ...] = ()
    versions: int = 0

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``fedchain verify --json`` prints, with the task id)."""
        return {
            "ok": self.ok,
            "versions": self.versions,
            "lines": list(self.lines),
            "findings": [f.to_dict() for f in self.findings],
        }


def verify_task(
    fc: Fedchain,
    store: BlobStore,
    spec: ModelSpec | None,
    strategy_factory: StrategyFactory | None,
    task: int,
) -> TaskReport:
    """Check every blob the chain names for ``task`` and re-derive every model version from version 0.

    Version 0 is the task as created: its task spec (``specHash``) and its initial model. Each version
    ``i >= 1`` must link to version ``i - 1`` by its parent hash, come from a finalized round, have its own
    model blob intact (hashing to the registered hash and decoding with ``spec``), have the round record named
    by ``metricsHash`` intact, have every blob its aggregate derives from intact (in plain mode every revealed
    update; see :data:`~fedchain.node._audit.ROUND_INPUT_CHECKS`), and re-derive bit for bit, with its round
    record and rewards passing :func:`check_submitted`. A stateful strategy is carried from one round to the
    next, exactly as the aggregator did.

    A version whose own blob is damaged fails on its own line; the next version then reports that it cannot
    be re-derived because its base is unavailable, naming that version. With ``spec`` or
    ``strategy_factory`` ``None`` (the task spec cannot be read) the blobs are checked by hash only and no
    version is re-derived, which fails them all. The walk reads each chain value once
    (:meth:`~fedchain.chain.client.Fedchain.read_scope`).

    Raises
    ------
    StorageError
        If the store itself fails (an I/O error, not a missing or altered blob).
    """
    with fc.read_scope():
        strategy = strategy_factory() if strategy_factory is not None and spec is not None else None
        return _Walk(fc, store, spec, strategy, task).run()


class _Walk:
    """One pass of :func:`verify_task` over the model registry, version by version."""

    def __init__(
        self, fc: Fedchain, store: BlobStore, spec: ModelSpec | None, strategy: Strategy | None, task: int
    ) -> None:
        self.fc, self.store, self.spec, self.strategy, self.task = fc, store, spec, strategy, task
        self.unavailable: dict[bytes, int] = {}  # model hash -> the version whose blob is damaged
        self.underived: int | None = None  # first version a stateful strategy's state could not follow

    def run(self) -> TaskReport:
        fc, task = self.fc, self.task
        first = fc.models.version(task, 0)
        findings = check_task_spec(self.store, fc.coordinator.task(task).spec_hash)
        findings += self._model(0, first)
        lines = [f"version 0: initial model {first.model_hash.hex()[:16]} ok"] if not findings else []
        lines += [f.line for f in findings]
        previous = first
        count = fc.models.version_count(task)
        for index in range(1, count):
            version = fc.models.version(task, index)
            found = self._version(index, version, previous)
            ok = f"version {index} (round {version.round}): {version.model_hash.hex()[:16]} ok, bit for bit"
            lines += [f.line for f in found] if found else [ok]
            findings += found
            previous = version
        return TaskReport(ok=not findings, lines=tuple(lines), findings=tuple(findings), versions=count)

    def _model(self, index: int, version: ModelVersion) -> list[Finding]:
        found = check_model(self.store, self.spec, index, version)
        if found:
            self.unavailable[version.model_hash] = index
        return found

    def _version(self, index: int, version: ModelVersion, previous: ModelVersion) -> list[Finding]:
        fc, r = self.fc, version.round
        ctx = RoundContext(fc, self.store, self.spec, self.task, index, r)
        rnd = fc.coordinator.round(self.task, r)
        found: list[Finding] = []
        if version.parent_hash != previous.model_hash:
            found.append(ctx.finding(Kind.ROUND, f"its parent hash does not link to version {index - 1}"))
        if rnd.phase != Phase.FINALIZED:
            found.append(ctx.finding(Kind.ROUND, f"round {r} is not finalized"))
        found += self._model(index, version)
        record_found, record = check_round_record(ctx, rnd.metrics_hash)
        found += record_found
        inputs = [f for check in ROUND_INPUT_CHECKS.get(Mode(rnd.mode), ()) for f in check(ctx)]
        found += inputs
        found += self._rederive(ctx, version, rnd.base_model_hash, record, lost=bool(inputs))
        return found

    def _rederive(
        self,
        ctx: RoundContext,
        version: ModelVersion,
        base_hash: bytes,
        record: dict[str, Any] | None,
        *,
        lost: bool,
    ) -> list[Finding]:
        """Re-derive the version's round unless an input is unavailable; the findings about the round."""
        strategy, spec = self.strategy, self.spec
        if strategy is None or spec is None:
            return [ctx.finding(Kind.ROUND, "not re-derived: the task spec (version 0) is unavailable")]
        if base_hash in self.unavailable:
            base = self.unavailable[base_hash]
            self._lose(ctx.version)
            return [
                ctx.finding(
                    Kind.ROUND,
                    f"cannot be re-derived: its base, version {base} (model {base_hash.hex()[:16]}), is "
                    "unavailable",
                )
            ]
        if lost:  # the input findings above say which blob
            self._lose(ctx.version)
            return []
        if self.underived is not None and is_stateful(strategy):
            return [
                ctx.finding(
                    Kind.ROUND,
                    f"cannot be re-derived: the strategy's state comes through version {self.underived}, "
                    "which could not be re-derived",
                )
            ]
        try:
            derivation = derive_round(self.fc, self.store, spec, strategy, self.task, ctx.round)
        except (VerificationError, ModelIntegrityError) as exc:
            self._lose(ctx.version)
            return [ctx.finding(Kind.ROUND, f"cannot be re-derived: {exc}")]
        if derivation.model_hash != version.model_hash:
            self._lose(ctx.version)
            derived = (derivation.model_hash or b"").hex()[:16] or "no model"
            return [
                ctx.finding(
                    Kind.ROUND,
                    f"the re-derived aggregate ({derived}) differs from the registered model "
                    f"({version.model_hash.hex()[:16]})",
                )
            ]
        found = [ctx.finding(Kind.ROUND, problem) for problem in _aggregate_problems(self.fc, derivation)]
        if record is not None:
            metrics_hash = self.fc.coordinator.round(self.task, ctx.round).metrics_hash
            locator = self.store.locator_for(metrics_hash)
            found += [
                ctx.finding(Kind.ROUND_RECORD, problem, locator, metrics_hash)
                for problem in _record_problems(self.fc, derivation, record)
            ]
        return found

    def _lose(self, index: int) -> None:
        """Note that the strategy's state no longer follows the chain from version ``index`` on."""
        if self.strategy is not None and is_stateful(self.strategy) and self.underived is None:
            self.underived = index


class Verifier:
    """A watcher that checks every round of a task with a submitted aggregate (no transactions).

    Participants vote with the same checks; this class serves auditors that do not vote.
    """

    def __init__(
        self, fc: Fedchain, store: BlobStore, spec: ModelSpec, strategy_factory: StrategyFactory, task_id: int
    ) -> None:
        self.fc, self.store, self.spec, self.task = fc, store, spec, task_id
        self.strategy_factory = strategy_factory

    def check(self, round_number: int) -> list[str]:
        """The problems with round ``round_number``'s aggregate (empty: correct)."""
        return check_round(self.fc, self.store, self.spec, self.strategy_factory, self.task, round_number)

    def verify(self) -> TaskReport:
        """Re-derive every registered model version of the task."""
        return verify_task(self.fc, self.store, self.spec, self.strategy_factory, self.task)
