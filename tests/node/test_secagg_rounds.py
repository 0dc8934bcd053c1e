"""SecAgg+ through the chain: 10 members, 30% drop out after committing, the round still completes.

The registered model must equal FedAvg of the survivors' quantized updates, re-derived bit for bit by every
verifier from public data only, and no individual update is ever stored unmasked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from node_federation import STAKE, Federation, build_federation

from fedchain import codec
from fedchain.chain import ChainBackend, DevnetBackend, anvil_available
from fedchain.chain.bindings.coordinator import Phase
from fedchain.fl.strategies import FedAvg
from fedchain.node import (
    NodeError,
    Participant,
    _secagg,
    _secagg_member,
    read_round_record,
    run_rounds,
    verify_task,
)
from fedchain.privacy.secagg import dequantize
from fedchain.taskspec import SecAggSpec

MEMBERS = 10
DROPOUTS = 3


class DropsAfterCommit(Participant):
    """Goes offline for good once it has committed (before revealing): a dropout."""

    def step(self) -> list[str]:
        r = self.fc.coordinator.current_round(self.task)
        if r and self.fc.coordinator.member_activity(self.task, self.fc.address).committed == r:
            return []
        return super().step()


def _run_secagg_round(backend: ChainBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f: Federation = build_federation(backend, tmp_path, members=MEMBERS, secagg=SecAggSpec())
    quantized: dict[int, np.ndarray] = {}  # what each member id fed into its mask, to check the sum
    real_mask_vector = _secagg_member.mask_vector

    def capture(rnd: object, member: int, keys: object, seed: bytes, vector: np.ndarray, **kw: Any) -> object:
        quantized[member] = vector.copy()
        return real_mask_vector(rnd, member, keys, seed, vector, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(_secagg_member, "mask_vector", capture)
    participants = [
        f.participant(i, DropsAfterCommit if i < DROPOUTS else Participant) for i in range(MEMBERS)
    ]
    log = run_rounds(f.aggregator(), participants, backend, rounds=1)

    assert log.finalized == [1]
    coordinator = f.owner.coordinator
    rnd = coordinator.round(f.task, 1)
    assert rnd.phase == Phase.FINALIZED and rnd.revealers == MEMBERS - DROPOUTS
    record = read_round_record(f.store, rnd.metrics_hash)
    survivors = {p.fc.address for p in participants[DROPOUTS:]}
    assert {i["member"] for i in record["included"]} == survivors
    assert record["mode"] == "secagg" and record["totalWeight"] == sum(
        min(len(f.clients[i].x_train), 1024) for i in range(DROPOUTS, MEMBERS)
    )
    assert all(int(a) > 0 for _, a in record["rewards"])  # every survivor paid, equally
    assert len({a for _, a in record["rewards"]}) == 1

    # The model equals FedAvg of the survivors' quantized updates (dropouts' vectors left out).
    pub = _secagg.load_public(f.owner, f.store, f.spec, f.task, 1)
    assert len(quantized) == MEMBERS  # every member masked an update; the dropouts' never count
    by_member = {address: quantized[member] for address, member in pub.ids.items()}
    total = sum((by_member[a].astype(np.uint64) for a in survivors), np.zeros(pub.length, np.uint64))
    total = (total % (1 << pub.bits)).astype(np.uint32 if pub.bits == 32 else np.uint64)
    mean, weight = dequantize(total, pub.spec.quantization())
    assert weight == record["totalWeight"]
    base = {t.name: np.zeros(t.shape, t.dtype) for t in f.spec.tensors}
    expected = FedAvg().aggregate(base, [(_secagg.apply_mean_delta(base, f.spec, mean), 1)], server_round=1)
    assert codec.encode(expected, f.spec) == f.store.get_by_locator(
        f.owner.models.head(f.task).locator, rnd.model_hash
    )
    assert f.accuracy(1) > f.accuracy(0)

    # Anyone re-derives it from the chain and the store; and no member keeps its round secrets.
    assert verify_task(f.owner, f.store, f.spec, FedAvg, f.task).ok
    for p in participants[DROPOUTS:]:
        run_rounds(f.aggregator(), [p], backend, rounds=0)  # settles: claims, then forgets the secrets
        assert "sealed" not in p.state.rounds()["1"]
        assert coordinator.is_claimed(f.task, 1, p.fc.address)


def test_secagg_round_with_30_percent_dropout_on_embedded(
    backend: ChainBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run_secagg_round(backend, tmp_path, monkeypatch)


@pytest.mark.devnet
def test_secagg_round_with_30_percent_dropout_on_devnet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not anvil_available():
        if os.environ.get("CI"):
            pytest.fail("anvil missing under CI: run `npm ci`")
        pytest.skip("anvil not installed (npm ci)")
    with DevnetBackend() as chain:
        _run_secagg_round(chain, tmp_path, monkeypatch)


def test_too_many_dropouts_fail_the_round_and_charge_the_dropouts(
    backend: ChainBackend, tmp_path: Path
) -> None:
    """3 of 5 drop out after committing: 2 survivors hold 1 share of each other's self-mask seed, t = 2.

    No secret can be rebuilt: the aggregator reports the failure (keeping its bond), the verifiers agree, and
    the round ends ``Failed`` with no model. The three that committed and left pay the non-reveal slash; the
    survivors lose nothing. The aggregator goes on opening rounds; round 1 is the one examined."""
    f = build_federation(backend, tmp_path, members=5, secagg=SecAggSpec())
    assert SecAggSpec().config().resolve(5) == (4, 2)
    participants = [f.participant(i, DropsAfterCommit if i < 3 else Participant) for i in range(5)]
    aggregator = f.aggregator()
    with pytest.raises(NodeError):  # no round ever finalizes...
        run_rounds(aggregator, participants, backend, rounds=1, max_sweeps=14)
    coordinator = f.owner.coordinator
    rnd = coordinator.round(f.task, 1)
    assert rnd.phase == Phase.FAILED  # ...round 1 ended with an accepted failure report
    assert rnd.model_hash == bytes(32) and f.owner.models.version_count(f.task) == 1
    report = read_round_record(f.store, rnd.metrics_hash)
    assert report["failure"].startswith("too few unmask bundles")
    for p in participants[:3]:  # the dropouts caused it, and pay for it
        activity = coordinator.member_activity(f.task, p.fc.address)
        assert activity.slashed_absent == 1
    for p in participants[3:]:  # the survivors unmasked what they could and lose nothing
        activity = coordinator.member_activity(f.task, p.fc.address)
        assert activity.revealed >= 1 and activity.slashed_absent == 0 and activity.slashed_dispute == 0
    assert f.owner.vault.stake_of(f.task, participants[3].fc.address) == STAKE
