"""The aggregator role: open rounds, draw their seeds, aggregate, publish, finalize, slash; restart-safe."""

from __future__ import annotations

import copy
import os
import time

from fedchain.chain.bindings.coordinator import Aggregate, Mode, Phase, Round, Task
from fedchain.chain.bindings.errors import CoordinatorIdleGap, CoordinatorTooEarly
from fedchain.chain.client import TERMINAL_PHASES, Fedchain
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
from fedchain.node._settle import slash_round
from fedchain.node._state import StateFile, bind_state
from fedchain.storage import BlobStore

BOND_ROUNDS = 10
"""Rounds' worth of ``aggregatorBond`` the aggregator deposits when its standing deposit runs short."""

SEED_WINDOW = 256
"""Blocks during which a block hash is available to the contract (the EVM's ``BLOCKHASH`` window)."""


class Aggregator:
    """The task's aggregator, driven by chain state.

    Each :meth:`step` re-reads the chain and does the next needed action(s): top up its bond deposit and
    open a
    round when none is in progress (after the round's idle gap); draw the round's randomness when it can be
    drawn (a keeper's job anyone may do: on a chain that mines only on demand nobody else would); in the
    aggregate phase record exclusions, then store the model and the round record and submit, or submit a
    failure report when no model can be derived (its bond is kept: only a missing submission forfeits it);
    after the challenge window, finalize; once a round has ended, slash the members that skipped steps or
    dealt bad shares, with on-chain evidence.

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
            if rnd is None or rnd.phase in TERMINAL_PHASES:
                done = self._settle(r) if r else []
                return done + (self._open(r) if self.open_rounds else [])
            if self._randomness_pending(rnd):
                self.fc.coordinator.advance(self.task, phase="draw_seed")
                return [f"round {r}: drew the round's randomness from a block hash"]
            if rnd.phase == Phase.AGGREGATE:
                return self._aggregate(r)
            if rnd.phase == Phase.CHALLENGE:
                return self._finalize(r, rnd)
            return []

    # -- opening -----------------------------------------------------------------------------------------

    def _settle(self, r: int) -> list[str]:
        """Once per ended round: apply the slashes it owes (absentees, faults)."""
        saved = self.state.rounds().setdefault(str(r), {})
        if saved.get("settled"):
            return []
        done = slash_round(self.fc, self.task, r)
        saved["settled"] = True
        self.state.save()
        return done

    def _open(self, previous: int) -> list[str]:
        task = self.fc.coordinator.task(self.task)
        if task.closed or (task.max_rounds and task.round_count >= task.max_rounds):
            return []
        if (
            previous
            and self._now() < self.fc.coordinator.round(self.task, previous).ended_at + task.durations.idle
        ):
            return []  # the idle gap after a round, in which members may leave
        done = self._top_up_bond(task)
        try:
            self.fc.coordinator.open_round(self.task)
        except CoordinatorIdleGap:
            return done  # the chain's clock is behind the wall clock: try again later
        r = self.fc.coordinator.current_round(self.task)
        # Draw the cohort seed (the opening block's hash) from a later block at once: on a chain that mines
        # only on demand no member could act before some transaction is mined.
        self.fc.coordinator.advance(self.task, phase="draw_seed")
        return [*done, f"round {r}: opened"]

    def _top_up_bond(self, task: Task) -> list[str]:
        """Deposit up to ``BOND_ROUNDS`` rounds' bond (as much as it holds) when the deposit cannot cover the
        next round."""
        bond = task.aggregator_bond
        if task.bond_deposit >= bond:
            return []
        balance = self.fc.token.balance_of(self.fc.address)
        amount = max(bond - task.bond_deposit, min(BOND_ROUNDS * bond - task.bond_deposit, balance))
        vault = self.fc.vault.address
        if self.fc.token.allowance(self.fc.address, vault) < amount:
            self.fc.token.approve(vault, amount, phase="deposit_bond")
        self.fc.coordinator.deposit_bond(self.task, amount)
        return [f"deposited {amount} as its standing bond"]

    def _randomness_pending(self, rnd: Round) -> bool:
        """Whether the round's seed (or, in SecAgg, its graph seed) can be drawn by a transaction now."""
        latest = int(self.fc.w3.eth.block_number)
        if rnd.seed == bytes(32):
            return latest - rnd.open_block < SEED_WINDOW
        if rnd.mode == Mode.SEC_AGG and rnd.phase == Phase.SHARE_KEYS and rnd.graph_seed == bytes(32):
            # Not closed yet (the view simulates the close): the advance closes it; else it draws the seed.
            return rnd.graph_block == 0 or latest - rnd.graph_block < SEED_WINDOW
        return False

    def _now(self) -> int:
        # The next block's time is at least the wall clock on a live chain; the latest block can be old when
        # the chain mines only on demand (anvil), so either clock past the deadline is worth a try.
        return max(int(self.fc.w3.eth.get_block("latest")["timestamp"]), int(time.time()))

    # -- aggregating ---------------------------------------------------------------------------------------

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
        aggregate = self.build_aggregate(derivation)
        done.append(self._submit(r, aggregate, derivation))
        return done

    def build_aggregate(self, derivation: RoundDerivation) -> Aggregate:
        """Store the model (if any) and the round record; return what :meth:`step` submits.

        Without a model the submission is a failure report: no model, no rewards, the record saying why.
        """
        r = derivation.round
        task = self.fc.coordinator.task(self.task)
        budget = min(task.reward_per_round, self.fc.vault.pool_of(self.task)) if derivation.model else 0
        rewards = split_rewards(budget, derivation.included) if derivation.model else []
        metrics = self.evaluate(derivation.model) if self.evaluate and derivation.model else None
        record_ref = self.store.put(round_record(derivation, budget, rewards, metrics))
        saved: dict[str, object] = {"record": record_ref.to_dict()}
        model_hash, locator, tree = bytes(32), "", RewardTree.build(rewards) if rewards else None
        if derivation.model_bytes is not None:
            model_ref = self.store.put(derivation.model_bytes)
            saved["model"] = model_ref.to_dict()
            model_hash, locator = model_ref.sha256, model_ref.locator
        self.state.rounds().setdefault(str(r), {}).update(saved)
        self.state.save()
        return Aggregate(
            model_hash=model_hash,
            metrics_hash=record_ref.sha256,
            rewards_root=tree.root if tree else bytes(32),
            reward_total=tree.total if tree else 0,
            reveal_digest=derivation.reveal_digest,
            locator=locator,
        )

    def _submit(self, r: int, aggregate: Aggregate, derivation: RoundDerivation) -> str:
        self.fc.coordinator.submit_aggregate(self.task, r, aggregate)
        if aggregate.model_hash == bytes(32):
            return f"round {r}: submitted a failure report ({derivation.failure})"
        return f"round {r}: submitted model {aggregate.model_hash.hex()[:16]}"

    def _finalize(self, r: int, rnd: Round) -> list[str]:
        if self._now() < rnd.deadline:
            return []
        try:
            self.fc.coordinator.finalize(self.task, r)
        except CoordinatorTooEarly:
            return []
        phase = self.fc.coordinator.round(self.task, r).phase
        return [f"round {r}: finalized -> {phase.name.lower()}"]
