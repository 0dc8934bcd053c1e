"""The aggregator role: open rounds, exclude bad updates, aggregate, publish, finalize; restart-safe."""

from __future__ import annotations

import copy
import os
import time

from fedchain.chain.bindings.coordinator import Aggregate, Phase, Round
from fedchain.chain.bindings.errors import CoordinatorTooEarly
from fedchain.chain.client import Fedchain
from fedchain.codec import ModelSpec
from fedchain.fl.strategies import Strategy
from fedchain.incentives import RewardTree
from fedchain.node._derive import (
    Evaluate,
    RoundDerivation,
    derive_round,
    round_record,
    split_rewards,
    strategy_before,
)
from fedchain.node._state import StateFile, bind_state
from fedchain.storage import BlobStore

_TERMINAL = (Phase.FINALIZED, Phase.REJECTED, Phase.ABORTED)


class Aggregator:
    """The task's aggregator, driven by chain state.

    Each :meth:`step` re-reads the chain and does the next needed action(s): open a round when none is in
    progress; in the aggregate phase record exclusions, then store the model and the round record and
    submit; after the challenge window, finalize. When no valid update remains it submits nothing and the
    round aborts at its aggregate deadline.

    Parameters
    ----------
    fc
        The chain, bound to the task's aggregator key.
    store
        Where updates are read and models and round records written.
    strategy
        The task's strategy in its initial state; used as a template and never mutated (a stateful one is
        replayed over the accepted rounds, so a restart or a rejected round cannot desynchronise it).
    spec
        The task's model spec.
    task_id
        The task.
    state_path
        The node's JSON state file (artifacts of submitted rounds, for operators).
    evaluate
        Optional evaluation of each aggregate; its metrics go into the round record.
    open_rounds
        Whether to open rounds; ``False`` for an aggregator that only serves rounds others open.
    """

    def __init__(
        self,
        fc: Fedchain,
        store: BlobStore,
        strategy: Strategy,
        spec: ModelSpec,
        task_id: int,
        state_path: str | os.PathLike[str],
        *,
        evaluate: Evaluate | None = None,
        open_rounds: bool = True,
    ) -> None:
        self.fc, self.store, self.spec, self.task = fc, store, spec, task_id
        self.template = copy.deepcopy(strategy)
        self.state = StateFile(state_path)
        bind_state(self.state, fc.deployment.chain_id, fc.coordinator.address, task_id)
        self.evaluate = evaluate
        self.open_rounds = open_rounds

    def step(self) -> list[str]:
        """Do the next needed action(s) and describe them; ``[]`` when there is nothing to do now.

        The step reads the chain once per value (:meth:`~fedchain.chain.client.Fedchain.read_scope`; a
        transaction of its own makes it read again).
        """
        with self.fc.read_scope():
            r = self.fc.coordinator.current_round(self.task)
            settled = self.fc.facts.settled_phase(self.task, r) if r else None
            rnd = self.fc.coordinator.round(self.task, r) if r and settled is None else None
            if rnd is not None:
                self.fc.facts.note_phase(self.task, r, rnd.phase, latest=True)
            if rnd is None or rnd.phase in _TERMINAL:
                return self._open() if self.open_rounds else []
            if rnd.phase == Phase.AGGREGATE:
                return self._aggregate(r)
            if rnd.phase == Phase.CHALLENGE:
                return self._finalize(r, rnd)
            return []

    def _open(self) -> list[str]:
        task = self.fc.coordinator.task(self.task)
        if task.closed or (task.max_rounds and task.round_count >= task.max_rounds):
            return []
        self.fc.coordinator.open_round(self.task)
        r = self.fc.coordinator.current_round(self.task)
        return [f"round {r}: opened"]

    def derive(self, r: int) -> RoundDerivation:
        """Re-derive round ``r`` with the strategy brought to its state before ``r``."""
        strategy = strategy_before(self.fc, self.store, self.spec, self.template, self.task, r)
        return derive_round(self.fc, self.store, self.spec, strategy, self.task, r)

    def _aggregate(self, r: int) -> list[str]:
        done: list[str] = []
        derivation = self.derive(r)
        for exclusion in derivation.excluded:
            if self.fc.coordinator.member_activity(self.task, exclusion.member).excluded != r:
                self.fc.coordinator.record_exclusion(self.task, r, exclusion.member, exclusion.reason)
                done.append(f"round {r}: excluded {exclusion.member} ({exclusion.reason.name})")
        if derivation.model is None or derivation.model_bytes is None:
            # Nothing to submit: report it once, with the exclusions, then wait quietly for the abort.
            note = f"round {r}: no valid update; the round will abort at its deadline"
            return [*done, note] if done else []
        aggregate = self.build_aggregate(derivation)
        done.append(self._submit(r, aggregate))
        return done

    def build_aggregate(self, derivation: RoundDerivation) -> Aggregate:
        """Store the model and the round record; return what :meth:`step` submits."""
        assert derivation.model is not None and derivation.model_bytes is not None
        r = derivation.round
        task = self.fc.coordinator.task(self.task)
        budget = min(task.reward_per_round, self.fc.vault.pool_of(self.task))
        rewards = split_rewards(budget, derivation.included)
        metrics = self.evaluate(derivation.model) if self.evaluate is not None else None
        model_ref = self.store.put(derivation.model_bytes)
        record_ref = self.store.put(round_record(derivation, budget, rewards, metrics))
        tree = RewardTree.build(rewards)
        self.state.rounds()[str(r)] = {"model": model_ref.to_dict(), "record": record_ref.to_dict()}
        self.state.save()
        return Aggregate(
            model_hash=model_ref.sha256,
            metrics_hash=record_ref.sha256,
            rewards_root=tree.root,
            reward_total=tree.total,
            reveal_digest=derivation.reveal_digest,
            locator=model_ref.locator,
        )

    def _submit(self, r: int, aggregate: Aggregate) -> str:
        bond = self.fc.coordinator.task(self.task).aggregator_bond
        vault = self.fc.vault.address
        if self.fc.token.allowance(self.fc.address, vault) < bond:
            self.fc.token.approve(vault, bond, phase="submit_aggregate")
        self.fc.coordinator.submit_aggregate(self.task, r, aggregate)
        return f"round {r}: submitted model {aggregate.model_hash.hex()[:16]}, bond posted"

    def _finalize(self, r: int, rnd: Round) -> list[str]:
        # The next block's time is at least the wall clock on a live chain; the latest block can be old when
        # the chain mines only on demand (anvil), so either clock past the deadline is worth a try.
        now = max(int(self.fc.w3.eth.get_block("latest")["timestamp"]), int(time.time()))
        if now < rnd.deadline:
            return []
        try:
            self.fc.coordinator.finalize(self.task, r)
        except CoordinatorTooEarly:
            return []
        phase = self.fc.coordinator.round(self.task, r).phase
        return [f"round {r}: finalized -> {phase.name.lower()}"]
