"""SecAgg+ bad input through the chain: refused by name, blamed when provable, never a crash.

Each case makes member 0 (the first hospital) misbehave at one step. Where the others can still unmask, the
round finalizes with
their sum and member 0 is not paid; where its fault leaves a needed secret without shares, the round fails
with a failure report naming it, it is blamed and slashed with public evidence, and the next round finalizes
without it (one member can stop at most one round, at its own cost). Honest members are never slashed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from node_federation import Federation, build_federation

from fedchain.chain import ChainBackend
from fedchain.chain.bindings.coordinator import ExclusionReason, Phase
from fedchain.exceptions import MalformedBundleError, ShareMismatchError
from fedchain.fl.strategies import FedAvg
from fedchain.node import _secagg, _secagg_member, read_round_record, run_rounds, verify_task
from fedchain.privacy.secagg import (
    RevealedShare,
    UnmaskBundle,
    check_unmask_bundle,
    decode_share_bundle,
    decode_unmask_bundle,
)
from fedchain.storage import LocalDirectoryStore
from fedchain.taskspec import SecAggSpec

MEMBERS = 5


class TamperingStore(LocalDirectoryStore):
    """The cheater's view of the shared store: blobs starting with ``magic`` are altered on the way in."""

    def __init__(self, root: Path, magic: bytes, mutate: Callable[[bytes], bytes]) -> None:
        super().__init__(root)
        self.magic, self.mutate = magic, mutate

    def put(self, data: bytes) -> Any:
        return super().put(self.mutate(data) if data.startswith(self.magic) else data)


def _round(
    f: Federation,
    backend: ChainBackend,
    store_for_0: LocalDirectoryStore | None = None,
    *,
    finalized: int = 1,
) -> dict[str, Any]:
    participants = f.participants()
    if store_for_0 is not None:
        participants[0].store = store_for_0
    log = run_rounds(f.aggregator(), participants, backend, rounds=1)
    assert log.finalized == [finalized]
    rnd = f.owner.coordinator.round(f.task, finalized)
    assert rnd.phase == Phase.FINALIZED
    assert verify_task(f.owner, f.store, f.spec, FedAvg, f.task).ok
    for p in participants[1:]:  # honest members are never slashed
        activity = f.owner.coordinator.member_activity(f.task, p.fc.address)
        assert (activity.slashed_absent, activity.slashed_fault, activity.slashed_dispute) == (0, 0, 0)
    record = read_round_record(f.store, rnd.metrics_hash)
    record["cheater"] = participants[0].fc.address
    record["honest"] = [p.fc.address for p in participants[1:]]
    return record


def _cheater_id(f: Federation, r: int = 1) -> int:
    """Member 0's protocol id in round ``r``: its cohort position."""
    in_cohort, position = f.owner.coordinator.cohort_position(f.task, r, f.member_fcs[0].address)
    assert in_cohort
    return position


@pytest.fixture
def secagg_federation(backend: ChainBackend, tmp_path: Path) -> Federation:
    return build_federation(backend, tmp_path, members=MEMBERS, secagg=SecAggSpec())


def test_malformed_share_bundle_fails_its_round_and_expels_the_dealer(
    secagg_federation: Federation, backend: ChainBackend
) -> None:
    """Everyone masked with it (it shared on-chain), so its secrets are needed and cannot be recovered."""
    f = secagg_federation
    with pytest.raises(MalformedBundleError):
        decode_share_bundle(b"FCSB\x02" + bytes(40))
    garbage = TamperingStore(f.store.root, b"FCSB", lambda data: data[:5] + bytes(len(data) - 5))
    record = _round(f, backend, garbage, finalized=2)
    coordinator = f.owner.coordinator
    failed = coordinator.round(f.task, 1)
    assert failed.phase == Phase.FAILED and failed.model_hash == bytes(32)
    report = read_round_record(f.store, failed.metrics_hash)
    assert report["failure"].startswith("malformed share bundle of member(s)")
    assert report["excluded"] == [{"member": record["cheater"], "reason": ExclusionReason.BAD_SHARES.name}]
    cheater = coordinator.member_activity(f.task, record["cheater"])
    assert cheater.slashed_fault == 1 and cheater.suspended  # blamed with public evidence, out of the task
    assert {i["member"] for i in record["included"]} == set(record["honest"])


def test_forged_share_for_one_neighbour_is_skipped(
    secagg_federation: Federation, backend: ChainBackend
) -> None:
    f = secagg_federation

    def forge_last_ciphertext(data: bytes) -> bytes:  # the structure and commitments stay valid
        return data[:-1] + bytes([data[-1] ^ 0x01])

    record = _round(f, backend, TamperingStore(f.store.root, b"FCSB", forge_last_ciphertext))
    assert {i["member"] for i in record["included"]} == {record["cheater"], *record["honest"]}


def test_masked_vector_of_the_wrong_length_is_excluded_and_its_masks_removed(
    secagg_federation: Federation, backend: ChainBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = secagg_federation
    real = _secagg_member.encode_masked_vector

    def longer(context: Any, member: int, vector: np.ndarray) -> bytes:
        return real(context, member, np.append(vector, vector[:1]) if member == _cheater_id(f) else vector)

    monkeypatch.setattr(_secagg_member, "encode_masked_vector", longer)
    record = _round(f, backend)
    assert [(e["member"], e["reason"]) for e in record["excluded"]] == [
        (record["cheater"], ExclusionReason.BAD_SHAPE.name)
    ]
    assert {i["member"] for i in record["included"]} == set(record["honest"])


def test_unmask_share_that_does_not_match_its_commitment_is_dropped(
    secagg_federation: Federation, backend: ChainBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = secagg_federation
    real = _secagg_member.encode_unmask_bundle
    published: list[UnmaskBundle] = []

    def tampered(bundle: UnmaskBundle) -> bytes:
        if bundle.publisher == _cheater_id(f):
            first = bundle.shares[0]
            wrong = RevealedShare(first.owner, first.kind, first.value + 1)
            bundle = UnmaskBundle(bundle.context, bundle.publisher, (wrong, *bundle.shares[1:]))
            published.append(bundle)
        return real(bundle)

    monkeypatch.setattr(_secagg_member, "encode_unmask_bundle", tampered)
    record = _round(f, backend)
    paid = {m: int(a) for m, a in record["rewards"]}
    assert record["cheater"] not in paid  # its unmask bundle was refused, so it is not among the included
    assert set(paid) == set(record["honest"]) and len(set(paid.values())) == 1
    assert record["excluded"] == [{"member": record["cheater"], "reason": ExclusionReason.BAD_SHARES.name}]
    assert any("for dealing shares that fail verification" in a for a in f.aggregator().step())
    assert f.owner.coordinator.member_activity(f.task, record["cheater"]).slashed_fault == 1

    pub = _secagg.load_public(f.owner, f.store, f.spec, f.task, 1)
    survivors = set(pub.ids.values())
    with pytest.raises(ShareMismatchError):  # the named error behind the refusal
        check_unmask_bundle(pub.rnd, decode_unmask_bundle(real(published[0])), pub.share_bundles, survivors)
