"""Pinned SHA-256 digests of aggregates: the bytes a verifier on any machine must re-derive.

The inputs are built from small integers by exact float64 arithmetic and one correctly rounded division
each, not by a random generator, so they are the same everywhere. A digest that changes means the bytes of an
aggregate changed: a platform, NumPy or code change broke bit-exact re-derivation, or the
aggregation rule itself changed (then update the digests deliberately, and say so in the commit).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from fedchain.codec import encode
from fedchain.codec._types import NDArray
from fedchain.fl.fixedpoint import aggregate_fixed_point
from fedchain.fl.strategies import FedAdagrad, FedAdam, FedAvg, FedAvgM, FedProx, FedYogi, Strategy


def update(i: int, dtype: Any) -> dict[str, NDArray]:
    k = np.arange(24, dtype=np.float64)
    kernel = ((k * (i + 1) * 7919) % 1000 - 500) / 337
    bias = ((k[:4] * (i + 3) * 104729) % 777 - 388) / 1009
    return {"dense.kernel": kernel.reshape(4, 6).astype(dtype), "dense.bias": bias.astype(dtype)}


def sha256(named: dict[str, NDArray]) -> str:
    return hashlib.sha256(encode(named)).hexdigest()


@pytest.mark.parametrize(
    ("dtype", "digest"),
    [
        (np.float32, "d1401963aafb2f57e26abfba77670ee0cf46ec1fdb906ce7c460d1bc88eeea67"),
        (np.float64, "27a674cad93ba1d6203fcd38d30cfeb788a1dcaf19b14a51b6f9a9bae2e7394a"),
    ],
)
def test_fixed_point_aggregate_digest(dtype: Any, digest: str) -> None:
    updates = [(update(i, dtype), 13 * i + 1) for i in range(5)]
    assert sha256(aggregate_fixed_point(updates)) == digest
    assert sha256(aggregate_fixed_point(updates[::-1])) == digest


FEDAVG = "e9c12df178f4df9776aa6a984db6ceb09a25c832bdafff66e47c9cc57b2d5313"
EMPTY_STATE = "9bbcbf73561f6bc5d0a17ea6a2081feed2d1304e87602d8c502d9a5c4bd85576"


@pytest.mark.parametrize(
    ("factory", "model_digest", "state_digest"),
    [
        (FedAvg, FEDAVG, EMPTY_STATE),
        (lambda: FedProx(proximal_mu=0.5), FEDAVG, EMPTY_STATE),
        (
            lambda: FedAvgM(server_learning_rate=0.7, server_momentum=0.9),
            "3c44814db37d2ae25cc57d798dc7716f35de22d9bd348ee23e4f18ffe0f9a454",
            "1e425a101ad3ec98b4491e31d4422bbe4cd18f28e9105657f456eceaf3b81e6c",
        ),
        (
            FedAdam,
            "84389ed479c5155ec190b75da0cc842d57b23e4403780e8b8398a6d29c2416bd",
            "48ee7520b007cfa03b09298d4222c936c5e8038e047bbaf051d03934ac46a6af",
        ),
        (
            FedYogi,
            "548459b6b8addb946ffd8c1df26a0a4801e9cdcd0ffee13ff351d7ff13d69795",
            "9dccc0dbd35a4a0f781fe36d9a36c2988ad00e7d8a6fdec261d1eb628d8bb78c",
        ),
        (
            FedAdagrad,
            "212d5c384262e129f0fcd348c23668908a87b0da8c243a8dbd57dee60450e30d",
            "0f1aebcba6cdfa0b48243b2a76ed7db3811ba6f4f85fece2fb01e16d38c95166",
        ),
    ],
    ids=["FedAvg", "FedProx", "FedAvgM", "FedAdam", "FedYogi", "FedAdagrad"],
)
def test_three_rounds_digest(factory: Callable[[], Strategy], model_digest: str, state_digest: str) -> None:
    strategy = factory()
    model = update(99, np.float32)
    for server_round in (1, 2, 3):
        results = [(update(i + server_round, np.float32), 13 * i + server_round) for i in range(4)]
        model = strategy.aggregate(model, results, server_round)
    assert sha256(model) == model_digest
    assert sha256(strategy.state_dict()) == state_digest
