"""Cross-bank fraud: a synthetic, imbalanced card-transaction set, one natural partition per bank.

Generative model (all draws from ``numpy.random.default_rng``, seeded from ``seed``):

1. **Bank profile.** Bank ``b`` draws its size ``n_b = transactions_per_bank * exp(N(0, 0.35))`` (clipped to
   0.5x-2x), a fraud rate ``pi_b ~ U(1%, 3%)``, and a covariate shift of its customers: typical amount
   ``exp(mu_b)`` with ``mu_b ~ N(log 60, 0.35)``, time-zone offset ``tau_b`` in -3..+3 h, card-present share
   ``U(0.35, 0.75)``, cross-border share ``U(0.02, 0.10)``, merchant-risk ``Beta(2, U(6, 12))``, typical
   distance from home ``exp(N(log 8, 0.3))`` km and a transaction-velocity factor ``U(0.5, 1.5)``.
2. **Legitimate transactions** follow the bank profile: log-normal amounts, daytime hours around 14:00 local,
   Poisson velocities, mostly low merchant risk, established accounts. One in ten is unusual but genuine
   (travel far from home or abroad, a big purchase, a late-night online spree), so outliers are not all fraud.
3. **Fraud** is exactly ``round(pi_b * n_b)`` transactions (kept within 1%-3% of the bank), each drawn from
   one of three archetypes with bank-specific weights ``w_b ~ Dir(0.7, 0.7, 0.7)``, so banks see different
   fraud mixes: *card testing* (small card-not-present amounts, half of them at night, bursts of velocity,
   often a fresh account or device), *account takeover* (online amounts well above the customer's average,
   often from a new device, further from home) and *counterfeit card* (card present, often abroad, hundreds
   of km from home). Each archetype overlaps legitimate traffic: the task is learnable, not trivially
   separable, and a bank alone rarely sees every pattern.

Rows are shuffled within each bank. A stratified (bank x label) share is held out as the global test set,
and the remaining records are partitioned by bank (:func:`~fedchain.data.partition.natural_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from fedchain.data._checks import check_int
from fedchain.data._types import FloatArray, IntArray
from fedchain.data.datasets._prepare import (
    assemble,
    client_names,
    split_seeds,
    standardize,
    stratified_holdout,
)
from fedchain.data.datasets.breast_cancer import DEFAULT_TEST_SIZE
from fedchain.data.datasets.federated_dataset import FederatedDataset
from fedchain.data.partition import natural_id

FRAUD_RATE_RANGE: Final = (0.01, 0.03)
"""Every bank's share of fraudulent transactions lies in this closed range."""

DEFAULT_TRANSACTIONS_PER_BANK: Final = 2000
"""Typical number of transactions per bank; actual sizes vary between half and twice this."""

MIN_TRANSACTIONS_PER_BANK: Final = 500
"""Smallest ``transactions_per_bank`` accepted (so that every bank has several frauds)."""

FEATURE_NAMES: Final = (
    "amount",
    "hour",
    "merchant_risk",
    "velocity_1h",
    "velocity_24h",
    "distance_from_home_km",
    "amount_to_avg_ratio",
    "account_age_days",
    "card_present",
    "foreign",
    "new_device",
)
"""Raw feature columns of :func:`fraud`, in order."""

BANK_NAMES: Final = (
    "Alpine Savings",
    "Baltic Trust",
    "Coastal Credit Union",
    "Danube Bank",
    "Evergreen Mutual",
    "Frontier Capital",
    "Golden Gate Bancorp",
    "Highland Cooperative",
    "Isthmus Federal",
    "Jade Harbor Bank",
)
"""Client names of :func:`fraud`, in order (more clients repeat them with a ``#2`` suffix)."""


@dataclass(frozen=True)
class _Bank:
    size: int
    fraud: int
    mu: float  # log of the typical amount
    tz: int
    card_present: float
    foreign: float
    risk_b: float
    log_distance: float
    velocity: float
    patterns: tuple[float, float, float]


def _bank(rng: np.random.Generator, typical_size: int) -> _Bank:
    size = round(typical_size * float(np.clip(np.exp(rng.normal(0.0, 0.35)), 0.5, 2.0)))
    low, high = FRAUD_RATE_RANGE
    fraud = int(np.clip(round(rng.uniform(low, high) * size), np.ceil(low * size), np.floor(high * size)))
    w = rng.dirichlet(np.full(3, 0.7))
    return _Bank(
        size=size,
        fraud=fraud,
        mu=float(rng.normal(np.log(60.0), 0.35)),
        tz=int(rng.integers(-3, 4)),
        card_present=float(rng.uniform(0.35, 0.75)),
        foreign=float(rng.uniform(0.02, 0.10)),
        risk_b=float(rng.uniform(6.0, 12.0)),
        log_distance=float(rng.normal(np.log(8.0), 0.3)),
        velocity=float(rng.uniform(0.5, 1.5)),
        patterns=(float(w[0]), float(w[1]), float(w[2])),
    )


def _transactions(bank: _Bank, rng: np.random.Generator) -> tuple[FloatArray, IntArray]:
    """Legitimate rows first, then fraud rows, then shuffled together; columns as :data:`FEATURE_NAMES`."""
    n, m = bank.size - bank.fraud, bank.fraud
    total = n + m
    # Legitimate traffic: the bank's own customer profile.
    amount = np.exp(rng.normal(bank.mu, 0.9, total))
    hour = np.round(rng.normal(14.0, 3.5, total)) + bank.tz
    risk = rng.beta(2.0, bank.risk_b, total)
    v1 = rng.poisson(0.3 * bank.velocity, total).astype(np.float64)
    distance = np.exp(rng.normal(bank.log_distance, 1.0, total))
    age = rng.gamma(2.0, 600.0, total)
    present = rng.random(total) < bank.card_present
    foreign = rng.random(total) < bank.foreign
    device = ~present & (rng.random(total) < 0.05)
    # Unusual but genuine behaviour (10% of customers' rows): travel, a big purchase, a late online spree.
    odd = rng.choice(4, size=total, p=[0.9, 0.04, 0.03, 0.03])
    travel, big, late = np.flatnonzero(odd == 1), np.flatnonzero(odd == 2), np.flatnonzero(odd == 3)
    distance[travel] = np.exp(rng.normal(np.log(300.0), 1.2, len(travel)))
    foreign[travel] = rng.random(len(travel)) < 0.5
    present[travel] = True
    amount[big] *= np.exp(rng.normal(1.5, 0.5, len(big)))
    hour[late] = np.round(rng.normal(1.0, 2.0, len(late))) + bank.tz
    v1[late] += rng.poisson(1.5, len(late))
    present[late] = False
    device[late] = rng.random(len(late)) < 0.2
    # Fraud rows (the last m) are overwritten by their archetype.
    kind = rng.choice(3, size=m, p=np.asarray(bank.patterns))
    f = np.arange(n, total)
    for archetype, rows in enumerate((f[kind == 0], f[kind == 1], f[kind == 2])):
        r = len(rows)
        if archetype == 0:  # card testing: tiny online amounts at night, bursts, fresh accounts and devices
            amount[rows] = np.exp(rng.normal(np.log(8.0), 0.9, r))
            night = rng.random(r) < 0.5
            hour[rows[night]] = np.round(rng.normal(3.0, 2.0, int(night.sum()))) + bank.tz
            risk[rows] = rng.beta(3.0, 5.0, r)
            v1[rows] = rng.poisson(3.5, r)
            age[rows] = np.where(rng.random(r) < 0.5, rng.gamma(1.5, 60.0, r), age[rows])
            present[rows] = False
            device[rows] = rng.random(r) < 0.5
            foreign[rows] = rng.random(r) < 0.2
        elif archetype == 1:  # account takeover: large online amounts from a new device, any hour
            amount[rows] = np.exp(rng.normal(bank.mu + 1.3, 0.7, r))
            hour[rows] = rng.integers(0, 24, r)
            risk[rows] = rng.beta(2.5, 6.0, r)
            v1[rows] = rng.poisson(1.0, r)
            distance[rows] = np.exp(rng.normal(bank.log_distance + 1.0, 1.2, r))
            present[rows] = False
            device[rows] = rng.random(r) < 0.65
            foreign[rows] = rng.random(r) < 0.25
        else:  # counterfeit card: card present, abroad, far from home
            amount[rows] = np.exp(rng.normal(bank.mu + 0.6, 0.8, r))
            hour[rows] = np.round(rng.normal(16.0, 4.0, r)) + bank.tz
            risk[rows] = rng.beta(2.5, 7.0, r)
            v1[rows] = rng.poisson(1.0, r)
            distance[rows] = np.exp(rng.normal(np.log(400.0), 1.2, r))
            present[rows] = True
            device[rows] = False
            foreign[rows] = rng.random(r) < 0.5
    v24 = v1 + rng.poisson(3.0 * bank.velocity, total)
    ratio = amount / np.exp(rng.normal(bank.mu, 0.5, total))
    x = np.column_stack(
        [amount, np.mod(hour, 24), risk, v1, v24, distance, ratio, age, present, foreign, device]
    ).astype(np.float64)
    y = np.concatenate([np.zeros(n, np.int64), np.ones(m, np.int64)])
    order = rng.permutation(total)
    return x[order], y[order]


def fraud(
    num_clients: int = 5,
    *,
    transactions_per_bank: int = DEFAULT_TRANSACTIONS_PER_BANK,
    seed: int = 0,
    test_size: float = DEFAULT_TEST_SIZE,
) -> FederatedDataset:
    """Synthetic cross-bank card fraud (binary, 11 features, 1-3% fraud per bank), one client per bank.

    Every bank has its own customer profile and its own mix of fraud patterns (see the module docstring for
    the generative model); the whole set is a deterministic function of the arguments. A stratified
    (bank x label) ``test_size`` share is held out as the global test set; features are standardised with
    the pooled training mean and standard deviation (``result.scaling``, public task-spec material).

    Parameters
    ----------
    num_clients
        Number of banks.
    transactions_per_bank
        Typical transactions per bank (each bank has between half and twice this), at least 500.
    seed
        Seeds the generation and the held-out split.
    test_size
        Share of records held out, strictly between 0 and 1.

    Returns
    -------
    FederatedDataset
        Task ``"binary"``, classes ``("legitimate", "fraud")``, partitioned by bank.

    Raises
    ------
    ConfigError
        For an invalid argument.

    Examples
    --------
    >>> from fedchain.data import fraud
    >>> data = fraud(3, transactions_per_bank=1000, seed=0)
    >>> data.client_names
    ('Alpine Savings', 'Baltic Trust', 'Coastal Credit Union')
    >>> all(0.005 < client.y.mean() < 0.04 for client in data.clients)
    True
    """
    k = check_int("num_clients", num_clients, minimum=1, maximum=10_000)
    typical = check_int("transactions_per_bank", transactions_per_bank, minimum=MIN_TRANSACTIONS_PER_BANK)
    split_seed, _, data_seed = split_seeds(seed)
    rng = np.random.default_rng(data_seed)
    banks = [_bank(rng, typical) for _ in range(k)]
    rows = [_transactions(b, rng) for b in banks]
    x = np.concatenate([r[0] for r in rows])
    y = np.concatenate([r[1] for r in rows])
    bank_id = np.repeat(np.arange(k, dtype=np.int64), [b.size for b in banks])
    train, test = stratified_holdout(bank_id * 2 + y, test_size, split_seed)
    return assemble(
        name="fraud",
        x_raw=x,
        y=y,
        train=train,
        test=test,
        parts=natural_id(bank_id[train]),
        names=client_names(BANK_NAMES, k),
        feature_names=FEATURE_NAMES,
        class_names=("legitimate", "fraud"),
        task="binary",
        scaling=standardize(x[train]),
        partitioning="natural_id(bank)",
    )
