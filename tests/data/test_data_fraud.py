"""fraud: the synthetic cross-bank set is imbalanced, shifted per bank, and partitioned by bank."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fedchain.data import FederatedDataset, fraud
from fedchain.data.datasets import BANK_NAMES, FEATURE_NAMES, FRAUD_RATE_RANGE
from fedchain.data.datasets.synthetic_fraud import _bank, _transactions

LOW, HIGH = FRAUD_RATE_RANGE
COLUMN = {name: i for i, name in enumerate(FEATURE_NAMES)}


@pytest.fixture(scope="module")
def data() -> FederatedDataset:
    return fraud(5, seed=0)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), typical=st.integers(500, 3000))
def test_every_bank_rate_is_in_the_documented_range(seed: int, typical: int) -> None:
    rng = np.random.default_rng(seed)
    bank = _bank(rng, typical)
    x, y = _transactions(bank, rng)
    assert x.shape == (bank.size, len(FEATURE_NAMES))
    assert typical // 2 <= bank.size <= 2 * typical
    assert LOW <= y.mean() <= HIGH


def test_client_rates_stay_in_range_up_to_the_rounding_of_the_held_out_split(data: FederatedDataset) -> None:
    for client in data.clients:
        slack = 1.0 / len(client)
        assert LOW - slack <= client.y.mean() <= HIGH + slack
        assert client.y.sum() >= 5
    assert LOW - 0.002 <= data.y_test.mean() <= HIGH + 0.002


def test_fraud_rates_differ_per_bank(data: FederatedDataset) -> None:
    rates = [float(c.y.mean()) for c in data.clients]
    assert max(rates) - min(rates) > 0.005


def test_banks_have_their_own_customer_profile(data: FederatedDataset) -> None:
    raw = [data.scaling.inverse(c.x) for c in data.clients]
    medians = [float(np.median(r[:, COLUMN["amount"]])) for r in raw]
    assert max(medians) > 1.3 * min(medians)
    card_present = [float(r[:, COLUMN["card_present"]].mean()) for r in raw]
    assert max(card_present) - min(card_present) > 0.1


def test_banks_see_different_fraud_patterns(data: FederatedDataset) -> None:
    shares = []
    for client in data.clients:
        frauds = data.scaling.inverse(client.x)[client.y == 1]
        shares.append(float(frauds[:, COLUMN["card_present"]].mean()))  # share of counterfeit-card fraud
    assert max(shares) - min(shares) > 0.3


def test_raw_features_look_like_transactions(data: FederatedDataset) -> None:
    x, _ = data.centralized()
    raw = np.round(data.scaling.inverse(np.concatenate([x, data.x_test])), 6)
    assert np.all(raw[:, COLUMN["amount"]] > 0)
    hour = raw[:, COLUMN["hour"]]
    assert np.all((hour >= 0) & (hour <= 23) & (hour == np.round(hour)))
    assert np.all((raw[:, COLUMN["merchant_risk"]] >= 0) & (raw[:, COLUMN["merchant_risk"]] <= 1))
    assert np.all(raw[:, COLUMN["velocity_24h"]] >= raw[:, COLUMN["velocity_1h"]])
    for flag in ("card_present", "foreign", "new_device"):
        assert set(np.unique(raw[:, COLUMN[flag]])) <= {0.0, 1.0}


def test_fraud_is_learnable_but_not_trivial(data: FederatedDataset) -> None:
    x, y = data.centralized()
    # One feature alone (the best single signal, in either direction) separates only part of the fraud.
    for j in range(data.num_features):
        fraud_mean, legit_mean = x[y == 1, j].mean(), x[y == 0, j].mean()
        assert abs(fraud_mean - legit_mean) < 3.0, FEATURE_NAMES[j]
    assert max(abs(x[y == 1, j].mean() - x[y == 0, j].mean()) for j in range(data.num_features)) > 0.5


def test_partitioned_by_bank_with_bank_names(data: FederatedDataset) -> None:
    assert data.client_names == BANK_NAMES[:5]
    assert data.partitioning == "natural_id(bank)"
    assert data.class_names == ("legitimate", "fraud")
    assert data.feature_names == FEATURE_NAMES
