"""A deployment with one task and its parties: the fixture of fedchain's own integration suite."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from fedchain.chain import ChainBackend, GasLedger, Transactor
from fedchain.chain.bindings.coordinator import Aggregate, Durations, Mode, TaskParams
from fedchain.chain.client import Fedchain, commitment, deploy_all, initial_reveal_digest, next_reveal_digest
from fedchain.incentives import RewardTree
from fedchain.taskspec import DEFAULT_MAX_EXAMPLES

TOKEN = 10**18
STAKE = 10 * TOKEN
BOND = 5 * TOKEN
PER_ROUND = 90 * TOKEN
EXAMPLES = 100
"""What every member of the world commits to (its weight)."""
DURATIONS = Durations(
    advertise=0, share=0, commit=600, reveal=600, unmask=0, aggregate=600, challenge=300, idle=0
)


def h(label: str) -> bytes:
    """A readable 32-byte test value."""
    return label.encode().ljust(32, b"\0")


@dataclass
class World:
    backend: ChainBackend
    owner: Fedchain
    aggregator: Fedchain
    members: list[Fedchain]
    outsider: Fedchain
    task: int
    ledger: GasLedger
    salts: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def create(cls, backend: ChainBackend, *, members: int, cohort: int | None = None) -> World:
        ledger = GasLedger()
        owner_key = backend.funded_signer()
        keys = [backend.funded_signer() for _ in range(members + 2)]
        tx = Transactor(backend.w3, owner_key, role="owner", ledger=ledger)
        mint: dict[str, int] = {owner_key.address: 10 * PER_ROUND}
        mint |= {k.address: 100 * TOKEN for k in keys}
        deployment = deploy_all(tx, owner_key, mint=mint)
        owner = Fedchain(backend.w3, deployment, tx, owner_key, role="owner")
        params = TaskParams(
            spec_hash=h("spec"),
            initial_model_hash=h("model-0"),
            initial_model_locator="fedchain-memory://sha256/" + "00" * 32,
            reward_pool=3 * PER_ROUND,
            reward_per_round=PER_ROUND,
            required_stake=STAKE,
            aggregator_bond=BOND,
            non_reveal_slash=STAKE // 2,
            dispute_slash=STAKE // 2,
            skip_slash=STAKE // 10,
            cohort_size=cohort or members,
            min_revealers=1,
            max_rounds=0,
            mode=Mode.PLAIN,
            aggregator=keys[0].address,
            durations=DURATIONS,
            max_examples=DEFAULT_MAX_EXAMPLES,
        )
        owner.token.approve(owner.vault.address, params.reward_pool)
        receipt = owner.coordinator.create_task(params)
        task = owner.coordinator.events_in_receipt(receipt, "TaskCreated")[0].task
        world = cls(
            backend=backend,
            owner=owner,
            aggregator=owner.as_signer(keys[0], "aggregator"),
            members=[owner.as_signer(k, "participant") for k in keys[1 : members + 1]],
            outsider=owner.as_signer(keys[-1], "outsider"),
            task=task,
            ledger=ledger,
        )
        for m in world.members:
            world.join(m)
        world.aggregator.token.approve(world.aggregator.vault.address, 10 * BOND)
        world.aggregator.coordinator.deposit_bond(task, 10 * BOND)  # the standing bond rounds lock
        return world

    @staticmethod
    def consent_of(party: Fedchain) -> tuple[bytes, bytes]:
        """The party's (consent reference, dataset commitment)."""
        return h("consent-" + party.address[2:10]), h("data-" + party.address[2:10])

    def join(self, party: Fedchain, stake: int = STAKE) -> None:
        ref, dataset = self.consent_of(party)
        party.consent.record_consent(ref, h("consent-doc"), dataset, 0)
        party.token.approve(party.vault.address, stake)
        party.coordinator.join(self.task, stake, dataset, ref)

    def update_hash(self, party: Fedchain, r: int) -> bytes:
        return h(f"update-{r}-{party.address[2:8]}")

    def commit(self, party: Fedchain, r: int) -> None:
        salt = os.urandom(32)
        c = commitment(self.task, r, party.address, self.update_hash(party, r), EXAMPLES, salt)
        party.coordinator.commit(self.task, r, c)
        self.salts[party.address] = salt  # only once the commitment is on-chain

    def reveal(self, party: Fedchain, r: int) -> None:
        salt = self.salts[party.address]
        party.coordinator.reveal(self.task, r, self.update_hash(party, r), salt, EXAMPLES, "loc")

    def submit(self, r: int, revealers: list[Fedchain]) -> RewardTree:
        digest = initial_reveal_digest(self.task, r)
        for p in revealers:
            digest = next_reveal_digest(digest, p.address, self.update_hash(p, r), EXAMPLES)
        share = PER_ROUND // len(revealers)
        tree = RewardTree.build([(p.address, share) for p in revealers])
        self.aggregator.token.approve(self.aggregator.vault.address, BOND)
        self.aggregator.coordinator.submit_aggregate(
            self.task,
            r,
            Aggregate(
                model_hash=h(f"model-{r}"),
                metrics_hash=h("metrics"),
                rewards_root=tree.root,
                reward_total=tree.total,
                reveal_digest=digest,
                locator=f"loc-model-{r}",
            ),
        )
        return tree

    def run_round(self, *, attest: bool = True) -> tuple[int, RewardTree]:
        """Open a round and draw its seed (as the aggregator node does); every member commits and reveals;
        aggregate; attest; finalize."""
        self.owner.coordinator.open_round(self.task)
        self.owner.coordinator.advance(self.task)  # a later block: the opening block's hash is the seed
        r = self.owner.coordinator.current_round(self.task)
        for m in self.members:
            self.commit(m, r)
        for m in self.members:
            self.reveal(m, r)
        tree = self.submit(r, self.members)
        if attest:
            self.members[0].coordinator.attest(self.task, r)
        self.backend.advance_time(DURATIONS.challenge + 1)
        self.owner.coordinator.finalize(self.task, r)
        return r, tree

    def vault_conserved(self) -> bool:
        v = self.owner.vault
        tracked = v.total_stakes() + v.total_pools() + v.total_bonds() + v.total_claimable()
        return tracked == self.owner.token.balance_of(v.address)
