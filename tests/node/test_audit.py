"""The blob checks behind ``verify_task``: each kind of blob is checked on its own and a failure names it;
a damaged version is blamed on itself, and what derives from it says so instead of a vague mismatch."""

from __future__ import annotations

import numpy as np
import pytest
from node_federation import Federation

from fedchain import codec
from fedchain.chain.bindings.model_registry import ModelVersion
from fedchain.fl.strategies import FedAdam, FedAvg
from fedchain.node import run_rounds, verify_task
from fedchain.node._audit import (
    Finding,
    Kind,
    RoundContext,
    check_model,
    check_round_record,
    check_task_spec,
)
from fedchain.storage import MemoryStore


def test_a_finding_names_version_round_blob_member_and_problem() -> None:
    digest = bytes(range(32))
    finding = Finding(2, 2, Kind.UPDATE, "missing from the store", "s3://b/k", digest, "0x" + "ab" * 20)
    assert finding.line == (
        f"version 2 (round 2): FAILED: update blob of member 0x{'ab' * 20} at s3://b/k (sha256 0001...1e1f): "
        "missing from the store"
    )
    assert finding.to_dict() == {
        "version": 2, "round": 2, "kind": "update", "locator": "s3://b/k", "sha256": "0x" + digest.hex(),
        "member": "0x" + "ab" * 20, "problem": "missing from the store",
    }  # fmt: skip
    local = Finding(0, None, Kind.MODEL, "p", f"fedchain-local://sha256/{digest.hex()}", digest)
    assert local.line == f"version 0: FAILED: model blob fedchain-local://sha256/{digest.hex()}: p"
    assert Finding(3, 3, Kind.ROUND, "x differs").line == "version 3 (round 3): FAILED: x differs"


def test_a_model_blob_that_hashes_right_but_does_not_decode_is_named(federation: Federation) -> None:
    store = MemoryStore()
    ref = store.put(b"not safetensors")
    version = ModelVersion(ref.sha256, b"\0" * 32, 4, b"\0" * 32, ref.locator)
    (finding,) = check_model(store, federation.spec, 4, version)
    assert (finding.version, finding.round, finding.kind) == (4, 4, Kind.MODEL)
    assert finding.problem.startswith("does not decode with the task's model spec")
    zeros = {t.name: np.zeros(t.shape, t.dtype) for t in federation.spec.tensors}
    ref = store.put(codec.encode(zeros, federation.spec)[:-8] + np.float64(np.nan).tobytes())
    (finding,) = check_model(store, federation.spec, 1, ModelVersion(ref.sha256, b"", 1, b"", ref.locator))
    assert finding.problem == "holds NaN or Inf"
    assert check_model(store, None, 1, ModelVersion(ref.sha256, b"", 1, b"", ref.locator)) == []  # hash only


def test_a_blob_named_as_task_spec_or_round_record_must_be_one(federation: Federation) -> None:
    store = MemoryStore()
    ref = store.put(b'{"format": "something else"}')
    (finding,) = check_task_spec(store, ref.sha256)
    assert finding.kind is Kind.TASK_SPEC and finding.problem.startswith("is not a task spec")
    ctx = RoundContext(federation.owner, store, federation.spec, federation.task, 1, 1)
    assert (
        check_round_record(ctx, ref.sha256)[0][0].problem == "is not a round record (fedchain-round-record/1)"
    )
    other = store.put(b'{"format": "fedchain-round-record/1", "task": 9, "round": 1}')
    assert check_round_record(ctx, other.sha256)[0][0].problem == "is the record of task 9 round 1"
    (missing,), record = check_round_record(ctx, b"\x07" * 32)
    assert missing.problem == "missing from the store" and record is None


@pytest.fixture
def stateful(federation: Federation) -> Federation:
    """Three FedAdam rounds: each version's strategy state comes through every earlier version."""
    federation.strategy_factory = lambda: FedAdam(eta=0.05, beta_1=0.9, beta_2=0.99)
    run_rounds(federation.aggregator(), federation.participants(), federation.backend, rounds=3)
    return federation


def test_a_damaged_version_breaks_a_stateful_strategy_from_there_on_and_says_so(stateful: Federation) -> None:
    f = stateful
    assert verify_task(f.owner, f.store, f.spec, f.strategy_factory, f.task).ok
    v1 = f.owner.models.version(f.task, 1)
    f.store.path_for(v1.locator).unlink()
    report = verify_task(f.owner, f.store, f.spec, f.strategy_factory, f.task)
    assert not report.ok and report.versions == 4
    assert [(x.version, x.kind) for x in report.findings] == [
        (1, Kind.MODEL),
        (2, Kind.ROUND),
        (3, Kind.ROUND),
    ]
    assert report.findings[0].problem == "missing from the store"
    assert "its base, version 1" in report.findings[1].problem
    assert "the strategy's state comes through version 2" in report.findings[2].problem
    assert report.lines[0].startswith("version 0: initial model") and report.lines[0].endswith(" ok")
    assert report.lines[1:] == tuple(x.line for x in report.findings)


def test_without_the_task_spec_blobs_are_checked_by_hash_and_nothing_passes(federation: Federation) -> None:
    f = federation
    run_rounds(f.aggregator(), f.participants(), f.backend, rounds=1)
    report = verify_task(f.owner, f.store, None, None, f.task)
    assert not report.ok
    assert [(x.version, x.kind) for x in report.findings] == [(1, Kind.ROUND)]
    assert "the task spec (version 0) is unavailable" in report.findings[0].problem
    assert verify_task(f.owner, f.store, f.spec, FedAvg, f.task).ok
