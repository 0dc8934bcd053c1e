"""The participant role: train, commit, reveal, verify and vote, claim; restart-safe."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from fedchain import codec
from fedchain.chain.bindings.coordinator import MemberActivity, Mode, Node, Phase, Round
from fedchain.chain.client import TERMINAL_PHASES, Fedchain, commitment
from fedchain.codec import ModelSpec
from fedchain.fl.client import NumPyClient, validate_fit_result
from fedchain.fl.strategies import FedAvg, Params
from fedchain.fl.typing import Config, from_named, to_named
from fedchain.incentives import RewardTree
from fedchain.node._derive import load_model, read_round_record, record_rewards
from fedchain.node._pending import PendingBlobs
from fedchain.node._secagg_member import forget_secrets, secagg_step
from fedchain.node._state import StateFile, bind_state
from fedchain.node.errors import ModelIntegrityError, NodeStateError, VerificationError
from fedchain.node.verifier import StrategyFactory, review_round
from fedchain.storage import BlobStore, ContentRef


class Participant:
    """A task member driven by chain state.

    Each :meth:`step` re-reads the chain and does at most the next needed action per round. The local state
    file holds only secrets and artifacts: for each round, the salt and the update's reference, written
    before ``commit`` so a restarted node can still reveal. The update's bytes stay in the node's private
    pending folder (:mod:`fedchain.node._pending`) until it reveals: nobody can copy them while commitments
    are still open.

    Parameters
    ----------
    fc
        The chain, bound to this member's signer.
    store
        Where models, updates and round records live.
    client
        The local learning (:class:`~fedchain.fl.client.NumPyClient`).
    spec
        The task's model spec.
    task_id
        The task, which this member has joined.
    state_path
        The node's JSON state file.
    num_examples
        The example count declared at reveal (the reward weight).
    strategy_factory
        The task's strategy, to re-derive aggregates before voting; ``None``: FedAvg.
    fit_config
        Extra values passed to ``client.fit`` (``server_round`` is always set).
    rounds
        How many rounds this node may still enter (``None``: no limit). It never enters a round it may not
        finish: once the budget is spent it only finishes, votes in and claims the rounds it entered
        (:attr:`finished` then says so).
    """

    def __init__(
        self,
        fc: Fedchain,
        store: BlobStore,
        client: NumPyClient,
        spec: ModelSpec,
        task_id: int,
        state_path: str | os.PathLike[str],
        *,
        num_examples: int,
        strategy_factory: StrategyFactory | None = None,
        fit_config: Config | None = None,
        rounds: int | None = None,
    ) -> None:
        self.fc, self.store, self.client, self.spec, self.task = fc, store, client, spec, task_id
        self.state = StateFile(state_path)
        bind_state(self.state, fc.deployment.chain_id, fc.coordinator.address, task_id)
        self.pending = PendingBlobs(self.state.path)  # committed updates, unpublished until the reveal
        self.num_examples = num_examples
        self.strategy_factory: StrategyFactory = strategy_factory or FedAvg
        self.fit_config: Config = dict(fit_config or {})
        self.salt_source: Callable[[int], bytes] = os.urandom
        self.budget = rounds
        self.stopped: str | None = None  # why this member can take part in no more rounds, once it cannot
        self._told: set[str] = set()

    @property
    def address(self) -> str:
        return self.fc.address

    # -- the step --------------------------------------------------------------------------------------

    def step(self) -> list[str]:
        """Do the next needed action(s) and describe them; ``[]`` when there is nothing to do now.

        The step reads the chain once per value (:meth:`~fedchain.chain.client.Fedchain.read_scope`; a
        transaction of its own makes it read again), and reads the member's activity only in a phase where it
        may act.

        Raises
        ------
        ModelIntegrityError
            If the global model's bytes differ from the model registry (nothing is committed).
        """
        with self.fc.read_scope():
            done = self._settle_past_rounds()
            r = self.fc.coordinator.current_round(self.task)
            if r == 0 or self.fc.facts.settled_phase(self.task, r) is not None:
                return done  # no round, or a settled one: nothing to do in it
            rnd = self.fc.coordinator.round(self.task, r)
            self.fc.facts.note_phase(self.task, r, rnd.phase, latest=True)
            if rnd.mode == Mode.SEC_AGG and rnd.phase < Phase.AGGREGATE:
                done += secagg_step(self, r, rnd, self._activity())
            elif rnd.phase == Phase.COMMIT:
                act = self._activity()
                if act.committed != r and self.may_enter(r, act, done):
                    done.append(self._commit(r, rnd))
                    self.count_entry()
            elif rnd.phase == Phase.REVEAL:
                act = self._activity()
                if act.committed == r and act.revealed != r:
                    done.append(self._reveal(r))
            elif rnd.phase == Phase.CHALLENGE:
                act = self._activity()
                abstained = self.state.rounds().get(str(r), {}).get("abstained")
                if act.voted != r and not abstained and self._may_vote(rnd, act):
                    done.append(self._vote(r))
            return done

    def _activity(self) -> MemberActivity:
        return self.fc.coordinator.member_activity(self.task, self.fc.address)

    # -- entering a round ------------------------------------------------------------------------------

    def may_enter(self, r: int, act: MemberActivity, said: list[str]) -> bool:
        """Whether this member takes part in round ``r`` (advertises in SecAgg, commits otherwise).

        Not if it is not in the cohort or its budget is spent; and not while the chain refuses it: then it
        says why once (appended to ``said``) instead of sending a transaction that would revert.
        """
        if self.budget is not None and self.budget <= 0:
            return False
        if not act.joined:
            self.stopped = "no longer a member of the task (it left or was evicted)"
            self._tell(said, f"stopped: {self.stopped}")
            owed = self.fc.vault.owed_to(self.fc.address)
            if owed:  # an evicted member's stake is a credit (pull payment): collect it
                self.fc.vault.withdraw()
                said.append(f"withdrew {owed} owed to it by the vault (its stake, returned at eviction)")
            return False
        if act.suspended:
            stake = self.fc.vault.stake_of(self.task, self.fc.address)
            required = self.fc.coordinator.task(self.task).required_stake
            self.stopped = f"suspended: a slash left its stake at {stake}, below the {required} required"
            self._tell(said, f"stopped: {self.stopped}; it may only leave the task (its stake is returned)")
            return False
        absent, dispute, fault = self.fc.coordinator.pending_slash(self.task, self.fc.address)
        if absent or dispute or fault:
            why = (
                f"it left round {absent} early" if absent
                else f"it voted on the losing side in round {dispute}" if dispute
                else f"it was excluded for a fault in round {fault}"
            )  # fmt: skip
            waiting = (
                f"waiting: a slash is pending ({why}); new rounds are closed to it until someone applies it"
            )
            self._tell(said, f"{waiting} (the aggregator does; anyone may)")
            return False
        return self.fc.coordinator.is_in_cohort(self.task, r, self.fc.address)

    def count_entry(self) -> None:
        """One more round entered: one less in the budget."""
        if self.budget is not None:
            self.budget -= 1

    def _tell(self, said: list[str], line: str) -> None:
        """Say ``line`` once per process (a status, not an action to repeat at every step)."""
        if line not in self._told:
            self._told.add(line)
            said.append(line)

    @property
    def finished(self) -> bool:
        """Whether the round budget is spent and every round this node entered has ended and been settled."""
        if self.budget is None or self.budget > 0:
            return self.stopped is not None
        return all(saved.get("settled") for saved in self.state.rounds().values())

    # -- actions ---------------------------------------------------------------------------------------

    def _commit(self, r: int, rnd: Round) -> str:
        saved = self.state.rounds().get(str(r))
        if saved is None:
            ref = self._train(r, rnd)
            examples = self._weight()
            saved = {"salt": self.salt_source(32).hex(), "update": ref.to_dict(), "numExamples": examples}
            self.state.rounds()[str(r)] = saved
            self.state.save()  # before the commit: a crash after it can still reveal
        ref = ContentRef.from_dict(saved["update"])
        salt = bytes.fromhex(saved["salt"])
        examples = int(saved["numExamples"])
        c = commitment(self.task, r, self.fc.address, ref.sha256, examples, salt)
        self.fc.coordinator.commit(self.task, r, c)
        capped = f", capped from {self.num_examples} by the task" if examples < self.num_examples else ""
        return f"round {r}: committed update {ref.digest_hex[:16]} ({examples} examples{capped})"

    def _weight(self) -> int:
        """The example count to commit: the client's, capped at the task's ``maxExamples`` (the coordinator
        refuses more; the task owner chose the cap as the largest weight one update may carry)."""
        return min(self.num_examples, self.fc.coordinator.task(self.task).max_examples)

    def _train(self, r: int, rnd: Round) -> ContentRef:
        head = self.fc.models.head(self.task)
        if head.model_hash != rnd.base_model_hash:
            raise ModelIntegrityError("the model registry head is not the round's base model")
        params = load_model(self.store, self.spec, head.model_hash, head.locator)
        config: Config = {**self.fit_config, "server_round": r}
        fit = validate_fit_result(self.client.fit(from_named(params, self.spec), config), self.spec)
        # Not in the store yet: a peer could copy it before the commit phase closes (published in _reveal).
        return self.pending.keep(self.store, self.encode_update(to_named(fit.parameters, self.spec)))

    def encode_update(self, update: Params) -> bytes:
        """The bytes published for an update (the canonical encoding; tests override it to misbehave)."""
        return codec.encode(update, self.spec)

    def _reveal(self, r: int) -> str:
        saved = self.state.rounds().get(str(r))
        if saved is None:
            raise NodeStateError(f"committed in round {r} but the state file holds no salt for it")
        ref = ContentRef.from_dict(saved["update"])
        salt = bytes.fromhex(saved["salt"])
        examples = int(saved["numExamples"])  # secagg: 0, the weight is inside the masked vector
        self.pending.publish(self.store, ref)  # the commit phase is closed: nobody can commit to it any more
        self.fc.coordinator.reveal(self.task, r, ref.sha256, salt, examples, ref.locator)
        self.pending.forget(ref)
        if saved.get("secagg"):
            return f"round {r}: revealed its masked update"
        return f"round {r}: revealed {examples} examples"

    def _may_vote(self, rnd: Round, act: MemberActivity) -> bool:
        """The coordinator's vote rules: a member since before the round opened, not suspended, not the
        aggregator."""
        if not act.joined or act.suspended or act.index >= rnd.member_count:
            return False
        return self.fc.coordinator.task(self.task).aggregator != self.fc.address

    def _vote(self, r: int) -> str:
        review = review_round(self.fc, self.store, self.spec, self.strategy_factory, self.task, r)
        if not review.conclusive:  # it could not fetch everything: no evidence either way
            self.state.rounds().setdefault(str(r), {})["abstained"] = True
            self.state.save()
            return f"round {r}: abstained (could not fetch {', '.join(review.unavailable)})"
        if review.problems:
            self.fc.coordinator.challenge(self.task, r)
            return f"round {r}: challenged ({'; '.join(review.problems)})"
        self.fc.coordinator.attest(self.task, r)
        return f"round {r}: re-derived the aggregate bit for bit, attested"

    def _settle_past_rounds(self) -> list[str]:
        """Claim the reward of every finished round this node took part in (once, checked on-chain)."""
        done: list[str] = []
        rounds = self.state.rounds()
        for key, saved in sorted(rounds.items(), key=lambda kv: int(kv[0])):
            if saved.get("settled"):
                continue
            r = int(key)
            rnd = self.fc.coordinator.round(self.task, r)
            self.fc.facts.note_phase(self.task, r, rnd.phase, latest=True)
            if rnd.phase not in TERMINAL_PHASES:
                continue
            forget_secrets(saved)
            if "update" in saved:
                self.pending.forget(ContentRef.from_dict(saved["update"]))
            if rnd.phase == Phase.FINALIZED:
                line = self._claim(r, rnd)
                if line is None:
                    continue  # the round record is unreadable for now: try again at the next step
                done.append(line)
            saved["settled"] = True
            self.state.save()
        return done

    def _claim(self, r: int, rnd: Round) -> str | None:
        """Claim round ``r``'s reward if owed and not claimed; ``None`` when the record cannot be read."""
        if self.fc.coordinator.is_claimed(self.task, r, self.fc.address):
            return f"round {r}: reward already claimed"
        try:
            rewards = record_rewards(read_round_record(self.store, rnd.metrics_hash))
        except (VerificationError, KeyError, ValueError, TypeError):
            return None
        tree = RewardTree.build(rewards)
        amount = tree.amount(self.fc.address)
        if tree.root != rnd.rewards_root or amount <= 0:
            return f"round {r}: no reward"
        proof = [Node(*sibling) for sibling in tree.proof(self.fc.address)]
        self.fc.coordinator.claim(self.task, r, amount, proof)
        return f"round {r}: claimed {amount}"

    def describe(self) -> dict[str, Any]:
        """The local state (for status output)."""
        return dict(self.state.data)
