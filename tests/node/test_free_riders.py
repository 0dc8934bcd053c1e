"""Free riders (issue 9, "fair pay without trusting a majority"): a member that copies a peer's update earns
nothing.

Finding: the update blob went into the shared store at commit time, before the commit phase closed, so a free
rider read a peer's blob, committed to the same hash and was paid as much as the peer. Now a member publishes
its blob only when it reveals (after the commit phase), and equal update hashes in a round are excluded as
``DUPLICATE``.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from node_federation import CrashAfterCommit, Federation, build_federation

from fedchain import codec
from fedchain.chain import ChainBackend
from fedchain.chain.bindings.coordinator import ExclusionReason, Phase, Round
from fedchain.chain.client import commitment
from fedchain.exceptions import CodecError
from fedchain.fl.strategies import FedAvg
from fedchain.node import (
    NodeStateError,
    Participant,
    _secagg_member,
    read_round_record,
    run_rounds,
    verify_task,
)
from fedchain.node._pending import PendingBlobs
from fedchain.storage import ContentRef, LocalDirectoryStore, MemoryStore
from fedchain.taskspec import SecAggSpec


def _updates_in_store(store: LocalDirectoryStore, f: Federation, base_model_hash: bytes) -> list[ContentRef]:
    """Every blob in the shared store that decodes as an update of the task's model (not the base model)."""
    found = []
    for path in sorted((store.root / "sha256").glob("*/*/*")):
        data = path.read_bytes()
        ref = store.ref_for(data)
        if ref.sha256 == base_model_hash:
            continue
        try:
            codec.decode(data, f.spec)
        except CodecError:
            continue  # the task spec, or anything else that is not an update
        found.append(ref)
    return found


NOTHING = "found nothing to copy"


class StoreScanner(Participant):
    """Trains nothing: in the commit phase it scans the shared store for a peer's update and commits to it."""

    federation: Federation
    looks: list[int]

    def step(self) -> list[str]:
        return [a for a in super().step() if a != NOTHING]  # a fruitless look is no progress: time moves on

    def _commit(self, r: int, rnd: Round) -> str:
        assert isinstance(self.store, LocalDirectoryStore)
        found = _updates_in_store(self.store, self.federation, rnd.base_model_hash)
        self.looks.append(len(found))
        if not found:
            return NOTHING
        ref, salt = found[0], self.salt_source(32)
        examples = self._weight()
        self.state.rounds()[str(r)] = {"salt": salt.hex(), "update": ref.to_dict(), "numExamples": examples}
        self.state.save()
        self.fc.coordinator.commit(
            self.task, r, commitment(self.task, r, self.address, ref.sha256, examples, salt)
        )
        return f"round {r}: committed a copy of {ref.digest_hex[:16]}"


def test_a_free_rider_scanning_the_store_in_the_commit_phase_finds_no_update_to_copy(
    federation: Federation,
) -> None:
    f = federation
    honest = [f.participant(0), f.participant(1)]
    rider = f.participant(2, StoreScanner)
    assert isinstance(rider, StoreScanner)
    rider.federation, rider.looks = f, []
    # The rider steps after both peers in every sweep: it looks once they have committed.
    log = run_rounds(f.aggregator(), [*honest, rider], f.backend, rounds=1)

    assert log.finalized == [1]
    assert rider.looks and set(rider.looks) == {0}  # every look in the commit phase: nothing there
    coordinator = f.owner.coordinator
    assert coordinator.member_activity(f.task, rider.address).committed == 0  # so it never committed
    rnd = coordinator.round(f.task, 1)
    # Once the peers revealed (the commit phase closed: too late to commit) the scan finds both updates.
    revealed = coordinator.events("UpdateRevealed", from_block=f.owner.deployment.block)
    now_there = {ref.sha256 for ref in _updates_in_store(f.store, f, rnd.base_model_hash)}
    assert now_there - {rnd.model_hash} == {bytes(e.update_hash) for e in revealed} and len(revealed) == 2
    record = read_round_record(f.store, rnd.metrics_hash)
    assert {m for m, a in record["rewards"] if int(a) > 0} == {p.address for p in honest}


def test_an_update_is_not_in_the_store_until_its_member_reveals(federation: Federation) -> None:
    f = federation
    f.aggregator().step()  # opens round 1
    p = f.participant(0)
    assert any("committed" in a for a in p.step())
    ref = ContentRef.from_dict(p.state.rounds()["1"]["update"])
    assert not f.store.exists(ref)  # committed, unpublished
    kept = p.pending.path_for(ref)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    run_rounds(f.aggregator(), [p, f.participant(1), f.participant(2)], f.backend, rounds=1)
    assert f.store.exists(ref)  # published at its reveal
    assert not kept.exists() and not kept.parent.exists()  # the private copy is gone once published


class Original(Participant):
    """Trains honestly and hands its encoded update to an accomplice before committing (out of band)."""

    handoff: dict[str, bytes]

    def encode_update(self, update: Any) -> bytes:
        data = super().encode_update(update)
        self.handoff["update"] = data
        return data


class Copier(Participant):
    """Commits to the accomplice's bytes, with its own salt and example count."""

    handoff: dict[str, bytes]

    def encode_update(self, update: Any) -> bytes:
        return self.handoff["update"]


def test_members_revealing_the_same_update_are_all_excluded_as_duplicates_and_unpaid(
    federation: Federation,
) -> None:
    """A copier that gets a peer's bytes before committing can only get them from that peer: collusion
    (or one operator with two stakes). Copying out of the shared store before the commit phase closes is no
    longer possible (the tests above), so excluding *both* members is right: an honest member is never
    copied, the public data cannot tell which of the pair trained (commit order is theirs to choose), and
    paying either would let the pair split one reward for one piece of work. The honest third member gets
    the whole budget."""
    f = federation
    handoff: dict[str, bytes] = {}
    original, copier, honest = f.participant(0, Original), f.participant(1, Copier), f.participant(2)
    original.handoff = copier.handoff = handoff  # type: ignore[attr-defined]
    log = run_rounds(f.aggregator(), [original, copier, honest], f.backend, rounds=1)

    assert log.finalized == [1]
    coordinator = f.owner.coordinator
    revealed = coordinator.events("UpdateRevealed", from_block=f.owner.deployment.block)
    by_member = {e.member: bytes(e.update_hash) for e in revealed}
    assert by_member[original.address] == by_member[copier.address] != by_member[honest.address]
    excluded = coordinator.events("UpdateExcluded", from_block=f.owner.deployment.block)
    pair = {original.address, copier.address}
    assert {(e.member, e.reason) for e in excluded} == {(m, ExclusionReason.DUPLICATE) for m in pair}
    rnd = coordinator.round(f.task, 1)
    record = read_round_record(f.store, rnd.metrics_hash)
    assert {i["member"] for i in record["included"]} == {honest.address}
    assert [m for m, a in record["rewards"] if int(a) > 0] == [honest.address]
    assert coordinator.is_claimed(f.task, 1, honest.address)
    assert not any(coordinator.is_claimed(f.task, 1, m) for m in pair)
    assert verify_task(f.owner, f.store, f.spec, FedAvg, f.task).ok  # every verifier re-derives it


class CannotTrain(Participant):
    """A restarted node must not train again (its new update would not match its commitment)."""

    def _train(self, r: int, rnd: Round) -> ContentRef:
        raise AssertionError("trained again after a restart")


def test_a_participant_restarted_between_commit_and_reveal_reveals_the_bytes_it_committed_to(
    federation: Federation,
) -> None:
    f = federation
    aggregator = f.aggregator()
    aggregator.step()  # opens round 1
    crashing = f.participant(0, CrashAfterCommit)
    with pytest.raises(SystemExit):
        crashing.step()
    ref = ContentRef.from_dict(crashing.state.rounds()["1"]["update"])
    committed_bytes = crashing.pending.path_for(ref).read_bytes()
    del crashing
    assert not f.store.exists(ref)

    reborn = f.participant(0, CannotTrain)  # same key, same state file, a fresh process
    log = run_rounds(aggregator, [reborn, f.participant(1), f.participant(2)], f.backend, rounds=1)
    assert log.finalized == [1]
    revealed = f.owner.coordinator.events("UpdateRevealed", from_block=f.owner.deployment.block)
    mine = [e for e in revealed if e.member == reborn.address]
    assert len(mine) == 1 and bytes(mine[0].update_hash) == ref.sha256
    assert f.store.get(ref) == committed_bytes  # the very bytes committed to, published at the reveal
    assert f.owner.coordinator.is_claimed(f.task, 1, reborn.address)


def test_a_committed_update_lost_before_its_reveal_is_a_named_state_error(tmp_path: Path) -> None:
    pending = PendingBlobs(tmp_path / "node.json")
    store = MemoryStore()
    ref = pending.keep(store, b"an update")
    assert not store.exists(ref)
    pending.path_for(ref).write_bytes(b"another update")  # altered on disk
    with pytest.raises(NodeStateError, match=r"is altered .* cannot be revealed"):
        pending.publish(store, ref)
    pending.forget(ref)
    with pytest.raises(NodeStateError, match=r"is missing .* cannot be revealed"):
        pending.publish(store, ref)
    store.put(b"an update")  # published already (before a crash, or by an older node at commit time)
    pending.publish(store, ref)


def test_a_copied_masked_vector_is_excluded_as_duplicate_and_its_author_paid(
    backend: ChainBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SecAgg+: a masked vector names its member and round, so a copy never decodes as the copier's: the
    copier is excluded (``DUPLICATE``: its hash is its author's), its masks are removed like any malformed
    vector's, and the author, the one it decodes as, is paid; the round finalizes."""
    f = build_federation(backend, tmp_path, members=5, secagg=SecAggSpec())
    participants = f.participants()
    author, copier = participants[1], participants[0]
    real = _secagg_member._masked_update
    vectors: dict[str, bytes] = {}

    def masked_update(p: Participant, *args: Any) -> bytes:
        if p.address == copier.address:
            return vectors[author.address]  # handed over out of band
        vectors[p.address] = real(p, *args)
        return vectors[p.address]

    monkeypatch.setattr(_secagg_member, "_masked_update", masked_update)
    order = [author, copier, *participants[2:]]  # the author masks first in every sweep
    log = run_rounds(f.aggregator(), order, backend, rounds=1)

    assert log.finalized == [1]
    rnd = f.owner.coordinator.round(f.task, 1)
    assert rnd.phase == Phase.FINALIZED
    record = read_round_record(f.store, rnd.metrics_hash)
    assert record["excluded"] == [{"member": copier.address, "reason": ExclusionReason.DUPLICATE.name}]
    assert {i["member"] for i in record["included"]} == {p.address for p in order if p is not copier}
    assert copier.address not in {m for m, a in record["rewards"] if int(a) > 0}
    assert verify_task(f.owner, f.store, f.spec, FedAvg, f.task).ok
