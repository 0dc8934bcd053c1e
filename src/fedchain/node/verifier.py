"""The verifier: re-derive rounds from public data and compare with what the chain records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fedchain.chain.bindings.coordinator import Phase
from fedchain.chain.client import Fedchain
from fedchain.codec import ModelSpec
from fedchain.fl.strategies import Strategy
from fedchain.incentives import RewardTree
from fedchain.node._derive import (
    RoundDerivation,
    derive_round,
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
    task, r = derivation.task, derivation.round
    rnd = fc.coordinator.round(task, r)
    problems: list[str] = []
    if (derivation.model_hash or bytes(32)) != rnd.model_hash:
        if rnd.model_hash == bytes(32):
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
    try:
        record = read_round_record(store, rnd.metrics_hash)
    except VerificationError as exc:
        return [*problems, str(exc)]
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
    """The outcome of :func:`verify_task`: one line per model version, and whether all of them hold."""

    ok: bool
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(self.lines)


def verify_task(
    fc: Fedchain, store: BlobStore, spec: ModelSpec, strategy_factory: StrategyFactory, task: int
) -> TaskReport:
    """Walk the task's model registry and re-derive every version from version 0, in order.

    Each version ``i >= 1`` must come from a finalized round whose re-derived model hash equals the
    registered one, whose round record and rewards pass :func:`check_submitted`, and link to version
    ``i - 1`` by its parent hash. A stateful strategy is carried from one round to the next, exactly as the
    aggregator did. The walk reads each chain value once (:meth:`~fedchain.chain.client.Fedchain.read_scope`).
    """
    with fc.read_scope():
        return _verify_task(fc, store, spec, strategy_factory(), task)


def _verify_task(
    fc: Fedchain, store: BlobStore, spec: ModelSpec, strategy: Strategy, task: int
) -> TaskReport:
    count = fc.models.version_count(task)
    previous = fc.models.version(task, 0)
    lines = [f"version 0: initial model {previous.model_hash.hex()[:16]}"]
    ok = True
    for index in range(1, count):
        version = fc.models.version(task, index)
        problems: list[str] = []
        if version.parent_hash != previous.model_hash:
            problems.append("parent hash does not link to the previous version")
        if fc.coordinator.round(task, version.round).phase != Phase.FINALIZED:
            problems.append(f"round {version.round} is not finalized")
        try:
            derivation = derive_round(fc, store, spec, strategy, task, version.round)
            if derivation.model_hash != version.model_hash:
                problems.append("re-derived model hash differs")
            else:
                problems += check_submitted(fc, store, derivation)
        except (VerificationError, ModelIntegrityError) as exc:
            problems.append(str(exc))
        ok = ok and not problems
        verdict = "ok, bit for bit" if not problems else "FAILED: " + "; ".join(problems)
        lines.append(f"version {index} (round {version.round}): {version.model_hash.hex()[:16]} {verdict}")
        previous = version
    return TaskReport(ok=ok, lines=tuple(lines))


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
