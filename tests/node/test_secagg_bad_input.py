"""SecAgg+ bad input through the chain: refused by name, the round completes, no honest member is slashed.

Each case makes member 0 (the first to advertise, so protocol id 0) misbehave at one step and checks that
the round still finalizes with the others' sum, that member 0 is not paid, and that verification holds.
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
    f: Federation, backend: ChainBackend, store_for_0: LocalDirectoryStore | None = None
) -> dict[str, Any]:
    participants = f.participants()
    if store_for_0 is not None:
        participants[0].store = store_for_0
    log = run_rounds(f.aggregator(), participants, backend, rounds=1)
    assert log.finalized == [1]
    rnd = f.owner.coordinator.round(f.task, 1)
    assert rnd.phase == Phase.FINALIZED
    assert verify_task(f.owner, f.store, f.spec, FedAvg, f.task).ok
    for p in participants:  # nobody is slashed: the cheater misbehaved off-chain, honest members not at all
        assert f.owner.coordinator.member_activity(f.task, p.fc.address).slashed_non_reveal == 0
    record = read_round_record(f.store, rnd.metrics_hash)
    record["cheater"] = participants[0].fc.address
    record["honest"] = [p.fc.address for p in participants[1:]]
    return record


@pytest.fixture
def secagg_federation(backend: ChainBackend, tmp_path: Path) -> Federation:
    return build_federation(backend, tmp_path, members=MEMBERS, secagg=SecAggSpec())


def test_malformed_share_bundle_counts_as_not_shared(
    secagg_federation: Federation, backend: ChainBackend
) -> None:
    f = secagg_federation
    with pytest.raises(MalformedBundleError):
        decode_share_bundle(b"FCSB\x01" + bytes(40))
    garbage = TamperingStore(f.store.root, b"FCSB", lambda data: data[:5] + bytes(len(data) - 5))
    record = _round(f, backend, garbage)
    included = {i["member"] for i in record["included"]}
    assert record["cheater"] not in included and set(record["honest"]) == included
    assert record["excluded"] == []  # its own node saw the bundle refused and sat the round out
    assert f.owner.coordinator.member_activity(f.task, record["cheater"]).committed == 0


def test_forged_share_for_one_neighbour_is_skipped(
    secagg_federation: Federation, backend: ChainBackend
) -> None:
    f = secagg_federation

    def forge_last_ciphertext(data: bytes) -> bytes:  # the structure and commitments stay valid
        return data[:-1] + bytes([data[-1] ^ 0x01])

    record = _round(f, backend, TamperingStore(f.store.root, b"FCSB", forge_last_ciphertext))
    assert {i["member"] for i in record["included"]} == {record["cheater"], *record["honest"]}


def test_masked_vector_of_the_wrong_length_is_a_dropout(
    secagg_federation: Federation, backend: ChainBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = secagg_federation
    real = _secagg_member.encode_masked_vector

    def longer(context: Any, member: int, vector: np.ndarray) -> bytes:
        return real(context, member, np.append(vector, vector[:1]) if member == 0 else vector)

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
        if bundle.publisher == 0:
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

    pub = _secagg.load_public(f.owner, f.store, f.spec, f.task, 1)
    survivors = set(pub.ids.values())
    with pytest.raises(ShareMismatchError):  # the named error behind the refusal
        check_unmask_bundle(pub.rnd, decode_unmask_bundle(real(published[0])), pub.share_bundles, survivors)
